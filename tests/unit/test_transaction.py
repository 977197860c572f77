"""The multi-file transaction: every step made, or every step undone, and the error says which.

Fault points are exact: a step fails because its path is made impossible before the run (a
folder in the way, a missing folder), or because one named system call is replaced by one
that fails on its N-th call.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from ansible_collections.icaclient.linux.plugins.module_utils import _transaction
from ansible_collections.icaclient.linux.plugins.module_utils._atomic_temps import TEMP_PREFIX
from ansible_collections.icaclient.linux.plugins.module_utils._transaction import (
    LINK,
    MKDIR,
    REMOVE,
    Step,
    TransactionError,
    apply,
    backup_copy,
)

OLD_TIME = 1_600_000_000_000_000_000


def state(folder: Path) -> dict[str, object]:
    """Every name under ``folder``: a link's target, or a file's bytes, mode and mtime."""
    result: dict[str, object] = {}
    for path in sorted(folder.rglob("*")):
        info = os.lstat(path)
        if path.is_symlink():
            result[str(path)] = ("link", os.readlink(path))
        elif path.is_dir():
            result[str(path)] = ("dir", info.st_mode)
        else:
            result[str(path)] = (path.read_bytes(), info.st_mode, info.st_mtime_ns)
    return result


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "f"
    root.mkdir()
    (root / "a.ini").write_bytes(b"old a\n")
    (root / "b.ini").write_bytes(b"old b\n")
    (root / "b.ini").chmod(0o600)
    (root / "gone.pem").write_bytes(b"old gone\n")
    os.symlink("a.ini", root / "12345678.0")
    for name in ("a.ini", "b.ini", "gone.pem"):
        os.utime(root / name, ns=(OLD_TIME, OLD_TIME))
    return root


def every_kind(root: Path) -> list[Step]:
    return [
        Step(str(root / "a.ini"), data=b"new a\n", backup=True),
        Step(str(root / "new.ini"), data=b"new file\n"),
        Step(str(root / "gone.pem"), action=REMOVE),
        Step(str(root / "12345678.0"), action=LINK, target="b.ini"),
        Step(str(root / "12345678.1"), action=LINK, target="new.ini"),
        Step(str(root / "sub" / "deeper"), action=MKDIR),
        Step(str(root / "b.ini"), data=b"new b\n", backup=True),
    ]


def test_every_step_is_made_and_nothing_else_is_left(folder: Path) -> None:
    applied = apply(every_kind(folder), backup=backup_copy)
    assert (folder / "a.ini").read_bytes() == b"new a\n" and (folder / "b.ini").read_bytes() == b"new b\n"
    assert (folder / "b.ini").stat().st_mode & 0o777 == 0o600  # an existing file keeps its mode
    assert os.readlink(folder / "12345678.0") == "b.ini" and not (folder / "gone.pem").exists()
    assert applied.removed == [str(folder / "gone.pem")]
    assert applied.created_dirs == [str(folder / "sub" / "deeper"), str(folder / "sub")]
    assert set(applied.backups) == {str(folder / "a.ini"), str(folder / "b.ini")}
    assert Path(applied.backups[str(folder / "b.ini")]).read_bytes() == b"old b\n"
    assert not [name for name in os.listdir(folder) if name.startswith(TEMP_PREFIX)]


@pytest.mark.parametrize("hard_links", [True, False], ids=["kept-as-hard-link", "kept-in-memory"])
def test_the_last_step_failing_puts_every_earlier_one_back(
    folder: Path, monkeypatch: pytest.MonkeyPatch, hard_links: bool
) -> None:
    if not hard_links:  # a file system without hard links: the old content is kept in memory

        def no_link(*args: object, **kwargs: object) -> None:
            raise OSError(errno.EPERM, os.strerror(errno.EPERM))

        monkeypatch.setattr(os, "link", no_link)
    steps = every_kind(folder)
    steps.append(Step(str(folder / "missing-folder" / "c.ini"), data=b"c"))
    before = state(folder)
    with pytest.raises(TransactionError) as caught:
        apply(steps, backup=backup_copy if hard_links else None)
    assert state(folder) == before  # bytes, modes, mtimes, links; no backup, no temporary file
    error = caught.value
    assert error.index == len(steps) - 1 and error.path == str(folder / "missing-folder" / "c.ini")
    assert error.cause.startswith(f"cannot write {error.path}: No such file or directory")
    changed = [str(folder / n) for n in ("a.ini", "new.ini", "gone.pem", "12345678.0", "12345678.1", "b.ini")]
    assert error.restored == changed and error.not_restored == []
    assert error.details == {
        "changed": False,
        "failed_path": error.path,
        "restored": changed,
        "not_restored": [],
    }
    assert error.message.endswith(" written, then restored)") and "; nothing was changed (" in error.message


def test_a_changed_file_that_cannot_be_put_back_is_named_and_the_result_says_changed(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_replace = os.replace

    def replace(source: str, destination: str, **dir_fds: int) -> None:
        if os.path.basename(str(source)).startswith(TEMP_PREFIX + "") and "-old-" in str(source):
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real_replace(source, destination, **dir_fds)

    steps = [Step(str(folder / "a.ini"), data=b"new a\n"), Step(str(folder / "nope" / "x"), data=b"x")]
    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(TransactionError) as caught:
        apply(steps)
    assert caught.value.not_restored == [str(folder / "a.ini")]
    assert caught.value.details["changed"] is True
    assert caught.value.message.endswith(f"; undoing failed for {folder / 'a.ini'}")


def test_a_file_replaced_since_it_was_read_is_refused_before_anything_is_written(folder: Path) -> None:
    identity = (os.stat(folder / "b.ini").st_dev, os.stat(folder / "b.ini").st_ino)
    (folder / "b.ini").rename(folder / "b.ini.moved")  # kept, so that its inode number is not reused
    (folder / "b.ini").write_bytes(b"someone else's\n")
    before = state(folder)
    with pytest.raises(TransactionError, match="was replaced while being edited; no file was written"):
        apply(
            [
                Step(str(folder / "a.ini"), data=b"new\n"),
                Step(str(folder / "b.ini"), data=b"x", identity=identity),
            ]
        )
    assert state(folder) == before


def test_a_failing_backup_undoes_the_files_already_written(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []

    def backup(path: str) -> str:
        calls.append(path)
        if len(calls) == 2:
            raise _transaction.IcaClientError(f"cannot back up {path}: No space left on device")
        return backup_copy(path)

    before = state(folder)
    steps = [
        Step(str(folder / "a.ini"), data=b"new a\n", backup=True),
        Step(str(folder / "b.ini"), data=b"b", backup=True),
    ]
    with pytest.raises(
        TransactionError, match=r"cannot back up .*b.ini: No space left on device; nothing was changed"
    ):
        apply(steps, backup=backup)
    assert state(folder) == before  # a.ini and its backup gone again
