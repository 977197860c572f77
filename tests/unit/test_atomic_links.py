"""The one atomic writer never follows a link at the file it writes, nor a user's folder link on the way.

Root writes into folders a user controls (``~/.ICAClient``): the user can put a link at the file's
name, or swap one in while root is writing. The swaps happen at an exact point (the writer's first
``os.chmod``, between reading the old file and the rename), never by timing.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

import pytest
from helpers import snapshot

from ansible_collections.icaclient.linux.plugins.module_utils import _atomic
from ansible_collections.icaclient.linux.plugins.module_utils._atomic import UnsafeFileError, atomic_write
from ansible_collections.icaclient.linux.plugins.module_utils._atomic_temps import TEMP_PREFIX
from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError

OTHER_USER = 1234
SECRET = b"root only\n"


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A root-only file outside the user's folder: what a link points root at."""
    path = tmp_path / "root" / "secret"
    path.parent.mkdir()
    path.write_bytes(SECRET)
    path.chmod(0o644)
    return path


@pytest.fixture
def user_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "home-mallory" / ".ICAClient"
    folder.mkdir(parents=True)
    return folder


def swap_in_link_at_first_chmod(monkeypatch: pytest.MonkeyPatch, target: Path, points_to: Path) -> list[str]:
    """At the writer's first os.chmod, move ``target`` aside and put a link to ``points_to`` there."""
    real_chmod = os.chmod
    swapped: list[str] = []

    def chmod(path, mode, *args, **kwargs):
        if not swapped:
            target.rename(target.with_name("moved-aside"))
            target.symlink_to(points_to)
            swapped.append(str(target))
        return real_chmod(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "chmod", chmod)
    return swapped


def test_a_link_swapped_in_before_the_mode_change_of_an_equal_file_is_not_chmodded_through(
    user_dir: Path, secret: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = user_dir / "wfclient.ini"
    target.write_bytes(SECRET)  # equal content: only the mode is to change
    target.chmod(0o644)
    before = snapshot(secret)
    swapped = swap_in_link_at_first_chmod(monkeypatch, target, secret)

    assert atomic_write(str(target), SECRET, mode=0o600) is False

    assert swapped, "the writer did not change the mode"
    assert snapshot(secret) == before, "root changed the mode of the file the user's link points to"
    assert stat.S_IMODE((user_dir / "moved-aside").stat().st_mode) == 0o600  # the file read got it


def test_a_link_swapped_in_after_the_read_is_refused_not_replaced_by_a_copy(
    user_dir: Path, secret: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = user_dir / "wfclient.ini"
    target.write_bytes(b"[WFClient]\nold\n")
    before = snapshot(secret)
    swap_in_link_at_first_chmod(monkeypatch, target, secret)

    with pytest.raises(UnsafeFileError, match=f"^cannot write {target}: it is a symbolic link") as caught:
        atomic_write(str(target), b"[WFClient]\nnew\n")

    assert caught.value.reason == _atomic.SYMLINK
    assert str(secret) not in str(caught.value)
    assert snapshot(secret) == before
    assert target.is_symlink() and os.readlink(target) == str(secret)
    assert not [p.name for p in user_dir.iterdir() if p.name.startswith(TEMP_PREFIX)]


@pytest.mark.parametrize("equal", [True, False], ids=["equal-content", "new-content"])
def test_a_link_at_the_target_is_refused_and_its_target_untouched(
    user_dir: Path, secret: Path, equal: bool
) -> None:
    secret.chmod(0o640)
    if os.geteuid() == 0:
        os.chown(secret, OTHER_USER, OTHER_USER)
    target = user_dir / "wfclient.ini"
    target.symlink_to(secret)
    before = snapshot(secret)

    with pytest.raises(UnsafeFileError, match=f"^cannot write {target}: it is a symbolic link"):
        atomic_write(str(target), SECRET if equal else b"[WFClient]\n", mode=0o600 if equal else None)

    # Neither chmodded through the link, nor its owner and mode copied onto a file in its place.
    assert snapshot(secret) == before
    assert target.is_symlink() and os.readlink(target) == str(secret)
    assert sorted(p.name for p in user_dir.iterdir()) == ["wfclient.ini"]


def test_a_dangling_link_at_the_target_is_refused_and_nothing_created_where_it_points(
    user_dir: Path, tmp_path: Path
) -> None:
    nowhere = tmp_path / "root" / "would-be-created"
    nowhere.parent.mkdir()
    target = user_dir / "wfclient.ini"
    target.symlink_to(nowhere)

    with pytest.raises(UnsafeFileError, match="it is a symbolic link"):
        atomic_write(str(target), b"[WFClient]\n")

    assert not nowhere.exists() and target.is_symlink()


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a link to another user needs root")
def test_a_folder_link_another_user_owns_is_not_followed(tmp_path: Path, secret: Path) -> None:
    home = tmp_path / "home-mallory"
    home.mkdir()
    (home / ".ICAClient").symlink_to(secret.parent)
    os.lchown(home / ".ICAClient", OTHER_USER, OTHER_USER)
    before = snapshot(secret)
    path = home / ".ICAClient" / "secret"

    with pytest.raises(UnsafeFileError) as caught:
        atomic_write(str(path), b"[WFClient]\n", mode=0o666)

    assert str(caught.value) == (
        f"cannot write {path}: the folder {home / '.ICAClient'} on its way is a symbolic link owned by another "
        "user, and root does not follow a link a user made"
    )
    assert snapshot(secret) == before
    assert sorted(p.name for p in secret.parent.iterdir()) == ["secret"]


def test_an_administrators_folder_link_is_followed(tmp_path: Path) -> None:
    """``/home -> /srv/home``: a link root (or the writer itself) made is a normal way to a folder."""
    real = tmp_path / "srv-home"
    real.mkdir()
    (tmp_path / "home").symlink_to(real)
    assert atomic_write(str(tmp_path / "home" / "wfclient.ini"), b"[WFClient]\n") is True
    assert (real / "wfclient.ini").read_bytes() == b"[WFClient]\n"


def test_a_folder_swapped_for_a_link_mid_write_writes_nothing_where_the_link_points(
    user_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every step works on the folder opened first: a link put in its place later is never used."""
    elsewhere = tmp_path / "root" / "etc"
    elsewhere.mkdir(parents=True)
    (elsewhere / "wfclient.ini").write_bytes(SECRET)
    target = user_dir / "wfclient.ini"
    target.write_bytes(b"[WFClient]\nold\n")
    before = snapshot(elsewhere / "wfclient.ini")
    real_chmod = os.chmod

    def chmod(path, mode, *args, **kwargs):
        if user_dir.is_dir() and not user_dir.is_symlink():
            user_dir.rename(user_dir.with_name("moved-aside"))
            user_dir.symlink_to(elsewhere)
        return real_chmod(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "chmod", chmod)
    with contextlib.suppress(IcaClientError):  # refusing is fine too; writing where the link points is not
        atomic_write(str(target), b"[WFClient]\nnew\n")

    assert snapshot(elsewhere / "wfclient.ini") == before
    assert sorted(p.name for p in elsewhere.iterdir()) == ["wfclient.ini"]
