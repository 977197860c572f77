# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hash links of one CA folder, made exactly as ``openssl rehash DIR`` (OpenSSL 3.0) makes them.

OpenSSL (and the Citrix client, through its ``ctx_rehash``) finds a CA in a
folder by the subject hash: ``HHHHHHHH.N`` for certificates, ``HHHHHHHH.rN``
for CRLs, symbolic links whose targets are bare file names in the folder.
What ``openssl rehash`` does, and so what we do:

* it reads files ending ``.pem``, ``.crt``, ``.cer`` or ``.crl`` (any case),
  walked in byte order of their names;
* a file must be PEM holding exactly one certificate or CRL (a private key
  beside it is tolerated); others are skipped with a warning (bundles, DER);
* a certificate byte-identical to one already seen is skipped;
* per hash the links are numbered from 0; an existing correct link keeps its
  number, new ones take the lowest free number, unneeded hash links go.

Where we deliberately do better than ``openssl rehash`` 3.0:

* it keeps a wrong link (dangling, or to a file that is not a certificate of
  that hash) whose number is below the count needed, and numbers the right
  link after it; we replace it;
* it leaves a second, higher-numbered link to a file that is already linked
  (and all but one of several stale links to the same missing file); we
  remove them;
* it removes a hash link that points outside the folder even when it is the
  client's only way to a certificate of that hash; we keep such a link (a
  warning names it) when it reaches a regular file holding a certificate or
  CRL of the hash its name says, and it keeps its number. Any other hash link
  is judged as ``openssl rehash`` judges it: by its target's name;
* it treats ``ABCDEF01.0`` or ``abcdef01.00`` as valid links; OpenSSL's
  lookups only ever open ``abcdef01.0``, so we replace such names;
* it overwrites a regular file that carries a hash link name; we leave it
  and skip its number (warning);
* it refuses to start on a folder it cannot write; we only need to write
  when a link changes (a no-change run reads and writes nothing), and a
  replaced link is swapped atomically instead of unlinked and re-created;
* it says nothing about files OpenSSL cannot load; we warn;
* it opens whatever a name leads to (a FIFO blocks it, ``/dev/zero`` never
  ends); we read through links as it does (a certificate file may be a link
  anywhere, through any chain of links) but only ever open a regular file,
  no larger than :data:`MAX_REHASH_BYTES`, and never write through a link.

:func:`plan_rehash` is the one rule for which hash links are right: the
rehash applies it, :mod:`._keystore`'s audit and ``keystore_cert``'s check
mode ask it (the latter with the predicted files as an ``overlay``).

Speed: no ``cryptography`` here. The subject hash is computed from the raw
DER (see :mod:`._x509.subject_hash`), the folder is listed once with
``os.scandir``, and a big folder (thousands of files) is read by up to four
processes while CPUs are idle, each taking a run of the sorted names (the
result does not depend on how the work is split; a process that cannot start
leaves its share to the parent).
"""

from __future__ import annotations

import hashlib
import operator
import os
import pickle
import re
import stat
import threading
from dataclasses import dataclass, field
from typing import Callable, NamedTuple, Optional

from ._errors import IcaClientError
from ._runner import Runner
from ._transaction import LINK, REMOVE, Step, TransactionError, apply
from ._x509.der import TAG_SEQUENCE, expect, first_element, read_header
from ._x509.pem import PemBlock, pem_blocks_with_headers, single_plain_block
from ._x509.subject_hash import NameHasher

__all__ = [
    "KEYSTORE_FOLDERS",
    "MAX_REHASH_BYTES",
    "REHASH_EXTENSIONS",
    "FolderRehash",
    "HashLink",
    "NotAFile",
    "NotLoadable",
    "RehashPlan",
    "RehashResult",
    "apply_rehash",
    "find_ctx_rehash",
    "format_links",
    "hash_link_name",
    "keystore_folders",
    "plan_rehash",
    "read_regular_file",
    "rehash",
    "rehash_keystore",
    "rehash_with_ctx_rehash",
]

#: Suffixes ``openssl rehash`` reads (compared case-insensitively).
REHASH_EXTENSIONS = frozenset(("pem", "crt", "cer", "crl"))
KIND_CERT = ""
KIND_CRL = "r"

# Every name openssl rehash takes for one of its links (hex of either case, "r"
# or "R", any decimal number, even none) ...
_LINK_LIKE = re.compile(r"[0-9A-Fa-f]{8}\.[rR]?[0-9]*\Z")
# ... and the only form it writes and OpenSSL's lookups open.
_LINK_CANONICAL = re.compile(r"([0-9a-f]{8})\.(r?)(0|[1-9][0-9]*)\Z")

_CERT_LABELS = frozenset(("CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"))
_PLAIN_CERT_LABELS = frozenset(("CERTIFICATE", "X509 CERTIFICATE"))
_CRL_LABEL = "X509 CRL"
_READ_CHUNK = 1 << 16
#: Larger files are neither certificates nor CRLs a CA folder should hold: they are not read.
MAX_REHASH_BYTES = 64 << 20

Bucket = tuple[str, str]  # (kind, hash)


@dataclass
class RehashResult:
    changed: bool
    created: list[str]
    removed: list[str]
    #: link name -> target, the hash links in the folder after the run (links we
    #: left alone because they point outside the folder included)
    links: dict[str, str]
    warnings: list[str]
    #: link name -> target before the run
    previous_links: dict[str, str] = field(default_factory=dict)


@dataclass
class RehashPlan:
    directory: str
    #: hash links present now (name -> target)
    before: dict[str, str]
    #: hash links after :func:`apply_rehash` (name -> target)
    after: dict[str, str]
    #: link names to write (new, or replacing a link with another target), sorted
    create: list[str]
    #: link names to delete, sorted
    remove: list[str]
    warnings: list[str]
    #: file name -> (kind, hash) of every file the rehash links (duplicates excluded)
    linked_files: dict[str, Bucket] = field(default_factory=dict)
    #: file name -> the earlier file holding the same certificate or CRL
    duplicates: dict[str, str] = field(default_factory=dict)
    #: file name -> why the rehash does not link it (files with a rehash suffix only)
    skipped: dict[str, str] = field(default_factory=dict)
    #: hash links kept because they point outside the folder at a certificate of their hash
    outside: dict[str, str] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.create or self.remove)


class _Link(NamedTuple):
    position: int  # in the sorted walk
    name: str
    target: str
    bucket: Bucket
    index: Optional[int]  # None when the name is not the canonical form
    #: False for a link that points outside the folder at a certificate of its hash:
    #: the rehash keeps it as it is
    managed: bool


class HashLink(NamedTuple):
    """What a name says when it is one of openssl rehash's link names."""

    kind: str  # KIND_CERT or KIND_CRL
    hash: str  # lower-case hex
    index: Optional[int]  # None when the name is not the only form OpenSSL's lookups open


def hash_link_name(name: str) -> Optional[HashLink]:
    """The hash link ``name`` is (as ``openssl rehash`` reads link names), or None."""
    if name[8:9] != "." or not _LINK_LIKE.match(name):
        return None
    canonical = _LINK_CANONICAL.match(name)
    kind = KIND_CRL if name[9:10] in ("r", "R") else KIND_CERT
    return HashLink(kind, name[:8].lower(), int(canonical.group(3)) if canonical else None)


class _Linkable(NamedTuple):
    position: int
    name: str


class NotLoadable(Exception):
    """A file that is not loaded (not a regular file, too large, not one certificate); the message says why."""


class NotAFile(NotLoadable):
    """A name that leads to no regular file: dangling, a folder, a device, a FIFO, a socket."""


_Skip = NotLoadable

_OPEN_FLAGS = (
    os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
)
_KINDS = (
    (stat.S_ISDIR, "folder"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
    (stat.S_ISFIFO, "FIFO"),
    (stat.S_ISSOCK, "socket"),
)


def _what(mode: int) -> str:
    return next((what for test, what in _KINDS if test(mode)), "special file")


def read_regular_file(path: str, *, limit: int, is_link: Optional[bool] = None) -> bytes:
    """The bytes of the regular file ``path`` leads to (through any chain of links), at most ``limit``.

    Nothing but a regular file is ever opened, and its size is checked before
    it is read. Raises :class:`NotLoadable` naming what ``path`` is instead: a
    dangling link, a link to a folder, a device, a FIFO, a socket, a file too
    large. ``is_link`` saves a system call when the caller knows it.
    """
    if is_link is None:
        is_link = os.path.islink(path)
    if is_link:
        try:
            info = os.stat(path)
        except FileNotFoundError:
            raise NotAFile(f"a dangling link (to {_readlink(path)})") from None
        except OSError as exc:
            raise NotLoadable(
                f"a link that cannot be followed (to {_readlink(path)}): {exc.strerror}"
            ) from exc
        if not stat.S_ISREG(info.st_mode):
            raise NotAFile(f"a link to a {_what(info.st_mode)} ({os.path.realpath(path)}), not to a file")
    try:
        fd = os.open(path, _OPEN_FLAGS | (0 if is_link else getattr(os, "O_NOFOLLOW", 0)))
    except OSError as exc:
        raise NotLoadable(f"cannot read it: {exc.strerror}") from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotAFile(f"a {_what(info.st_mode)}, not a file")
        if info.st_size > limit:
            raise NotLoadable(f"larger than {_size(limit)} ({info.st_size} bytes): not a certificate file")
        try:
            # a regular file returns what was asked up to its end: a short read is the end
            want = info.st_size + 1
            data = os.read(fd, want)
            if len(data) == want:  # it grew since fstat
                chunks = [data]
                while len(data) <= limit:
                    chunk = os.read(fd, _READ_CHUNK)
                    if not chunk:
                        break
                    chunks.append(chunk)
                    data = b"".join(chunks)
        except OSError as exc:
            raise NotLoadable(f"cannot read it: {exc.strerror}") from exc
        if len(data) > limit:  # it grew since fstat
            raise NotLoadable(f"larger than {_size(limit)}: not a certificate file")
        return data
    finally:
        os.close(fd)


def _readlink(path: str) -> str:
    try:
        return os.readlink(path)
    except OSError:
        return "?"


def _size(limit: int) -> str:
    return f"{limit >> 20} MiB" if limit >= 1 << 20 and not limit % (1 << 20) else f"{limit} bytes"


def _first_der(block: PemBlock) -> bytes:
    """The certificate or CRL in a block, as OpenSSL's d2i reads it (the first element)."""
    if block.headers:
        # OpenSSL accepts only Proc-Type headers, i.e. encryption, which certificates never carry
        raise _Skip(f"its {block.label} block has PEM headers")
    try:
        der, rest = first_element(block.der)
        if rest and block.label == "TRUSTED CERTIFICATE":
            # the trust settings that follow the certificate must parse as well
            tag, _start, stop = read_header(rest, 0, len(rest))
            if tag != TAG_SEQUENCE or stop != len(rest):
                raise _Skip("its trust settings are not a single DER SEQUENCE")
    except IcaClientError as exc:
        raise _Skip(f"OpenSSL cannot load it: {exc.message}") from exc
    return der


def _identify(data: bytes, hasher: NameHasher) -> tuple[str, str, bytes]:
    """(kind, hash, DER) of the one certificate or CRL in a file, as openssl rehash reads it.

    Follows ``PEM_X509_INFO_read_bio``: a certificate, a CRL and a private key
    may share one "info" (a new one starts when the slot is taken), every block
    must load, and the file is linked only when there is exactly one info; a
    certificate wins over a CRL in the same info.
    """
    # The usual file, one plain PEM certificate, skips the general bookkeeping below;
    # anything else, and any error, takes the general path (which explains errors)
    try:
        block = single_plain_block(data)
        if block is not None and block.label in _PLAIN_CERT_LABELS:
            der = block.der
            if expect(der, 0, len(der), TAG_SEQUENCE, "certificate")[1] == len(der):
                return KIND_CERT, hasher.certificate(der), der
    except IcaClientError:
        pass
    try:
        blocks = pem_blocks_with_headers(data)
    except IcaClientError as exc:
        raise _Skip(f"OpenSSL cannot read it: {exc.message}") from exc
    # each info: [certificate (hash, DER), CRL (hash, DER), private key]
    infos: list[list] = []
    current: list = [None, None, None]
    for block in blocks:
        label = block.label
        if label in _CERT_LABELS:
            slot = 0
        elif label == _CRL_LABEL:
            slot = 1
        elif label == "PRIVATE KEY" or label.endswith(" PRIVATE KEY"):
            slot = 2
        else:
            continue  # OpenSSL ignores blocks of other kinds
        if current[slot] is not None:
            infos.append(current)
            current = [None, None, None]
        if slot == 2:
            _check_key(block)
            current[2] = True
            continue
        der = _first_der(block)
        try:
            current[slot] = (hasher.certificate(der) if slot == 0 else hasher.crl(der), der)
        except IcaClientError as exc:
            raise _Skip(f"OpenSSL cannot load it: {exc.message}") from exc
    if current != [None, None, None]:
        infos.append(current)
    if len(infos) != 1:
        raise _Skip(f"it does not contain exactly one certificate or CRL ({len(infos)} found)")
    certificate, crl, _key = infos[0]
    if certificate is not None:
        return KIND_CERT, certificate[0], certificate[1]
    if crl is not None:
        return KIND_CRL, crl[0], crl[1]
    raise _Skip("it holds a private key and no certificate or CRL")


def _check_key(block: PemBlock) -> None:
    """OpenSSL decodes an unencrypted private key beside a certificate: it must at least be DER."""
    if block.headers:
        return  # a legacy encrypted key: OpenSSL keeps it undecoded
    try:
        tag, _start, _stop = read_header(block.der, 0, len(block.der))
    except IcaClientError as exc:
        raise _Skip(f"OpenSSL cannot load its private key: {exc.message}") from exc
    if tag != TAG_SEQUENCE:
        raise _Skip("OpenSSL cannot load its private key: it is not a DER SEQUENCE")


def plan_rehash(directory: str, *, overlay: Optional[dict[str, Optional[bytes]]] = None) -> RehashPlan:
    """Work out, without changing anything, which hash links ``directory`` needs.

    ``overlay`` plans against the folder as a change will leave it: file name ->
    the bytes of the regular file it will be, or None when it will be gone. With
    an overlay a missing folder is planned as an empty one (the change creates it).
    """
    try:
        with os.scandir(directory) as listing:
            entries: list = list(listing)
    except FileNotFoundError as exc:
        if overlay is None:
            raise IcaClientError(f"cannot rehash {directory}: no such folder") from exc
        entries = []
    except NotADirectoryError as exc:
        raise IcaClientError(f"cannot rehash {directory}: not a folder") from exc
    except OSError as exc:
        raise IcaClientError(f"cannot rehash {directory}: cannot list it: {exc.strerror}") from exc
    real_directory = os.path.realpath(directory)
    if overlay:
        entries = [entry for entry in entries if entry.name not in overlay]
        entries.extend(_Planned(name, data) for name, data in overlay.items() if data is not None)
    # openssl rehash walks the names in strcmp order, i.e. by bytes. For ASCII names (the
    # usual) that is the order of the strings; otherwise sort by the bytes themselves.
    entries.sort(key=_ENTRY_NAME)
    if not all(name.isascii() for name in map(_ENTRY_NAME, entries)):
        entries.sort(key=lambda entry: os.fsencode(entry.name))

    warnings: list[str] = []
    links: list[_Link] = []
    blocked: dict[Bucket, set[int]] = {}
    skipped: dict[str, str] = {}
    duplicates: dict[str, str] = {}
    # per hash: certificate (or CRL) fingerprint -> the first file holding it, in walk order
    linkable: dict[Bucket, dict[bytes, _Linkable]] = {}
    scanner = _Scanner(os.path.join(directory, ""), real_directory.rstrip(os.sep) + os.sep)
    for record in _scan_all(scanner, entries):
        what = record[0]
        if what == _FILE:
            _what, position, name, bucket, fingerprint = record
            same_hash = linkable.get(bucket)
            if same_hash is None:
                linkable[bucket] = {fingerprint: _Linkable(position, name)}
            elif fingerprint in same_hash:
                kind = "certificate" if bucket[0] == KIND_CERT else "CRL"
                first = same_hash[fingerprint].name
                duplicates[name] = first
                warnings.append(f"skipping duplicate {kind} {scanner.prefix}{name}: same as {first}")
            else:
                same_hash[fingerprint] = _Linkable(position, name)
        elif what == _LINK:
            links.append(_Link(*record[1:]))
        elif what == _BLOCKED:
            blocked.setdefault(record[1], set()).add(record[2])
        elif what == _SKIPPED:
            skipped[record[1]] = record[3]
            warnings.append(record[2])
        else:
            warnings.append(record[1])

    before = {link.name: link.target for link in links}
    desired = _assign(linkable, links, blocked)
    outside = {link.name: link.target for link in links if not link.managed}
    after = dict(outside)
    after.update(desired)
    create = sorted(name for name, target in desired.items() if before.get(name) != target)
    remove = sorted(link.name for link in links if link.managed and link.name not in desired)
    linked_files = {item.name: bucket for bucket, by_der in linkable.items() for item in by_der.values()}
    return RehashPlan(
        directory, before, after, create, remove, warnings, linked_files, duplicates, skipped, outside
    )


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


def _assign(
    linkable: dict[Bucket, dict[bytes, _Linkable]], links: list[_Link], blocked: dict[Bucket, set[int]]
) -> dict[str, str]:
    """Number the links of each hash the way openssl rehash does (minus its bugs): link name -> file."""
    links_by_bucket: dict[Bucket, list[_Link]] = {}
    for link in links:
        links_by_bucket.setdefault(link.bucket, []).append(link)

    desired: dict[str, str] = {}
    for bucket, by_der in linkable.items():
        kind, name_hash = bucket
        bucket_links = links_by_bucket.get(bucket)
        if len(by_der) == 1 and bucket not in blocked:
            # The common case, one file per hash: index 0, unless a link we may not
            # touch holds it
            (only,) = by_der.values()
            if not bucket_links or all(link.managed or link.index != 0 for link in bucket_links):
                desired[f"{name_hash}.{kind}0"] = only.name
                continue
        items = list(by_der.values())
        needed = len(items)
        # openssl rehash numbers new links in the order it first met each file:
        # its own name or a link of this hash pointing at it, whichever sorts first
        first_seen = {item.name: item.position for item in items}
        kept: dict[str, int] = {}
        taken = set(blocked.get(bucket, ()))
        for link in bucket_links or ():
            if not link.managed:
                if link.index is not None:
                    taken.add(link.index)
                continue
            if link.target not in first_seen:
                continue
            first_seen[link.target] = min(first_seen[link.target], link.position)
            if link.index is not None and link.index < needed:
                previous = kept.get(link.target)
                if previous is None or link.index < previous:
                    kept[link.target] = link.index
        taken.update(kept.values())
        for target, index in kept.items():
            desired[f"{name_hash}.{kind}{index}"] = target
        index = 0
        for item in sorted((i for i in items if i.name not in kept), key=lambda i: first_seen[i.name]):
            while index in taken:
                index += 1
            desired[f"{name_hash}.{kind}{index}"] = item.name
            taken.add(index)
    return desired


def apply_rehash(directory: str, plan: RehashPlan) -> None:
    """Make the links of ``plan``; on failure undo what was done and raise :class:`IcaClientError`.

    A replaced link is swapped atomically (a reader never finds the name missing).
    """
    steps = [
        Step(os.path.join(directory, name), action=LINK, target=plan.after[name]) for name in plan.create
    ]
    steps += [Step(os.path.join(directory, name), action=REMOVE) for name in plan.remove]
    try:
        apply(steps)
    except TransactionError as exc:
        name = os.path.basename(exc.path)
        cause = exc.__cause__.strerror if isinstance(exc.__cause__, OSError) else exc.cause
        raise IcaClientError(
            f"cannot rehash {directory}: cannot change link {name}: {cause}"
            + ("; the links changed before were restored" if exc.restored else "")
            + ("; undoing failed for " + ", ".join(exc.not_restored) if exc.not_restored else ""),
        ) from exc


def rehash(
    directory: str, *, check_mode: bool = False, overlay: Optional[dict[str, Optional[bytes]]] = None
) -> RehashResult:
    """Make the hash links of ``directory`` as ``openssl rehash`` would (see the module docstring).

    In check mode nothing is touched; the result says what would change, on the
    folder as ``overlay`` (check mode only; see :func:`plan_rehash`) leaves it.
    Raises :class:`IcaClientError` naming the folder and the cause when it
    cannot be read, or cannot be written while a link has to change.
    """
    if overlay is not None and not check_mode:
        raise IcaClientError("rehash: an overlay is for check mode only")  # a caller's bug
    plan = plan_rehash(directory, overlay=overlay)
    warnings = list(plan.warnings)
    if plan.changed:
        if check_mode:
            if os.path.isdir(directory) and not os.access(directory, os.W_OK):
                warnings.append(f"{directory} is not writable: the links cannot be changed")
        else:
            apply_rehash(directory, plan)
    return RehashResult(
        changed=plan.changed,
        created=list(plan.create),
        removed=list(plan.remove),
        links=dict(sorted(plan.after.items())),
        warnings=warnings,
        previous_links=dict(sorted(plan.before.items())),
    )


def format_links(links: dict[str, str]) -> str:
    """Links as ``ls -l`` shows them, one per line, sorted (for diffs)."""
    return "".join(f"{name} -> {target}\n" for name, target in sorted(links.items()))


# --- the client's own tool -------------------------------------------------------------------


def find_ctx_rehash(directory: str, explicit: Optional[str], which: Callable[[str], Optional[str]]) -> str:
    """The ``ctx_rehash`` to run for the keystore folder ``directory``.

    ``explicit`` when given; else ``<ICAROOT>/util/ctx_rehash`` for a folder
    ``<ICAROOT>/keystore/<name>``; else ``which("ctx_rehash")`` (the PATH).
    A missing folder is reported first: it is the bigger problem.
    """
    if not os.path.isdir(directory):
        cause = "not a folder" if os.path.lexists(directory) else "no such folder"
        raise IcaClientError(f"cannot rehash {directory}: {cause}")
    if explicit:
        if _executable(explicit):
            return explicit
        looked, first = f"no executable {explicit}", explicit
    else:
        icaroot = os.path.dirname(os.path.dirname(os.path.abspath(directory)))
        beside = os.path.join(icaroot, "util", "ctx_rehash")
        if _executable(beside):
            return beside
        found = which("ctx_rehash")
        if found:
            return found
        looked, first = f"no executable {beside}, none in PATH", beside
    raise IcaClientError(
        f"cannot rehash {directory} with ctx_rehash: the client's tool is not installed ({looked})",
        cmd=[first],
    )


def _executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def rehash_with_ctx_rehash(
    directory: str, *, tool: str, runner: Runner, check_mode: bool = False
) -> RehashResult:
    """Run the client's ``ctx_rehash`` (no arguments, in ``directory``) and report what it changed.

    In check mode the tool is not run: the result says what the builtin rehash
    would change. After a run, a warning says so when the tool's links differ
    from the ones ``openssl rehash`` makes.
    """
    plan = plan_rehash(directory)
    if check_mode:
        return RehashResult(
            changed=plan.changed,
            created=list(plan.create),
            removed=list(plan.remove),
            links=dict(sorted(plan.after.items())),
            warnings=list(plan.warnings),
            previous_links=dict(sorted(plan.before.items())),
        )
    outcome = runner([tool], cwd=directory)
    if outcome.rc != 0:
        raise IcaClientError(
            f"cannot rehash {directory}: {tool} failed with exit code {outcome.rc}: "
            f"{(outcome.stderr or outcome.stdout).strip() or 'no output'}",
            cmd=list(outcome.argv),
            rc=outcome.rc,
            stdout=outcome.stdout,
            stderr=outcome.stderr,
        )
    check = plan_rehash(directory)
    before, after = plan.before, check.before
    warnings = list(check.warnings)
    if check.changed:
        warnings.append(
            f"{tool} left links in {directory} that differ from the ones openssl rehash makes"
            f" (would create {', '.join(check.create) or 'none'}; remove {', '.join(check.remove) or 'none'})"
        )
    return RehashResult(
        changed=before != after,
        created=sorted(name for name, target in after.items() if before.get(name) != target),
        removed=sorted(name for name in before if name not in after),
        links=dict(sorted(after.items())),
        warnings=warnings,
        previous_links=dict(sorted(before.items())),
    )


# --- both folders of a keystore -------------------------------------------------------------

#: The folders under ``<ICAROOT>/keystore`` that hold CA certificates, in the order they are rehashed.
KEYSTORE_FOLDERS = ("cacerts", "intcerts")


@dataclass
class FolderRehash:
    path: str
    result: RehashResult
    #: the ``ctx_rehash`` run on the folder (None with the builtin method, or in check mode)
    tool: Optional[str] = None


def keystore_folders(icaroot: str) -> tuple[list[str], list[str]]:
    """(folders to rehash, folders skipped because they do not exist) of the keystore under ``icaroot``.

    A missing ICAROOT or ``<icaroot>/keystore`` is an error (a typo must not pass
    as a keystore with nothing to do); a missing ``cacerts`` or ``intcerts`` (a
    fresh install has no ``intcerts``) is skipped.
    """
    keystore = os.path.join(icaroot, "keystore")
    for path, what in ((icaroot, "ICAROOT "), (keystore, "")):
        if not os.path.isdir(path):
            cause = "is not a folder" if os.path.lexists(path) else "does not exist"
            raise IcaClientError(
                f"cannot rehash the keystore: {what}{path} {cause}"
                f" (is the Citrix Workspace app installed in {icaroot}?)"
            )
    present: list[str] = []
    skipped: list[str] = []
    for name in KEYSTORE_FOLDERS:
        path = os.path.join(keystore, name)
        # something else in the folder's place is not skipped: rehashing it fails, naming it
        (present if os.path.lexists(path) else skipped).append(path)
    return present, skipped


def rehash_keystore(
    icaroot: str,
    *,
    method: str = "builtin",
    ctx_rehash_path: Optional[str] = None,
    which: Optional[Callable[[str], Optional[str]]] = None,
    runner: Optional[Runner] = None,
    check_mode: bool = False,
) -> tuple[list[FolderRehash], list[str]]:
    """Rehash ``<icaroot>/keystore/cacerts`` then ``intcerts``; return (per folder rehashed, skipped).

    ``method`` is ``builtin`` (:func:`rehash`) or ``ctx_rehash``
    (:func:`rehash_with_ctx_rehash`, the tool found per folder by
    :func:`find_ctx_rehash` with ``ctx_rehash_path`` and ``which``, run by
    ``runner``). An error names the folder; it says which folders had already
    changed, since a rehash that went through is not undone.
    """
    if method == "builtin":

        def one(path: str) -> FolderRehash:
            return FolderRehash(path, rehash(path, check_mode=check_mode))

    elif method == "ctx_rehash":
        if which is None or runner is None:
            raise IcaClientError(
                "rehash_keystore: method ctx_rehash needs which and runner"
            )  # a caller's bug
        find, run = which, runner

        def one(path: str) -> FolderRehash:
            tool = find_ctx_rehash(path, ctx_rehash_path, find)
            result = rehash_with_ctx_rehash(path, tool=tool, runner=run, check_mode=check_mode)
            return FolderRehash(path, result, None if check_mode else tool)

    else:
        raise IcaClientError(f"cannot rehash the keystore of ICAROOT {icaroot}: unknown method {method!r}")
    folders, skipped = keystore_folders(icaroot)
    done: list[FolderRehash] = []
    for path in folders:
        try:
            done.append(one(path))
        except IcaClientError as exc:
            changed = [each.path for each in done if each.result.changed]
            if not changed or check_mode:
                raise
            raise IcaClientError(
                f"{exc.message} (the links of {', '.join(changed)} were changed before)", **exc.details
            ) from exc
    return done, skipped
