# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""Reading a folder's entries as ``openssl rehash`` does, in one process or several for a big folder.

PRIVATE: this is not a public API of the collection.
"""

from __future__ import annotations

import hashlib
import operator
import os
import pickle
import threading
from typing import NamedTuple, Optional

from .._x509.subject_hash import NameHasher
from .identify import _identify, _Skip, _what, read_regular_file
from .links import _LINK_LIKE, MAX_REHASH_BYTES, REHASH_EXTENSIONS, Bucket, hash_link_name

_ENTRY_NAME = operator.attrgetter("name")


# What the scan of one folder entry found, as plain tuples (they cross a pipe when
# the scan runs in several processes):
#   (_FILE, position, name, (kind, hash), SHA-1 fingerprint of the DER)
#   (_LINK, position, name, target, (kind, hash), index or None, inside)
#   (_BLOCKED, (kind, hash), index)    a non-link holding a hash link name
#   (_SKIPPED, name, warning, reason)   a file with a rehash suffix that is not linked
#   (_WARNING, message)
_FILE, _LINK, _BLOCKED, _SKIPPED, _WARNING = "file", "link", "blocked", "skipped", "warning"


class _Planned(NamedTuple):
    """A file as a planned change leaves it (see ``overlay`` of :func:`plan_rehash`)."""

    name: str
    data: bytes

    def is_symlink(self) -> bool:
        return False


class _Scanner:
    """Reads folder entries the way openssl rehash does."""

    def __init__(self, prefix: str, inside_prefix: str) -> None:
        self.prefix = prefix  # the folder path, ending in a separator
        self.inside_prefix = inside_prefix  # its real path, ending in a separator
        self.hasher = NameHasher()

    def scan(self, entries: list, first_position: int) -> list[tuple]:
        records: list[tuple] = []
        append = records.append
        for position, entry in enumerate(entries, first_position):
            name = entry.name
            if name[8:9] == "." and _LINK_LIKE.match(name):
                self._link(entry, position, records)
                continue
            dot = name.rfind(".")
            if dot < 0 or name[dot + 1 :].lower() not in REHASH_EXTENSIONS:
                continue
            path = self.prefix + name
            try:
                if isinstance(entry, _Planned):
                    data = entry.data
                elif entry.is_symlink():
                    # as openssl rehash: read through the link, wherever it leads
                    data = read_regular_file(path, limit=MAX_REHASH_BYTES, is_link=True)
                elif entry.is_file(follow_symlinks=False):
                    data = read_regular_file(path, limit=MAX_REHASH_BYTES, is_link=False)
                else:
                    raise _Skip(f"a {_what(entry.stat(follow_symlinks=False).st_mode)}, not a file")
                kind, name_hash, der = _identify(data, self.hasher)
            except _Skip as skip:
                append((_SKIPPED, name, f"skipping {path}: {skip}", str(skip)))
                continue
            except OSError as exc:
                append((_SKIPPED, name, f"skipping {path}: {exc.strerror}", exc.strerror))
                continue
            # OpenSSL tells duplicates apart by the SHA-1 fingerprint; so do we
            append((_FILE, position, name, (kind, name_hash), hashlib.sha1(der).digest()))
        return records

    def _link(self, entry: os.DirEntry, position: int, records: list[tuple]) -> None:
        """An entry named like a hash link."""
        name = entry.name
        path = self.prefix + name
        link = hash_link_name(name)
        bucket: Bucket = (link.kind, link.hash)
        index = link.index
        if isinstance(entry, _Planned) or not entry.is_symlink():
            if index is not None:
                records.append((_BLOCKED, bucket, index))
                records.append((_WARNING, f"leaving {path} alone: it has a hash link name but is not a link"))
            return
        try:
            target = os.readlink(path)
        except OSError as exc:
            records.append((_WARNING, f"leaving {path} alone: cannot read the link: {exc.strerror}"))
            return
        # A bare name is a file of this folder: judged, as openssl rehash does, by that name.
        # A link leaving the folder that reaches a certificate of its hash under the name
        # OpenSSL looks up works for the client: it is kept (openssl rehash would delete it).
        managed = True
        leaves = index is not None and ("/" in target or target in (".", ".."))
        if leaves and not os.path.realpath(path).startswith(self.inside_prefix):
            try:
                found_kind, found_hash, _der = _identify(
                    read_regular_file(path, limit=MAX_REHASH_BYTES, is_link=True), self.hasher
                )
                managed = (found_kind, found_hash) != bucket
            except _Skip:
                pass
        if not managed:
            records.append((_WARNING, f"leaving {path} alone: it points outside the folder, to {target}"))
        records.append((_LINK, position, name, target, bucket, index, managed))


# A big folder is scanned by several processes: reading and parsing thousands of
# files is CPU work, and what each file yields depends on that file alone. Only
# CPUs that are idle are worth it: on a busy host the extra processes only queue.
_ENTRIES_PER_PROCESS = 1000
_MAX_PROCESSES = 4


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _idle_cpus() -> float:
    """CPUs this process may use that the last minute's load left idle."""
    try:
        load = os.getloadavg()[0]
    except (AttributeError, OSError):
        load = 0.0
    return _usable_cpus() - load


def _process_count(entries: int) -> int:
    return max(1, min(_MAX_PROCESSES, entries // _ENTRIES_PER_PROCESS, 1 + int(_idle_cpus())))


def _scan_all(scanner: _Scanner, entries: list[os.DirEntry]) -> list[tuple]:
    processes = _process_count(len(entries))
    # fork() only from a single-threaded process: another thread may hold a lock the child needs
    if processes < 2 or not hasattr(os, "fork") or threading.active_count() > 1:
        return scanner.scan(entries, 0)
    chunks = _balanced_chunks(entries, processes)
    children = [_fork_scan(scanner, chunk, start) for start, chunk in chunks[1:]]
    records = scanner.scan(chunks[0][1], 0)
    for (start, chunk), child in zip(chunks[1:], children):
        found = _collect(child)
        # a child that could not start or did not finish: do its share here
        records.extend(found if found is not None else scanner.scan(chunk, start))
    return records


def _balanced_chunks(entries: list[os.DirEntry], count: int) -> list[tuple[int, list[os.DirEntry]]]:
    """Cut ``entries`` into ``count`` runs of about equal work: (first position, run).

    Reading a link costs about a fifth of reading and parsing a certificate file,
    and the links of a rehashed folder bunch together in the sorted walk.
    """
    weights = [1 if entry.is_symlink() else 5 for entry in entries]
    share = sum(weights) / count
    chunks = []
    start = 0
    total = 0
    for position, weight in enumerate(weights):
        total += weight
        if total >= share * (len(chunks) + 1) and len(chunks) < count - 1:
            chunks.append((start, entries[start : position + 1]))
            start = position + 1
    chunks.append((start, entries[start:]))
    return chunks


def _fork_scan(
    scanner: _Scanner, entries: list[os.DirEntry], first_position: int
) -> Optional[tuple[int, int]]:
    """Scan ``entries`` in a child process; return (pid, read end of its pipe), or None."""
    try:
        read_end, write_end = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:  # the child: scan, send the records, leave without running any exit handler
        status = 1
        try:
            os.close(read_end)
            payload = pickle.dumps(scanner.scan(entries, first_position), protocol=pickle.HIGHEST_PROTOCOL)
            with os.fdopen(write_end, "wb") as pipe:
                pipe.write(payload)
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    return pid, read_end


def _collect(child: Optional[tuple[int, int]]) -> Optional[list[tuple]]:
    if child is None:
        return None
    pid, read_end = child
    with os.fdopen(read_end, "rb") as pipe:
        payload = pipe.read()
    _pid, status = os.waitpid(pid, 0)
    if status != 0 or not payload:
        return None
    # the output of our own child, running this same code: safe to unpickle
    return pickle.loads(payload)
