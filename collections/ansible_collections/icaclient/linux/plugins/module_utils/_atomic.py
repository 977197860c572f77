# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one atomic writer every module uses.

A reader (or a crash at any moment) sees either the old content or the new
content of a file, never a torn or empty one, and no temporary file is left
behind by a writer that finished. The temporary file is created in the target's
own directory so that the final rename never crosses a file system.
"""

from __future__ import annotations

import os
import stat
import tempfile
from typing import Optional

from ._errors import IcaClientError

TEMP_PREFIX = ".icaclient-tmp-"


def read_bytes(path: str) -> Optional[bytes]:
    """Return the file's bytes, or None when it does not exist."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise IcaClientError(f"cannot read {path}: {exc.strerror}") from exc


def atomic_write(path: str, data: bytes, *, mode: Optional[int] = None) -> bool:
    """Write ``data`` to ``path`` atomically; return False when the content was already equal.

    ``mode`` applies to a new file and, when given, to an existing one; without it an
    existing file keeps its mode, owner and group (a new file gets 0644).
    """
    existing = read_bytes(path)
    if existing == data:
        if mode is not None and stat.S_IMODE(os.stat(path).st_mode) != mode:
            os.chmod(path, mode)
        return False
    directory = os.path.dirname(os.path.abspath(path))
    try:
        previous = os.stat(path)
    except FileNotFoundError:
        previous = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=TEMP_PREFIX, dir=directory)
    except OSError as exc:
        raise IcaClientError(f"cannot write {path}: {exc.strerror} (creating a temporary file in {directory})") from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        elif previous is not None:
            os.chmod(tmp, stat.S_IMODE(previous.st_mode))
        else:
            os.chmod(tmp, 0o644)
        if previous is not None and os.geteuid() == 0:
            os.chown(tmp, previous.st_uid, previous.st_gid)
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise IcaClientError(f"cannot write {path}: {exc.strerror}") from exc
        raise
    _fsync_directory(directory)
    return True


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
