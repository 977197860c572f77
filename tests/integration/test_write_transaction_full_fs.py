"""Writes of several files on a full file system: all new, or all old, and the result says which.

A user's ``~/.ICAClient`` sits on a small tmpfs that is full while the ICAROOT (under
``tmp_path``) has room: ``client_ini`` with copies and ``region_lockdown`` with several profiles
write the ICAROOT's files first, then fail on the user's. Every file must be as it was (bytes,
mode, owner and mtime), no temporary or backup file may be left (``backup: true`` on a full
file system used to leave a 0-byte backup), and the result must say what failed and what was
put back. The fault points are exact: the tmpfs is filled until the kernel refuses one more
byte (or left with a counted number of free pages), no timing is involved.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from ansible_run import run_tasks

from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError
from ansible_collections.icaclient.linux.plugins.module_utils._ini.client_ini import IniEdit
from ansible_collections.icaclient.linux.plugins.module_utils._ini.files import update_ini_files
from ansible_collections.icaclient.linux.plugins.module_utils._ini.lockdown import (
    ProfileEdit,
    update_profile_sets,
)
from ansible_collections.icaclient.linux.plugins.module_utils._transaction import backup_copy

PAGE = os.sysconf("SC_PAGE_SIZE")


@contextmanager
def small_tmpfs(where: Path, pages: int = 64) -> Iterator[Path]:
    """A tmpfs of ``pages`` pages mounted at ``where``, unmounted (lazily, if busy) at the end."""
    if os.geteuid() != 0:
        pytest.fail("the full file system tests need root (mount -t tmpfs)")
    where.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={pages * PAGE},mode=0755", "tmpfs", str(where)], check=True
    )
    try:
        yield where
    finally:
        if subprocess.run(["umount", str(where)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(where)], check=True)


def fill(mount: Path, *, leave_pages: int = 0) -> None:
    """Fill ``mount`` until not one more byte fits, then free exactly ``leave_pages`` pages."""
    fd = os.open(mount / ".filler", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        while True:
            try:
                if os.write(fd, b"\0" * PAGE) < PAGE:
                    continue  # the last partial page: the next write says ENOSPC
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
                break
    finally:
        os.close(fd)
    if leave_pages:
        size = (mount / ".filler").stat().st_size
        os.truncate(mount / ".filler", size - leave_pages * PAGE)


def pages(path: Path) -> int:
    return -(-path.stat().st_size // PAGE)


def state(*paths: Path) -> dict[str, object]:
    """Bytes, mode, owner and mtime of each file (None when absent)."""
    result: dict[str, object] = {}
    for path in paths:
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            result[str(path)] = None
            continue
        result[str(path)] = (path.read_bytes(), info.st_mode, info.st_uid, info.st_gid, info.st_mtime_ns)
    return result


def listing(*folders: Path) -> list[str]:
    return sorted(str(p) for folder in folders for p in folder.iterdir())


@pytest.fixture
def user_on_full_home(stock_icaroot, tmp_path):
    """The stock ICAROOT under tmp_path (room) and the user's ``~/.ICAClient`` on a full tmpfs."""
    home = tmp_path / "full-home"
    with small_tmpfs(home):
        user = home / ".ICAClient"
        user.mkdir()
        for name in ("wfclient.ini", "All_Regions.ini"):
            (user / name).write_bytes((stock_icaroot.user_config / name).read_bytes())
            os.chown(user / name, 1234, 1234)
            (user / name).chmod(0o600)
            os.utime(user / name, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
        fill(home)
        yield user


@pytest.mark.parametrize("backup", [False, True], ids=["no-backup", "backup"])
def test_client_ini_copies_a_users_copy_on_a_full_home_leaves_every_file_old(
    stock_icaroot, user_on_full_home, tmp_path, backup
):
    main = stock_icaroot.config / "wfclient.ini"
    template = stock_icaroot.config / "usertemplate" / "wfclient.ini"
    user = user_on_full_home / "wfclient.ini"
    edited = (main, template, user)
    folders = (main.parent, template.parent, user.parent)
    before, files = state(*edited), listing(*folders)
    args = {
        "path": str(main),
        "copies": [str(template), str(user)],
        "section": "WFClient",
        "settings": {"ProxyType": "Secure", "ProxyHost": "proxy.example.com:3128", "Note": "x" * 3 * PAGE},
        "validate": False,
        "backup": backup,
    }
    run = run_tasks(tmp_path / "run", [{MODULE: args, "diff": True}], expect_failures=(0,))
    (result,) = run.results
    assert state(*edited) == before  # all old: bytes, mode, owner, mtime
    assert listing(*folders) == files  # no temporary file, no (empty) backup
    assert result["failed"] and result["changed"] is False
    assert "No space left on device" in result["msg"] and str(user) in result["msg"]
    assert result["failed_path"] == str(user)
    assert result["restored"] == [str(main), str(template)] and result["not_restored"] == []
    assert f"nothing was changed ({main}, {template} written, then restored)" in result["msg"]


def test_region_lockdown_profiles_a_users_profile_on_a_full_home_leaves_every_profile_old(
    stock_icaroot, user_on_full_home, tmp_path
):
    machine, trusted = stock_icaroot.config / "All_Regions.ini", stock_icaroot.config / "Trusted_Region.ini"
    user = user_on_full_home / "All_Regions.ini"
    profiles = [
        {"path": str(machine), "entries": [{"key": "SSLCiphers", "deny": ["GOV"]}]},
        {"path": str(trusted), "entries": [{"key": "ProxyType", "permit": ["Secure"]}]},
        {"path": str(user), "entries": [{"key": "SSLCiphers", "deny": ["GOV"]}]},
    ]
    edited = (machine, trusted, user)
    folders = (machine.parent, user.parent)
    before, files = state(*edited), listing(*folders)
    run = run_tasks(
        tmp_path / "run", [{LOCKDOWN: {"profiles": profiles, "backup": True}}], expect_failures=(0,)
    )
    (result,) = run.results
    assert state(*edited) == before
    assert listing(*folders) == files
    assert result["failed"] and result["changed"] is False
    assert "No space left on device" in result["msg"] and str(user) in result["msg"]
    assert result["failed_path"] == str(user) and result["restored"] == [str(machine), str(trusted)]


def test_a_batch_on_one_file_system_filled_midway_is_undone_without_room(stock_icaroot, tmp_path):
    """The ini file and a user's copy on one tmpfs with room for the first file only: the first
    write takes it, the second cannot, and the first is put back although not one byte can be written."""
    with small_tmpfs(tmp_path / "disk") as disk:
        main, copy = disk / "wfclient.ini", disk / "copy" / "wfclient.ini"
        copy.parent.mkdir()
        main.write_bytes((stock_icaroot.config / "wfclient.ini").read_bytes())
        copy.write_bytes(b"[WFClient]\nProxyType=None\n" + b"; padding\n" * (PAGE // 10))
        for path in (main, copy):
            os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
        before = state(main, copy)
        fill(disk, leave_pages=pages(main))  # room for the first file's new content, not one page more
        files = listing(disk, copy.parent)
        with pytest.raises(IcaClientError) as caught:
            update_ini_files([str(main), str(copy)], IniEdit("WFClient", {"ProxyType": "Auto"}))
        assert state(main, copy) == before  # all old, the first file included
        assert listing(disk, copy.parent) == files
        assert "No space left on device" in caught.value.message
        assert caught.value.details["failed_path"] == str(copy)
        assert caught.value.details["restored"] == [str(main)] and not caught.value.details["changed"]


def test_lockdown_profiles_on_one_file_system_filled_midway_are_undone(stock_icaroot, tmp_path):
    with small_tmpfs(tmp_path / "disk") as disk:
        first, second = disk / "All_Regions.ini", disk / "Trusted_Region.ini"
        first.write_bytes((stock_icaroot.config / "All_Regions.ini").read_bytes())
        second.write_bytes((stock_icaroot.config / "Trusted_Region.ini").read_bytes() + b";\n" * PAGE)
        before = state(first, second)
        fill(disk, leave_pages=pages(first))
        files = listing(disk)
        ciphers = ProfileEdit(key="SSLCiphers", section="Network\\SSL", deny=["GOV"])
        proxy = ProfileEdit(key="ProxyType", section="Network\\Proxy", permit=["Secure"])
        with pytest.raises(IcaClientError, match="No space left on device") as caught:
            update_profile_sets([(str(first), [ciphers]), (str(second), [proxy])])
        assert state(first, second) == before and listing(disk) == files
        assert caught.value.details["restored"] == [str(first)]


def test_a_backup_on_a_full_file_system_leaves_no_file(tmp_path):
    with small_tmpfs(tmp_path / "disk") as disk:
        target = disk / "wfclient.ini"
        target.write_bytes(b"[WFClient]\nProxyType=None\n")
        fill(disk)
        files = listing(disk)
        with pytest.raises(IcaClientError, match=f"cannot back up {target} to .*No space left on device"):
            backup_copy(str(target))
        assert listing(disk) == files


MODULE = "icaclient.linux.client_ini"
LOCKDOWN = "icaclient.linux.region_lockdown"
