# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""The one atomic writer every module uses.

A reader (or a crash at any moment) sees either the old content or the new
content of a file, never a torn or empty one, and no temporary file is left
behind by a writer that finished. The temporary file is created in the target's
own directory so that the final rename never crosses a file system.

A writer killed between creating its temporary file and the rename (SIGKILL,
power loss) cannot remove that file itself. Temporary names therefore carry the
writer's PID and a tag of its host name (``.icaclient-tmp-<pid>-<host>-<random>``),
and every call of :func:`atomic_write` first removes the orphans in the target's
directory: those of this host whose writer process no longer exists, and any
other ``.icaclient-tmp-*`` file older than :data:`STALE_SECONDS` (a write takes
milliseconds; the age guard protects live writers on other hosts or PID
namespaces sharing the directory, e.g. a home on NFS). So after a crash the next
write into the same directory leaves it clean (:mod:`._atomic_temps`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
from typing import Optional

from ._atomic_temps import remove_stale_temps_at, writer_temp_prefix
from ._errors import IcaClientError


def read_bytes(path: str) -> Optional[bytes]:
    """Return the file's bytes, or None when it does not exist."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise IcaClientError(f"cannot read {path}: {exc.strerror}") from exc


# -- files in folders a user may control ------------------------------------------------------------
#
# Root reading or writing ``/home/alice/.ICAClient/All_Regions.ini`` must not follow a link Alice
# made: it could point at ``/root/secret.txt`` (its content would show in the diff) or at a system
# file (it would be replaced by a copy). These readers never follow the file's own link (the
# kernel refuses it: O_NOFOLLOW, not a check a user could race) nor a folder link another user
# owns on the way; :func:`check_same_file` refuses to write over a file replaced since it was read.

SYMLINK = "symlink"
NOT_A_FILE = "not_a_file"


class UnsafeFileError(IcaClientError):
    """A file root must not read or write: a link, behind a user's folder link, or not a regular file."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


def user_link_on_the_way(path: str) -> Optional[str]:
    """The first folder on the way to ``path`` that is a symbolic link owned by neither root nor us.

    Links an administrator made (``/home -> /srv/home``) are fine; ``.ICAClient -> /etc`` made
    by a user is not.
    """
    trusted = {0, os.geteuid()}
    parts = os.path.abspath(path).split(os.sep)[1:-1]
    current = os.sep
    for part in parts:
        current = os.path.join(current, part)
        try:
            info = os.lstat(current)
        except OSError:
            return None  # missing (or unreachable): opening the file says so
        if stat.S_ISLNK(info.st_mode) and info.st_uid not in trusted:
            return current
    return None


_DIRECTORY_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


def _folder_link_error(path: str, link: str, operation: str) -> UnsafeFileError:
    return UnsafeFileError(
        f"cannot {operation} {path}: the folder {link} on its way is a symbolic link owned by another "
        "user, and root does not follow a link a user made",
        reason=SYMLINK,
    )


def open_folder(directory: str, *, path: str, operation: str = "write") -> int:
    """A file descriptor of ``directory``, reached one folder at a time (the caller closes it).

    Each folder is opened relative to the one before with O_NOFOLLOW, so the kernel, not a
    check a user could race, refuses a link; a link found there is followed only when root or
    we own it (``/home -> /srv/home``), never one another user made (``.ICAClient -> /etc``):
    that raises :class:`UnsafeFileError` naming ``path``. Every later step works on names
    relative to this descriptor: swapping a folder for a link afterwards changes nothing.
    Raises OSError (FileNotFoundError for a missing folder).
    """
    trusted = {0, os.geteuid()}
    fd = os.open(os.sep, _DIRECTORY_FLAGS)
    current = os.sep
    try:
        for part in os.path.abspath(directory).split(os.sep):
            if not part:
                continue
            current = os.path.join(current, part)
            try:
                child = os.open(part, _DIRECTORY_FLAGS | _NOFOLLOW, dir_fd=fd)
            except OSError as exc:
                if exc.errno not in (errno.ELOOP, errno.ENOTDIR):
                    raise
                info = os.stat(part, dir_fd=fd, follow_symlinks=False)
                if not stat.S_ISLNK(info.st_mode):
                    raise
                if info.st_uid not in trusted:
                    raise _folder_link_error(path, current, operation) from None
                child = os.open(part, _DIRECTORY_FLAGS, dir_fd=fd)  # an administrator's link
            os.close(fd)
            fd = child
    except BaseException:
        os.close(fd)
        raise
    return fd


def read_regular_file(path: str, *, operation: str = "edit") -> Optional[tuple[bytes, os.stat_result]]:
    """The bytes and stat of the regular file ``path``, never through a link; None when it does not exist.

    Raises :class:`UnsafeFileError` for a symbolic link (whoever made it: a link an administrator
    made on purpose is reported, not silently replaced by a copy), a file behind a folder link
    another user owns and anything that is not a regular file; the message says
    ``cannot <operation> <path>`` and why, never the link's target or content.
    """
    directory, name = os.path.split(os.path.abspath(path))
    try:
        dir_fd = open_folder(directory, path=path, operation=operation)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise IcaClientError(f"cannot {operation} {path}: {exc.strerror}") from exc
    try:
        fd = _open_regular(dir_fd, name, path=path, operation=operation)
        if fd is None:
            return None
        try:
            info = os.fstat(fd)
            return _read_all(fd), info
        except OSError as exc:
            raise IcaClientError(f"cannot {operation} {path}: {exc.strerror}") from exc
        finally:
            os.close(fd)
    finally:
        os.close(dir_fd)


def _open_regular(dir_fd: int, name: str, *, path: str, operation: str) -> Optional[int]:
    """Open the regular file ``name`` in the folder ``dir_fd`` for reading, never through a link.

    None when there is no such name; :class:`UnsafeFileError` for a link (dangling or not) or
    anything not a regular file (a FIFO cannot make the call hang: O_NONBLOCK).
    """
    flags = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(name, flags, dir_fd=dir_fd)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # O_NOFOLLOW met a link: the kernel refused it
            raise _link_error(path, operation) from None
        raise IcaClientError(f"cannot {operation} {path}: {exc.strerror}") from exc
    try:
        info = os.fstat(fd)
    except OSError as exc:
        os.close(fd)
        raise IcaClientError(f"cannot {operation} {path}: {exc.strerror}") from exc
    if not stat.S_ISREG(info.st_mode):  # a folder, a FIFO, a device: reading would fail or block
        os.close(fd)
        raise UnsafeFileError(f"cannot {operation} {path}: it is not a regular file", reason=NOT_A_FILE)
    return fd


def _read_all(fd: int) -> bytes:
    with os.fdopen(fd, "rb", closefd=False) as handle:
        return handle.read()


def _link_error(path: str, operation: str) -> UnsafeFileError:
    return UnsafeFileError(
        f"cannot {operation} {path}: it is a symbolic link, and root does not read or write through a link "
        "(one a user made could point at any file); if an administrator made it on purpose, give the "
        "file it points to by its own path",
        reason=SYMLINK,
    )


def file_identity(info: os.stat_result) -> tuple[int, int]:
    return info.st_dev, info.st_ino


def check_same_file(path: str, identity: Optional[tuple[int, int]], *, operation: str = "edit") -> None:
    """Refuse to write ``path`` when it was replaced (by a link, say) or removed since it was read.

    ``identity`` None: the file did not exist when read, and must not exist now either.
    """
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        if identity is None:
            return
        raise IcaClientError(
            f"cannot {operation} {path}: it disappeared while being edited; no file was written"
        ) from None
    except OSError as exc:
        raise IcaClientError(f"cannot {operation} {path}: {exc.strerror}") from exc
    if not stat.S_ISREG(info.st_mode) or file_identity(info) != identity:
        raise IcaClientError(
            f"cannot {operation} {path}: it was replaced while being edited; no file was written"
        )


def atomic_write(path: str, data: bytes, *, mode: Optional[int] = None) -> bool:
    """Write ``data`` to ``path`` atomically; return False when the content was already equal.

    ``mode`` applies to a new file and, when given, to an existing one; without it an
    existing file keeps its mode, owner and group (a new file gets 0644).

    Link-safe in a folder a user controls: every step works relative to a descriptor of the
    folder (:func:`open_folder`), the old file is read, compared and its mode changed through
    the descriptor it was opened with (O_NOFOLLOW), the temporary file is created with
    O_EXCL|O_NOFOLLOW and its mode and owner set through its own descriptor. A symbolic link
    at ``path`` is refused (:class:`UnsafeFileError`, "it is a symbolic link"), also one
    swapped in after the old file was read: the name is checked again just before the rename,
    and a lost race there only replaces the new link by the new file, never writes through it.
    Links made on purpose (the keystore's hash links) are made by the transaction's own link
    step, never by this writer.
    """
    directory, name = os.path.split(os.path.abspath(path))
    try:
        dir_fd = open_folder(directory, path=path)
    except OSError as exc:
        raise IcaClientError(f"cannot write {path}: {exc.strerror} (opening the folder {directory})") from exc
    try:
        return _write_at(dir_fd, name, path, directory, data, mode)
    finally:
        os.close(dir_fd)


def _write_at(dir_fd: int, name: str, path: str, directory: str, data: bytes, mode: Optional[int]) -> bool:
    remove_stale_temps_at(dir_fd, directory, now=None)
    previous: Optional[os.stat_result] = None
    fd = _open_regular(dir_fd, name, path=path, operation="write")
    if fd is not None:
        try:
            previous = os.fstat(fd)
            existing = _read_all(fd)
            if existing == data:
                if mode is not None and stat.S_IMODE(previous.st_mode) != mode:
                    os.chmod(fd, mode)  # the very file read and compared, never a link's target
                return False
        except OSError as exc:
            raise IcaClientError(f"cannot write {path}: {exc.strerror}") from exc
        finally:
            os.close(fd)
    try:
        fd, tmp = _make_temp(dir_fd)
    except OSError as exc:
        raise IcaClientError(
            f"cannot write {path}: {exc.strerror} (creating a temporary file in {directory})"
        ) from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if mode is not None:
                os.chmod(handle.fileno(), mode)
            elif previous is not None:
                os.chmod(handle.fileno(), stat.S_IMODE(previous.st_mode))
            else:
                os.chmod(handle.fileno(), 0o644)
            if previous is not None and os.geteuid() == 0:
                os.chown(handle.fileno(), previous.st_uid, previous.st_gid)
            os.fsync(handle.fileno())
        _check_unchanged(dir_fd, name, previous, path)
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=dir_fd)
        if isinstance(exc, OSError):
            raise IcaClientError(f"cannot write {path}: {exc.strerror}") from exc
        raise
    with contextlib.suppress(OSError):
        os.fsync(dir_fd)
    return True


def _make_temp(dir_fd: int) -> tuple[int, str]:
    """Create a new temporary file in the folder ``dir_fd`` (mode 0600): its descriptor and name.

    O_EXCL|O_NOFOLLOW: never an existing file, never through a link a user put at that name.
    """
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    for _attempt in range(100):
        name = writer_temp_prefix() + os.urandom(6).hex()
        try:
            return os.open(name, flags, 0o600, dir_fd=dir_fd), name
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary file name")


def _check_unchanged(dir_fd: int, name: str, previous: Optional[os.stat_result], path: str) -> None:
    """Refuse the rename when ``name`` is no longer what was read (a link swapped in, say)."""
    try:
        now: Optional[os.stat_result] = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    except FileNotFoundError:
        now = None
    if now is not None and stat.S_ISLNK(now.st_mode):
        raise _link_error(path, "write")
    if (now is None) != (previous is None) or (
        now is not None and previous is not None and file_identity(now) != file_identity(previous)
    ):
        raise IcaClientError(f"cannot write {path}: it was replaced while being written; no file was written")


def _fsync_directory(directory: str) -> None:
    try:
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)
