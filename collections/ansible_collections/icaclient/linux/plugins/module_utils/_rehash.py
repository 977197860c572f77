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
* it follows and removes links that point outside the folder; we never
  follow them and never remove them (a warning names each one), and a hash
  link pointing outside keeps its number;
* it treats ``ABCDEF01.0`` or ``abcdef01.00`` as valid links; OpenSSL's
  lookups only ever open ``abcdef01.0``, so we replace such names;
* it overwrites a regular file that carries a hash link name; we leave it
  and skip its number (warning);
* it refuses to start on a folder it cannot write; we only need to write
  when a link changes (a no-change run reads and writes nothing), and a
  replaced link is swapped atomically instead of unlinked and re-created;
* it says nothing about files OpenSSL cannot load; we warn.

Speed: no ``cryptography`` here. The subject hash is computed from the raw
DER (see :mod:`._subject_hash`), the folder is listed once with
``os.scandir``, and a big folder (thousands of files) is read by up to four
processes while CPUs are idle, each taking a run of the sorted names (the
result does not depend on how the work is split; a process that cannot start
leaves its share to the parent).
"""

from __future__ import annotations

import contextlib
import hashlib
import operator
import os
import pickle
import re
import threading
from dataclasses import dataclass, field
from typing import Callable, NamedTuple, Optional

from ._atomic import TEMP_PREFIX
from ._der import TAG_SEQUENCE, expect, first_element, read_header
from ._errors import IcaClientError
from ._runner import Runner
from ._subject_hash import NameHasher, PemBlock, pem_blocks_with_headers, single_plain_block

__all__ = [
    "KEYSTORE_FOLDERS",
    "REHASH_EXTENSIONS",
    "FolderRehash",
    "RehashPlan",
    "RehashResult",
    "apply_rehash",
    "find_ctx_rehash",
    "format_links",
    "keystore_folders",
    "plan_rehash",
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

    @property
    def changed(self) -> bool:
        return bool(self.create or self.remove)


class _Link(NamedTuple):
    position: int  # in the sorted walk
    name: str
    target: str
    bucket: Bucket
    index: Optional[int]  # None when the name is not the canonical form
    inside: bool


class _Linkable(NamedTuple):
    position: int
    name: str


class _Skip(Exception):
    """A file openssl rehash does not link; the message says why."""


def _read(path: str) -> bytes:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        data = os.read(fd, _READ_CHUNK)
        if len(data) < _READ_CHUNK:
            return data
        chunks = [data]
        while True:
            chunk = os.read(fd, _READ_CHUNK)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    finally:
        os.close(fd)


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


def plan_rehash(directory: str) -> RehashPlan:
    """Work out, without changing anything, which hash links ``directory`` needs."""
    try:
        with os.scandir(directory) as listing:
            entries = list(listing)
        real_directory = os.path.realpath(directory)
    except FileNotFoundError as exc:
        raise IcaClientError(f"cannot rehash {directory}: no such folder") from exc
    except NotADirectoryError as exc:
        raise IcaClientError(f"cannot rehash {directory}: not a folder") from exc
    except OSError as exc:
        raise IcaClientError(f"cannot rehash {directory}: cannot list it: {exc.strerror}") from exc
    # openssl rehash walks the names in strcmp order, i.e. by bytes. For ASCII names (the
    # usual) that is the order of the strings; otherwise sort by the bytes themselves.
    entries.sort(key=_ENTRY_NAME)
    if not all(name.isascii() for name in map(_ENTRY_NAME, entries)):
        entries.sort(key=lambda entry: os.fsencode(entry.name))

    warnings: list[str] = []
    links: list[_Link] = []
    blocked: dict[Bucket, set[int]] = {}
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
                warnings.append(f"skipping duplicate {kind} {scanner.prefix}{name}: same as {first}")
            else:
                same_hash[fingerprint] = _Linkable(position, name)
        elif what == _LINK:
            links.append(_Link(*record[1:]))
        elif what == _BLOCKED:
            blocked.setdefault(record[1], set()).add(record[2])
        else:
            warnings.append(record[1])

    before = {link.name: link.target for link in links}
    desired = _assign(linkable, links, blocked)
    after = {link.name: link.target for link in links if not link.inside}
    after.update(desired)
    create = sorted(name for name, target in desired.items() if before.get(name) != target)
    remove = sorted(link.name for link in links if link.inside and link.name not in desired)
    return RehashPlan(directory, before, after, create, remove, warnings)


_ENTRY_NAME = operator.attrgetter("name")


# What the scan of one folder entry found, as plain tuples (they cross a pipe when
# the scan runs in several processes):
#   (_FILE, position, name, (kind, hash), SHA-1 fingerprint of the DER)
#   (_LINK, position, name, target, (kind, hash), index or None, inside)
#   (_BLOCKED, (kind, hash), index)    a non-link holding a hash link name
#   (_WARNING, message)
_FILE, _LINK, _BLOCKED, _WARNING = "file", "link", "blocked", "warning"


class _Scanner:
    """Reads folder entries the way openssl rehash does."""

    def __init__(self, prefix: str, inside_prefix: str) -> None:
        self.prefix = prefix  # the folder path, ending in a separator
        self.inside_prefix = inside_prefix  # its real path, ending in a separator
        self.hasher = NameHasher()

    def scan(self, entries: list[os.DirEntry], first_position: int) -> list[tuple]:
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
                if entry.is_symlink():
                    resolved = os.path.realpath(path)
                    if not resolved.startswith(self.inside_prefix):
                        append(
                            (
                                _WARNING,
                                f"skipping {path}: it links outside the folder, to {os.readlink(path)}",
                            )
                        )
                        continue
                    if not os.path.isfile(resolved):
                        raise _Skip("it is not a link to a regular file")
                elif not entry.is_file(follow_symlinks=False):
                    raise _Skip("it is not a regular file")
                try:
                    data = _read(path)
                except OSError as exc:
                    raise _Skip(f"cannot read it: {exc.strerror}") from exc
                kind, name_hash, der = _identify(data, self.hasher)
            except _Skip as skip:
                append((_WARNING, f"skipping {path}: {skip}"))
                continue
            # OpenSSL tells duplicates apart by the SHA-1 fingerprint; so do we
            append((_FILE, position, name, (kind, name_hash), hashlib.sha1(der).digest()))
        return records

    def _link(self, entry: os.DirEntry, position: int, records: list[tuple]) -> None:
        """An entry named like a hash link."""
        name = entry.name
        path = self.prefix + name
        bucket: Bucket = (KIND_CRL if name[9:10] in ("r", "R") else KIND_CERT, name[:8].lower())
        canonical = _LINK_CANONICAL.match(name)
        index = int(canonical.group(3)) if canonical else None
        if not entry.is_symlink():
            if index is not None:
                records.append((_BLOCKED, bucket, index))
                records.append((_WARNING, f"leaving {path} alone: it has a hash link name but is not a link"))
            return
        try:
            target = os.readlink(path)
        except OSError as exc:
            records.append((_WARNING, f"leaving {path} alone: cannot read the link: {exc.strerror}"))
            return
        # A bare name is a file of this folder; anything else is resolved to see where it lands
        inside = ("/" not in target and target not in ("", ".", "..")) or os.path.realpath(path).startswith(
            self.inside_prefix
        )
        if not inside:
            records.append((_WARNING, f"leaving {path} alone: it points outside the folder, to {target}"))
        records.append((_LINK, position, name, target, bucket, index, inside))


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
            if not bucket_links or all(link.inside or link.index != 0 for link in bucket_links):
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
            if not link.inside:
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
    """Make the links of ``plan``; on failure undo what was done and raise :class:`IcaClientError`."""
    undo: list[tuple[str, Optional[str]]] = []  # (link name, target to restore or None to delete)
    name = ""
    try:
        for name in plan.create:
            _write_link(directory, name, plan.after[name], replace=name in plan.before)
            undo.append((name, plan.before.get(name)))
        for name in plan.remove:
            try:
                os.unlink(os.path.join(directory, name))
            except FileNotFoundError:
                continue
            undo.append((name, plan.before[name]))
    except OSError as exc:
        _undo(directory, undo)
        raise IcaClientError(
            f"cannot rehash {directory}: cannot change link {name}: {exc.strerror}"
            + ("; the links changed before were restored" if undo else ""),
        ) from exc
    _fsync_directory(directory)


def _write_link(directory: str, name: str, target: str, *, replace: bool) -> None:
    path = os.path.join(directory, name)
    if not replace:
        os.symlink(target, path)
        return
    # Swap atomically (a reader never finds the name missing), through a temporary
    # name that carries our process id
    temporary = os.path.join(directory, f"{TEMP_PREFIX}{name}.{os.getpid()}")
    if os.path.lexists(temporary):  # left by a killed run that had our process id
        os.unlink(temporary)
    os.symlink(target, temporary)
    try:
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _undo(directory: str, undo: list[tuple[str, Optional[str]]]) -> None:
    for name, target in reversed(undo):
        path = os.path.join(directory, name)
        try:
            if os.path.lexists(path):
                os.unlink(path)
            if target is not None:
                os.symlink(target, path)
        except OSError:
            pass


def _fsync_directory(directory: str) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def rehash(directory: str, *, check_mode: bool = False) -> RehashResult:
    """Make the hash links of ``directory`` as ``openssl rehash`` would (see the module docstring).

    In check mode nothing is touched; the result says what would change.
    Raises :class:`IcaClientError` naming the folder and the cause when it
    cannot be read, or cannot be written while a link has to change.
    """
    plan = plan_rehash(directory)
    warnings = list(plan.warnings)
    if plan.changed:
        if check_mode:
            if not os.access(directory, os.W_OK):
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
