# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""The temporary files of the atomic writer: their names, and the removal of those a crashed
writer left (see :mod:`._atomic`).

A name carries the writer's PID and a tag of its host name
(``.icaclient-tmp-<pid>-<host>-<random>``): an orphan of this host is one whose writer process
no longer exists; any other ``.icaclient-tmp-*`` file counts as an orphan once it is older than
:data:`STALE_SECONDS`.
"""

from __future__ import annotations

import hashlib
import os
import re
import socket
import time
from typing import Optional

TEMP_PREFIX = ".icaclient-tmp-"
STALE_SECONDS = 3600

_HOST_TAG = hashlib.sha256(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:8]
_OWNED = re.compile(r"^" + re.escape(TEMP_PREFIX) + r"(\d+)-([0-9a-f]{8})-")


def writer_temp_prefix(pid: Optional[int] = None) -> str:
    """The name prefix of the temporary files that process ``pid`` (default: this one) creates."""
    return f"{TEMP_PREFIX}{os.getpid() if pid is None else pid}-{_HOST_TAG}-"


def remove_stale_temps(directory: str, *, now: Optional[float] = None) -> list[str]:
    """Remove temporary files that crashed writers left in ``directory``; return their paths.

    Best effort: a file that cannot be listed or removed is left for a later call.
    """
    try:
        dir_fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return []
    try:
        return remove_stale_temps_at(dir_fd, directory, now=now)
    finally:
        os.close(dir_fd)


def remove_stale_temps_at(dir_fd: int, directory: str, *, now: Optional[float]) -> list[str]:
    try:
        names = [name for name in os.listdir(dir_fd) if name.startswith(TEMP_PREFIX)]
    except OSError:
        return []
    removed: list[str] = []
    current = time.time() if now is None else now
    for name in names:
        match = _OWNED.match(name)
        if match and match.group(2) == _HOST_TAG:
            pid = int(match.group(1))
            if pid == os.getpid() or _process_exists(pid):
                continue
        else:
            try:
                if current - os.stat(name, dir_fd=dir_fd, follow_symlinks=False).st_mtime < STALE_SECONDS:
                    continue
            except OSError:
                continue
        try:
            os.unlink(name, dir_fd=dir_fd)
        except OSError:
            continue
        removed.append(os.path.join(directory, name))
    return removed


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # it exists, under another user
    except OSError:
        return True
    return True
