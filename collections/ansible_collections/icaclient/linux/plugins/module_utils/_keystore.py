# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The client's keystore: plan and apply adding or removing CA certificates, and audit it.

Layout: ``<icaroot>/keystore/cacerts`` holds trusted roots (kind ``root``),
``<icaroot>/keystore/intcerts`` intermediates (kind ``intermediate``; the folder
may be missing and is created). The client loads PEM files holding ONE
certificate each through OpenSSL subject-hash links (``HHHHHHHH.N``).

File names (stable and readable):

- one certificate: ``<name>.pem``;
- a bundle: one file per certificate, ``<name>-<subject>.pem``, where
  ``<subject>`` is the certificate's CN (else OU, else O) made file-name safe.
  Per-subject names, unlike positions, do not shift when a bundle gains,
  loses or reorders certificates;
- ``<name>`` is the ``name`` option, else the source file's name without its
  extensions (case kept; runs of characters other than ASCII letters, digits,
  ``.`` and ``_`` become ``-``); for ``content`` without ``name`` each file is
  ``<subject>.pem``.

A certificate already present (same SHA-256 fingerprint) in a single-certificate
PEM file of the folder, under any file name, is not written again. When the
chosen file name holds a different certificate: with an explicit ``name`` and a
single certificate, that file is replaced (the name is a slot, as a rotated root
keeps its name); otherwise the new file gets ``-<first 8 hex digits of its
fingerprint>`` appended, so nothing an administrator put there is overwritten.

Every certificate is judged before anything is written, so a refused bundle
changes nothing; a write that fails half way is rolled back.

Several certificates in one call (:func:`ensure_certificates`) are planned one
after another, each against its folder as the ones before it leave it
(:func:`folder_after`), all before anything is written; the plans are then
applied as one change (:func:`apply_plans`) and each folder is rehashed once.
"""

from __future__ import annotations

import dataclasses
import datetime
import os
from dataclasses import dataclass, field
from typing import Any, Optional

from ._atomic import TEMP_PREFIX
from ._client_errors import CLIENT_ERRORS
from ._errors import IcaClientError
from ._rehash import (
    REHASH_EXTENSIONS,
    NotAFile,
    NotLoadable,
    RehashPlan,
    hash_link_name,
    plan_rehash,
    read_regular_file,
)
from ._rehash import rehash as rehash_folder
from ._transaction import MKDIR, REMOVE, Step, TransactionError, apply
from ._x509.certs import CertInfo, load_certificates
from ._x509.checks import check_for_keystore, keystore_problems
from ._x509.encoding import normalise_fingerprint, slug

FOLDERS = {"root": "cacerts", "intermediate": "intcerts"}
#: Larger files are not certificates: they are not read.
MAX_FILE_BYTES = 1 << 20
_SOURCE_EXTENSIONS = (".pem", ".crt", ".cer", ".der", ".cert", ".p7b", ".p7c", ".txt", ".ca-bundle")


def keystore_dir(icaroot: str, kind: str) -> str:
    """The folder that holds certificates of ``kind`` (``root`` or ``intermediate``)."""
    if kind not in FOLDERS:
        raise IcaClientError(f"unknown keystore kind {kind!r}: use root or intermediate")
    return os.path.join(icaroot, "keystore", FOLDERS[kind])


# ---------------------------------------------------------------------------
# What a folder holds


@dataclass
class StoredFile:
    """One entry of a keystore folder that is not a hash link."""

    name: str
    path: str
    certs: list[CertInfo]
    error: Optional[str] = None
    link_target: Optional[str] = None
    #: False for a link that leaves the folder (information: rehash reads through it)
    inside: bool = True
    private_keys: list[str] = field(default_factory=list)
    #: False when the entry is not a regular file, nor a link to one (a folder, a device, dangling)
    regular: bool = True

    @property
    def has_rehash_suffix(self) -> bool:
        return "." in self.name and self.name.rsplit(".", 1)[1].lower() in REHASH_EXTENSIONS

    @property
    def fmt(self) -> Optional[str]:
        return self.certs[0].source_format if self.certs else None

    @property
    def effective(self) -> bool:
        """Whether the client (through rehash) can load this file's certificate."""
        return self.has_rehash_suffix and len(self.certs) == 1 and self.certs[0].source_format == "pem"


@dataclass
class FolderState:
    directory: str
    exists: bool
    files: list[StoredFile]
    links: dict[str, str]  # hash link name -> link target as stored
    names: set[str] = field(default_factory=set)  # every entry, folders included

    def effective_by_fingerprint(self) -> dict[str, StoredFile]:
        found: dict[str, StoredFile] = {}
        for stored in self.files:
            if stored.effective:
                found.setdefault(stored.certs[0].fingerprint_sha256, stored)
        return found

    def by_name(self) -> dict[str, StoredFile]:
        return {stored.name: stored for stored in self.files}


def scan_folder(directory: str, *, now: Optional[datetime.datetime] = None) -> FolderState:
    """Read every entry of ``directory`` (hash links are listed, not read).

    A certificate file may be a link, anywhere (rehash reads through it); only a
    regular file is ever opened, and only when it is at most :data:`MAX_FILE_BYTES`.
    """
    if not os.path.isdir(directory):
        return FolderState(directory, False, [], {})
    try:
        names = sorted(os.listdir(directory))
    except OSError as exc:
        raise IcaClientError(f"cannot list {directory}: {exc.strerror}") from exc
    real_dir = os.path.realpath(directory)
    files: list[StoredFile] = []
    links: dict[str, str] = {}
    for name in names:
        path = os.path.join(directory, name)
        if name.startswith(TEMP_PREFIX):
            continue
        is_link = os.path.islink(path)
        if is_link and hash_link_name(name) is not None:
            links[name] = os.readlink(path)
            continue
        if not is_link and os.path.isdir(path):
            continue  # a sub-folder is not the keystore's business
        target = os.readlink(path) if is_link else None
        inside = os.path.dirname(os.path.realpath(path)) == real_dir
        files.append(_read_stored(name, path, target, inside, is_link, now))
    return FolderState(directory, True, files, links, set(names))


def _read_stored(
    name: str, path: str, target: Optional[str], inside: bool, is_link: bool, now: Optional[datetime.datetime]
) -> StoredFile:
    try:
        data = read_regular_file(path, limit=MAX_FILE_BYTES, is_link=is_link)
    except NotLoadable as exc:
        return StoredFile(name, path, [], str(exc), target, inside, regular=not isinstance(exc, NotAFile))
    keys: list[str] = []
    try:
        certs = load_certificates(data, now=now, private_keys=keys)
    except IcaClientError as exc:
        error = exc.message
        if keys and exc.details.get("cause") == "empty":
            error = f"a private key ({', '.join(keys)}) and no certificate"
        return StoredFile(name, path, [], error, target, inside, keys)
    return StoredFile(name, path, certs, None, target, inside, keys)


# ---------------------------------------------------------------------------
# Planning


@dataclass
class FileChange:
    action: str  # create | replace | remove
    name: str
    path: str
    data: Optional[bytes] = None
    cert: Optional[CertInfo] = None
    old: Optional[StoredFile] = None


@dataclass
class KeystorePlan:
    """What adding or removing would do; nothing is touched until :func:`apply_plan`."""

    state: str
    kind: str
    directory: str
    label: str
    context: str
    certificates: list[CertInfo]
    changes: list[FileChange]
    present: dict[str, str]  # fingerprint -> file name that already holds it
    warnings: list[str]
    create_directory: bool
    before: FolderState

    @property
    def changed(self) -> bool:
        return bool(self.changes) or self.create_directory

    def diff(self) -> dict[str, str]:
        """``before``/``after`` for Ansible's diff: the folder listing with a line per certificate."""
        return folder_diff(self.before, self.changes)


def folder_diff(before_state: FolderState, changes: list[FileChange]) -> dict[str, str]:
    """The listing of ``before_state`` before and after ``changes`` (applied in order), for a diff."""
    before = {stored.name: _listing_line(stored) for stored in before_state.files}
    after = dict(before)
    for change in changes:
        if change.action == "remove":
            after.pop(change.name, None)
        else:
            after[change.name] = f"{change.name}  {change.cert.one_line() if change.cert else ''}".rstrip()
    header = f"{before_state.directory}/"
    return {
        "before_header": header if before_state.exists else f"{header} (missing)",
        "after_header": header,
        "before": "".join(line + "\n" for _name, line in sorted(before.items())),
        "after": "".join(line + "\n" for _name, line in sorted(after.items())),
    }


def _listing_line(stored: StoredFile) -> str:
    if stored.error is not None:
        return f"{stored.name}  (not loadable: {stored.error})"
    if len(stored.certs) > 1:
        return f"{stored.name}  ({stored.fmt} of {len(stored.certs)} certificates)"
    return f"{stored.name}  {stored.certs[0].one_line()}"


def plan_add(
    *,
    icaroot: str,
    kind: str,
    data: bytes,
    source_name: Optional[str],
    name: Optional[str] = None,
    expired: str = "refuse",
    now: Optional[datetime.datetime] = None,
    before: Optional[FolderState] = None,
) -> KeystorePlan:
    """Plan putting the certificate(s) in ``data`` into the ``kind`` folder.

    ``source_name`` is the source file's base name (None for inline content); it
    names the input in messages and, without ``name``, the files written.
    ``before`` is the folder to plan against (default: as it is on disk now; see
    :func:`folder_after` for planning several changes one after another).
    """
    directory = keystore_dir(icaroot, kind)
    label = source_name or "(content)"
    context = f"cannot add {kind} certificate {label} to {directory}"
    _require_icaroot(icaroot, context)
    if name is not None:
        name = _checked_name(name, context)
    try:
        certs = load_certificates(data, now=now)
    except IcaClientError as exc:
        raise IcaClientError(f"{context}: {exc.message}", **exc.details) from exc
    warnings = check_for_keystore(certs, kind=kind, expired_policy=expired, context=context)

    unique: list[CertInfo] = []
    seen: set[str] = set()
    for cert in certs:
        if cert.fingerprint_sha256 not in seen:
            seen.add(cert.fingerprint_sha256)
            unique.append(cert)
    if before is None:
        before = scan_folder(directory, now=now)
    effective = before.effective_by_fingerprint()
    existing = before.by_name()
    occupied = before.names
    base = name if name is not None else _base_from_source(source_name)
    bundle = len(unique) > 1

    present: dict[str, str] = {}
    changes: list[FileChange] = []
    planned: set[str] = set()
    for cert in unique:
        holder = effective.get(cert.fingerprint_sha256)
        if holder is not None:
            present[cert.fingerprint_sha256] = holder.name
            continue
        stem = _stem(base, cert, bundle)
        file_name = stem + ".pem"
        replace = name is not None and not bundle
        if file_name in planned or (file_name in occupied and not (replace and file_name in existing)):
            file_name = _free_name(stem, cert, occupied | planned)
        planned.add(file_name)
        old = existing.get(file_name)
        changes.append(
            FileChange(
                action="replace" if old is not None else "create",
                name=file_name,
                path=os.path.join(directory, file_name),
                data=cert.pem.encode("ascii"),
                cert=cert,
                old=old,
            )
        )
        if old is not None:
            what = old.certs[0].subject if len(old.certs) == 1 else (old.error or "a bundle")
            warnings.append(f"{file_name} held {what}; it is replaced by {cert.subject}")
    return KeystorePlan(
        state="present",
        kind=kind,
        directory=directory,
        label=label,
        context=context,
        certificates=certs,
        changes=changes,
        present=present,
        warnings=warnings,
        create_directory=not before.exists,
        before=before,
    )


def plan_remove(
    *,
    icaroot: str,
    kind: str,
    data: Optional[bytes] = None,
    source_name: Optional[str] = None,
    name: Optional[str] = None,
    fingerprint: Optional[str] = None,
    now: Optional[datetime.datetime] = None,
    before: Optional[FolderState] = None,
) -> KeystorePlan:
    """Plan removing certificates given by content, fingerprint and/or the name they were added under.

    A certificate given by ``data`` or ``fingerprint`` is removed from every file
    that holds just it (any name, PEM or DER). ``name`` removes the files that
    :func:`plan_add` writes under that name (``<name>.pem``, ``<name>-<subject>.pem``
    and their ``-<fingerprint>`` variants, checked against each file's own
    certificate) or a file with exactly that name. A bundle file holding a
    given certificate is not edited: a warning says so. ``before`` as for
    :func:`plan_add`.
    """
    directory = keystore_dir(icaroot, kind)
    label = source_name or (name if name is not None and data is None else None) or fingerprint or "(content)"
    context = f"cannot remove {kind} certificate {label} from {directory}"
    if name is not None:
        name = _checked_name(name, context)
    fingerprints: set[str] = set()
    certs: list[CertInfo] = []
    if data is not None:
        try:
            certs = load_certificates(data, now=now)
        except IcaClientError as exc:
            raise IcaClientError(f"{context}: {exc.message}", **exc.details) from exc
        fingerprints.update(cert.fingerprint_sha256 for cert in certs)
    if fingerprint is not None:
        try:
            fingerprints.add(normalise_fingerprint(fingerprint))
        except IcaClientError as exc:
            raise IcaClientError(f"{context}: {exc.message}") from exc

    warnings: list[str] = []
    if not os.path.isdir(icaroot):
        warnings.append(f"ICAROOT {icaroot} does not exist: nothing to remove")
    if before is None:
        before = scan_folder(directory, now=now)
    changes: list[FileChange] = []
    for stored in before.files:
        held = {cert.fingerprint_sha256 for cert in stored.certs}
        by_content = bool(held) and held <= fingerprints and len(stored.certs) == 1
        by_name = name is not None and _written_under(stored, name)
        if by_content or by_name:
            changes.append(
                FileChange(
                    action="remove",
                    name=stored.name,
                    path=stored.path,
                    cert=stored.certs[0] if len(stored.certs) == 1 else None,
                    old=stored,
                )
            )
        elif held & fingerprints:
            warnings.append(
                f"{stored.name} is a {stored.fmt} of {len(stored.certs)} certificates that includes one to remove;"
                " it was left as it is (the client ignores multi-certificate files)"
            )
    return KeystorePlan(
        state="absent",
        kind=kind,
        directory=directory,
        label=label,
        context=context,
        certificates=certs,
        changes=changes,
        present={},
        warnings=warnings,
        create_directory=False,
        before=before,
    )


def _written_under(stored: StoredFile, name: str) -> bool:
    if stored.name == name:
        return True
    if not stored.name.endswith(".pem") or len(stored.certs) != 1:
        return False
    cert = stored.certs[0]
    fingerprint = cert.fingerprint_sha256.replace(":", "").lower()
    stem = stored.name[: -len(".pem")]
    for candidate in (name, f"{name}-{_subject_slug(cert)}"):
        if stem == candidate:
            return True
        if stem.startswith(candidate + "-"):
            rest = stem[len(candidate) + 1 :]
            if len(rest) >= 8 and fingerprint.startswith(rest):
                return True
    return False


def _require_icaroot(icaroot: str, context: str) -> None:
    if not os.path.isdir(icaroot):
        raise IcaClientError(
            f"{context}: ICAROOT {icaroot} does not exist (is the Citrix Workspace app installed there?)"
        )


def _checked_name(name: str, context: str) -> str:
    cleaned = name[: -len(".pem")] if name.endswith(".pem") else name
    if (
        not cleaned
        or "/" in cleaned
        or cleaned.startswith(".")
        or cleaned != cleaned.strip()
        or "\0" in cleaned
    ):
        raise IcaClientError(
            f"{context}: name {name!r} is not usable as a file name (no '/', no leading '.')"
        )
    if hash_link_name(cleaned) is not None:
        raise IcaClientError(f"{context}: name {name!r} looks like a hash link name; choose a readable name")
    return cleaned


def _base_from_source(source_name: Optional[str]) -> Optional[str]:
    if not source_name:
        return None
    base = source_name
    while True:
        lowered = base.lower()
        for extension in _SOURCE_EXTENSIONS:
            if lowered.endswith(extension) and len(base) > len(extension):
                base = base[: -len(extension)]
                break
        else:
            break
    # the name of src without its extensions, its case kept (only characters unsafe in a file name change)
    return slug(base, limit=80, keep_case=True) or None


def _subject_slug(cert: CertInfo) -> str:
    return slug(cert.subject_cn) or "certificate-" + cert.fingerprint_sha256.replace(":", "")[:8].lower()


def _stem(base: Optional[str], cert: CertInfo, bundle: bool) -> str:
    if base is None:
        return _subject_slug(cert)
    return f"{base}-{_subject_slug(cert)}" if bundle else base


def _free_name(stem: str, cert: CertInfo, taken: set[str]) -> str:
    digits = cert.fingerprint_sha256.replace(":", "").lower()
    for width in (8, 16, 64):
        candidate = f"{stem}-{digits[:width]}.pem"
        if candidate not in taken:
            return candidate
    raise IcaClientError(f"no free file name for {cert.subject} next to {stem}.pem")  # pragma: no cover


# ---------------------------------------------------------------------------
# Applying


def apply_plan(plan: KeystorePlan) -> tuple[list[str], list[str]]:
    """Carry out ``plan``; return (paths written, paths removed).

    On a failure every change already made is undone, and the error says so.
    """
    return apply_plans([plan])


def apply_plans(
    plans: list[KeystorePlan], *, labels: Optional[list[str]] = None
) -> tuple[list[str], list[str]]:
    """Carry out ``plans`` in order, as one change; return (paths written, paths removed).

    On a failure every change already made, by any of the plans, is undone; the
    error starts with the failing plan's entry of ``labels`` (when given), then
    its context, and says whether the undo worked.
    """
    steps: list[Step] = []
    owners: list[int] = []  # the plan of each step
    for number, plan in enumerate(plans):
        if plan.create_directory:
            steps.append(Step(plan.directory, action=MKDIR))
            owners.append(number)
        for change in plan.changes:
            if change.action == "remove":
                steps.append(Step(change.path, action=REMOVE))
            else:  # a file in place of a link, never written through it
                steps.append(Step(change.path, data=change.data or b"", mode=0o644, replace_link=True))
            owners.append(number)
    try:
        applied = apply(steps)
    except TransactionError as exc:
        failing = owners[exc.index]
        tail = "; nothing was changed" if exc.complete_undo else exc.tail()
        prefix = f"{labels[failing]}: " if labels else ""
        raise IcaClientError(f"{prefix}{plans[failing].context}: {exc.cause}{tail}", **exc.details) from exc
    return applied.written, applied.removed


# ---------------------------------------------------------------------------
# The keystore_cert operation


def read_source(src: str, *, context: str) -> bytes:
    """The bytes of a certificate file on this host, or IcaClientError naming the file."""
    if os.path.isdir(src):
        raise IcaClientError(f"{context}: {src} is a directory, not a certificate file")
    try:
        with open(src, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise IcaClientError(f"{context}: cannot read {src}: {exc.strerror}") from exc
    if len(data) > MAX_FILE_BYTES:
        raise IcaClientError(f"{context}: {src} is larger than 1 MiB: not a certificate file")
    return data


def plan_certificate(
    *,
    icaroot: str,
    kind: str,
    state: str,
    src: Optional[str] = None,
    content: Optional[str] = None,
    name: Optional[str] = None,
    fingerprint: Optional[str] = None,
    expired: str = "refuse",
    now: Optional[datetime.datetime] = None,
    before: Optional[FolderState] = None,
) -> KeystorePlan:
    """Read the input of one ``keystore_cert`` call and plan it (nothing is written).

    ``state=present`` needs ``src`` or ``content``; ``fingerprint`` then pins it.
    ``before`` is the folder to plan against (see :func:`plan_add`).
    """
    source_name = os.path.basename(src) if src else None
    data: Optional[bytes] = None
    if src is not None:
        verb = "add" if state == "present" else "remove"
        where = "to" if state == "present" else "from"
        context = f"cannot {verb} {kind} certificate {source_name} {where} {keystore_dir(icaroot, kind)}"
        data = read_source(src, context=context)
    elif content is not None:
        data = content.encode("utf-8")
    if state == "present":
        if data is None:
            raise IcaClientError("cannot add a certificate: give src or content")
        plan = plan_add(
            icaroot=icaroot,
            kind=kind,
            data=data,
            source_name=source_name,
            name=name,
            expired=expired,
            now=now,
            before=before,
        )
        if fingerprint is not None:
            _check_pin(plan, fingerprint)
        return plan
    return plan_remove(
        icaroot=icaroot,
        kind=kind,
        data=data,
        source_name=source_name,
        name=name,
        fingerprint=fingerprint,
        now=now,
        before=before,
    )


def ensure_certificate(
    *,
    icaroot: str,
    kind: str,
    state: str,
    src: Optional[str] = None,
    content: Optional[str] = None,
    name: Optional[str] = None,
    fingerprint: Optional[str] = None,
    rehash: bool = True,
    expired: str = "refuse",
    check_mode: bool = False,
    now: Optional[datetime.datetime] = None,
) -> tuple[dict[str, Any], KeystorePlan]:
    """Add or remove one CA certificate (or bundle), then rehash; return (module result, plan).

    In check mode nothing is written and the result predicts ``changed``. The
    result's ``warnings`` are for the user, its ``diff`` lists the folder's
    certificate files and hash links before and after; ``changed`` is True when
    a file or a hash link changed (or would).
    """
    plan = plan_certificate(
        icaroot=icaroot,
        kind=kind,
        state=state,
        src=src,
        content=content,
        name=name,
        fingerprint=fingerprint,
        expired=expired,
        now=now,
    )
    if not check_mode:
        apply_plan(plan)
    changed = plan.changed
    warnings = list(plan.warnings)
    links = dict(plan.before.links)
    rehash_facts: Optional[dict[str, Any]] = None
    # check mode plans the rehash on the folder as the real run leaves it (created, if it must be)
    if rehash and (os.path.isdir(plan.directory) or (check_mode and plan.create_directory)):
        try:
            outcome = rehash_folder(
                plan.directory, check_mode=check_mode, overlay=_overlay([plan]) if check_mode else None
            )
        except IcaClientError as exc:
            done = (
                "the certificate files were written" if plan.changed and not check_mode else "no file changed"
            )
            raise IcaClientError(
                f"cannot rehash {plan.directory} ({done}): {exc.message}", **exc.details
            ) from exc
        links = dict(outcome.links)
        changed = changed or outcome.changed
        warnings.extend(outcome.warnings)
        rehash_facts = {"changed": outcome.changed, "created": outcome.created, "removed": outcome.removed}
    result = change_summary(plan, links=links)
    result["changed"] = changed
    result["rehash"] = rehash_facts
    diff = plan.diff()
    diff["before"] += _links_listing(plan.before.links)
    diff["after"] += _links_listing(links)
    result["diff"] = diff
    result["warnings"] = warnings
    return result, plan


def _overlay(plans: list[KeystorePlan]) -> dict[str, Optional[bytes]]:
    """The files ``plans`` write (name -> bytes) and remove (name -> None), for the rehash's check mode."""
    files: dict[str, Optional[bytes]] = {}
    for plan in plans:
        for change in plan.changes:
            files[change.name] = None if change.action == "remove" else (change.data or b"")
    return files


def _links_listing(links: dict[str, str]) -> str:
    return "".join(f"{link} -> {target}\n" for link, target in sorted(links.items()))


def _check_pin(plan: KeystorePlan, fingerprint: str) -> None:
    try:
        pinned = normalise_fingerprint(fingerprint)
    except IcaClientError as exc:
        raise IcaClientError(f"{plan.context}: {exc.message}") from exc
    found = [cert.fingerprint_sha256 for cert in plan.certificates]
    if found != [pinned]:
        raise IcaClientError(
            f"{plan.context}: its SHA-256 fingerprint is {', '.join(found)}, not the expected {pinned}",
            cause="fingerprint_mismatch",
        )


# ---------------------------------------------------------------------------
# Many certificates in one call


def folder_after(plan: KeystorePlan) -> FolderState:
    """The folder as it will be once ``plan`` is applied, to plan a further change against.

    The hash links stay as they were: the rehash comes after all changes.
    """
    files = plan.before.by_name()
    names = set(plan.before.names)
    for change in plan.changes:
        if change.action == "remove":
            files.pop(change.name, None)
            names.discard(change.name)
        elif change.cert is not None:
            # what is written is one PEM certificate, whatever form the input had
            cert = dataclasses.replace(change.cert, source_format="pem", position=1)
            files[change.name] = StoredFile(change.name, change.path, [cert])
            names.add(change.name)
    return FolderState(
        directory=plan.before.directory,
        exists=plan.before.exists or plan.create_directory,
        files=[files[name] for name in sorted(files)],
        links=dict(plan.before.links),
        names=names,
    )


def certificate_item_label(index: int, item: dict[str, Any]) -> str:
    """How messages name one item of ``certificates``: its index and its src (else name, fingerprint)."""
    what = item.get("src") or item.get("name") or item.get("fingerprint") or "(content)"
    return f"certificates[{index}] ({what})"


def _check_item(item: dict[str, Any], state: str) -> None:
    if item.get("src") is not None and item.get("content") is not None:
        raise IcaClientError("give src or content, not both")
    if state == "absent" and all(item.get(key) is None for key in ("src", "content", "name", "fingerprint")):
        raise IcaClientError("cannot remove a certificate: give src, content, name or fingerprint")


def ensure_certificates(
    *,
    icaroot: str,
    certificates: list[dict[str, Any]],
    kind: str = "root",
    state: str = "present",
    expired: str = "refuse",
    rehash: bool = True,
    check_mode: bool = False,
    now: Optional[datetime.datetime] = None,
) -> dict[str, Any]:
    """Add and remove many certificates as one change, then rehash each folder touched once.

    Each item holds the options of one :func:`ensure_certificate` call (``src``,
    ``content``, ``name``, ``fingerprint``, ``kind``, ``state``, ``expired``);
    a missing or None ``kind``, ``state`` or ``expired`` takes the argument of the
    same name. Every item is read and planned, against its folder as the items
    before it leave it, before anything is written: a refused item raises
    :class:`IcaClientError` naming it (``certificates[<index>] (<src>)``) and
    nothing changes. The writes of all items are one change: a failure undoes
    them all. With ``rehash`` every folder an item touches is rehashed once at the
    end (when it exists), also when no file in it changed: that repairs links.

    Returns the module result: ``changed``, ``certificates`` (per item the fields
    :func:`ensure_certificate` returns for one call, with ``state`` and the item's
    own ``changed``), ``rehash`` (folder -> what its rehash did, None when not
    run), ``diff`` (one per folder that changed) and ``warnings``.
    """
    plans: list[KeystorePlan] = []
    labels: list[str] = []
    warnings: list[str] = []
    original: dict[str, FolderState] = {}  # folder -> as it is now
    planned: dict[str, FolderState] = {}  # folder -> as the items so far leave it
    for index, item in enumerate(certificates):
        label = certificate_item_label(index, item)
        item_kind = item.get("kind") or kind
        item_state = item.get("state") or state
        try:
            _check_item(item, item_state)
            directory = keystore_dir(icaroot, item_kind)
            if directory not in planned:
                original[directory] = planned[directory] = scan_folder(directory, now=now)
            plan = plan_certificate(
                icaroot=icaroot,
                kind=item_kind,
                state=item_state,
                src=item.get("src"),
                content=item.get("content"),
                name=item.get("name"),
                fingerprint=item.get("fingerprint"),
                expired=item.get("expired") or expired,
                now=now,
                before=planned[directory],
            )
        except IcaClientError as exc:
            raise IcaClientError(f"{label}: {exc.message}", index=index, **exc.details) from exc
        planned[directory] = folder_after(plan)
        plans.append(plan)
        labels.append(label)
        warnings.extend(f"{label}: {warning}" for warning in plan.warnings)
    if not check_mode:
        apply_plans(plans, labels=labels)
    files_changed = any(plan.changed for plan in plans)

    # the folders in a fixed order (roots first), whatever the order of the items
    touched = [path for path in (keystore_dir(icaroot, each) for each in FOLDERS) if path in original]
    links = {directory: dict(original[directory].links) for directory in touched}
    rehash_facts: dict[str, Optional[dict[str, Any]]] = dict.fromkeys(touched)
    for directory in touched:
        folder_plans = [plan for plan in plans if plan.directory == directory]
        created = check_mode and any(plan.create_directory for plan in folder_plans)
        if not rehash or not (os.path.isdir(directory) or created):
            continue
        try:
            outcome = rehash_folder(
                directory, check_mode=check_mode, overlay=_overlay(folder_plans) if check_mode else None
            )
        except IcaClientError as exc:
            done = (
                "the certificate files were written"
                if files_changed and not check_mode
                else "no file changed"
            )
            raise IcaClientError(f"cannot rehash {directory} ({done}): {exc.message}", **exc.details) from exc
        links[directory] = dict(outcome.links)
        warnings.extend(outcome.warnings)
        rehash_facts[directory] = {
            "changed": outcome.changed,
            "created": outcome.created,
            "removed": outcome.removed,
        }

    entries = []
    for plan in plans:
        entry = change_summary(plan, links=links[plan.directory])
        entry["state"] = plan.state
        entry["changed"] = plan.changed
        entries.append(entry)
    diffs = []
    changed = files_changed
    for directory in touched:
        folder_plans = [plan for plan in plans if plan.directory == directory]
        facts = rehash_facts[directory]
        links_changed = bool(facts and facts["changed"])
        changed = changed or links_changed
        if not (links_changed or any(plan.changed for plan in folder_plans)):
            continue
        diff = folder_diff(original[directory], [change for plan in folder_plans for change in plan.changes])
        diff["before"] += _links_listing(original[directory].links)
        diff["after"] += _links_listing(links[directory])
        diffs.append(diff)
    return {
        "changed": changed,
        "certificates": entries,
        "rehash": rehash_facts,
        "diff": diffs,
        "warnings": warnings,
    }


# ---------------------------------------------------------------------------
# Reporting


def change_summary(plan: KeystorePlan, *, links: Optional[dict[str, str]] = None) -> dict[str, Any]:
    """The module result for ``plan``; ``links`` maps hash link names to target file names."""
    by_target: dict[str, list[str]] = {}
    for link, target in sorted((links or {}).items()):
        by_target.setdefault(os.path.basename(target), []).append(link)
    entries: list[dict[str, Any]] = []
    if plan.state == "present":
        planned = {change.cert.fingerprint_sha256: change for change in plan.changes if change.cert}
        seen: set[str] = set()
        for cert in plan.certificates:
            if cert.fingerprint_sha256 in seen:
                continue
            seen.add(cert.fingerprint_sha256)
            change = planned.get(cert.fingerprint_sha256)
            file_name = change.name if change else plan.present[cert.fingerprint_sha256]
            action = {"create": "created", "replace": "replaced"}[change.action] if change else "present"
            entries.append(_entry(cert, plan.directory, file_name, action, by_target))
    else:
        for change in plan.changes:
            if change.cert is not None:
                entries.append(_entry(change.cert, plan.directory, change.name, "removed", {}))
            else:
                entries.append({"file": change.name, "path": change.path, "action": "removed"})
    first = entries[0] if entries else {}
    hash_links = sorted(link for entry in entries for link in entry.get("hash_links", []))
    return {
        "kind": plan.kind,
        "folder": plan.directory,
        "certificates": entries,
        "subject": first.get("subject"),
        "issuer": first.get("issuer"),
        "fingerprint": first.get("fingerprint"),
        "not_after": first.get("not_after"),
        "key_type": first.get("key_type"),
        "key_bits": first.get("key_bits"),
        "subject_hash": first.get("subject_hash"),
        "hash_link": hash_links[0] if hash_links else None,
        "hash_links": hash_links,
        "paths": [change.path for change in plan.changes if change.action != "remove"],
        "removed": [change.path for change in plan.changes if change.action == "remove"],
    }


def _entry(
    cert: CertInfo, directory: str, file_name: str, action: str, by_target: dict[str, list[str]]
) -> dict:
    return {
        "file": file_name,
        "path": os.path.join(directory, file_name),
        "action": action,
        "subject": cert.subject,
        "issuer": cert.issuer,
        "fingerprint": cert.fingerprint_sha256,
        "serial": cert.serial,
        "not_before": cert.not_before,
        "not_after": cert.not_after,
        "key_type": cert.key_type,
        "key_bits": cert.key_bits,
        "is_ca": cert.is_ca,
        "self_signed": cert.self_signed,
        "subject_hash": cert.subject_hash,
        "hash_links": by_target.get(file_name, []),
    }


# ---------------------------------------------------------------------------
# Audit

_EXPIRED = CLIENT_ERRORS[70]
_KEY_TOO_LONG = CLIENT_ERRORS[79]

#: Problem codes the audit reports, with what each means for the client.
PROBLEMS = {
    "expired": f"the certificate has expired; chains through it fail (client error {_EXPIRED.number})",
    "expires_soon": "the certificate expires within the warning window",
    "key_over_4096": f"the key is over 4096 bits; the client does not support it (client error {_KEY_TOO_LONG.number})",
    "not_ca": "not a CA certificate; it cannot anchor or link a chain",
    "not_self_signed": "a root that is not self-signed; OpenSSL does not accept it as a trust anchor",
    "unlinked": "no correct subject-hash link; the client does not see it until the folder is rehashed",
    "bundle": "several certificates in one file; the client loads none of them (split it)",
    "der": "DER encoded; the client loads PEM only (convert it)",
    "pkcs7": "PKCS#7 file; the client loads single PEM certificates only (split it)",
    "ignored_name": "the file name does not end in .pem, .crt, .cer or .crl; rehash ignores it",
    "duplicate": "the same certificate is in another file of the folder",
    "unparsable": "a certificate file that cannot be parsed",
    "not_a_file": "not a file: a dangling link, or a folder, device, FIFO or socket; nothing to load",
    "private_key": "a private key lies in the keystore, readable by every user; remove it",
    "stale_link": "a hash link the next rehash replaces or removes: the client does not find the right certificate by it",
}


def audit_keystore(
    *,
    icaroot: Optional[str] = None,
    path: Optional[str] = None,
    kind: Optional[str] = None,
    expiry_warning_days: int = 30,
    now: Optional[datetime.datetime] = None,
) -> dict[str, Any]:
    """Audit both folders under ``icaroot``, or only the folder ``path``.

    ``kind`` says what ``path`` holds; by default ``intermediate`` for a folder
    named ``intcerts``, else ``root``. A missing ICAROOT or ``path`` is an error
    (a typo should not pass as an empty keystore); a missing ``intcerts`` is not.
    """
    if path is not None:
        if not os.path.isdir(path):
            raise IcaClientError(f"cannot audit keystore folder {path}: it does not exist or is not a folder")
        if kind is None:
            kind = "intermediate" if os.path.basename(os.path.normpath(path)) == "intcerts" else "root"
        folders = [(kind, path)]
    elif icaroot is not None:
        if not os.path.isdir(icaroot):
            raise IcaClientError(
                f"cannot audit the keystore: ICAROOT {icaroot} does not exist (is the Citrix Workspace app installed?)"
            )
        folders = [(each, keystore_dir(icaroot, each)) for each in ("root", "intermediate")]
    else:
        raise IcaClientError("cannot audit the keystore: give icaroot or path")
    when = now or datetime.datetime.now(datetime.timezone.utc)
    reports = [
        audit_folder(path, kind=kind, expiry_warning_days=expiry_warning_days, now=when)
        for kind, path in folders
    ]
    certificates = [entry for report in reports for entry in report["certificates"]]
    problems = [problem for report in reports for problem in report["problems"]]
    counts: dict[str, int] = {}
    for problem in problems:
        counts[problem["problem"]] = counts.get(problem["problem"], 0) + 1
    return {
        "folders": reports,
        "certificates": certificates,
        "problems": problems,
        "summary": {
            "certificates": sum(1 for entry in certificates if entry.get("fingerprint")),
            "roots": sum(1 for entry in certificates if entry.get("fingerprint") and entry["kind"] == "root"),
            "intermediates": sum(
                1 for entry in certificates if entry.get("fingerprint") and entry["kind"] == "intermediate"
            ),
            "ok": sum(1 for entry in certificates if entry.get("fingerprint") and not entry["problems"]),
            "with_problems": sum(1 for entry in certificates if entry["problems"]),
            "problems": len(problems),
            "by_problem": dict(sorted(counts.items())),
        },
    }


def audit_folder(
    directory: str, *, kind: str, expiry_warning_days: int = 30, now: Optional[datetime.datetime] = None
) -> dict[str, Any]:
    """Every certificate file of one folder with its facts, links and problems.

    Which hash links are right is what the rehash plans (:func:`plan_rehash`):
    a link the next rehash would keep is right, any other is stale.
    """
    state = scan_folder(directory, now=now)
    plan: Optional[RehashPlan] = None
    if state.exists:
        try:
            plan = plan_rehash(directory)
        except IcaClientError as exc:
            raise IcaClientError(f"cannot audit keystore folder {directory}: {exc.message}") from exc
    kept = {link: target for link, target in state.links.items() if plan and plan.after.get(link) == target}
    linked_targets: dict[str, list[str]] = {}
    for link, target in kept.items():
        linked_targets.setdefault(target, []).append(link)
    linked_files = plan.linked_files if plan else {}
    duplicates = plan.duplicates if plan else {}

    entries: list[dict[str, Any]] = []
    for stored in state.files:
        if (
            stored.error is not None
            and not stored.has_rehash_suffix
            and stored.regular
            and not stored.private_keys
        ):
            continue  # a README beside the certificates is not the keystore's business
        file_codes = _file_codes(stored)
        if stored.error is not None:
            codes = file_codes + ([] if stored.private_keys or not stored.regular else ["unparsable"])
            entries.append(_audit_entry(stored, None, kind, codes, [], stored.error))
            continue
        for cert in stored.certs:
            codes = list(file_codes)
            codes.extend(code for code, _text in keystore_problems(cert, kind=kind))
            if not cert.expired and cert.days_left < expiry_warning_days:
                codes.append("expires_soon")
            links = sorted(linked_targets.get(stored.name, []))
            if stored.name in duplicates:
                codes.append("duplicate")
            elif stored.name in linked_files and not links:
                codes.append("unlinked")
            entries.append(_audit_entry(stored, cert, kind, codes, links, None))
    folder_problems: list[dict[str, Any]] = []
    for entry in entries:
        for code in entry["problems"]:
            folder_problems.append(
                {
                    "path": entry["path"],
                    "file": entry["file"],
                    "kind": kind,
                    "problem": code,
                    "message": PROBLEMS[code],
                }
            )
    stale = []
    for link, target in sorted(state.links.items()):
        if link in kept or plan is None:
            continue
        problem = _why_stale(link, target, plan)
        stale.append({"link": link, "target": target, "problem": problem})
        folder_problems.append(
            {
                "path": os.path.join(directory, link),
                "file": link,
                "kind": kind,
                "problem": "stale_link",
                "message": f"{PROBLEMS['stale_link']}: {problem}",
            }
        )
    return {
        "kind": kind,
        "path": directory,
        "exists": state.exists,
        "certificates": entries,
        "links": {link: state.links[link] for link in sorted(state.links)},
        "stale_links": stale,
        "problems": folder_problems,
    }


def _file_codes(stored: StoredFile) -> list[str]:
    codes = []
    if not stored.regular:
        codes.append("not_a_file")
    if not stored.has_rehash_suffix:
        codes.append("ignored_name")
    if stored.private_keys:
        codes.append("private_key")
    if stored.fmt == "pkcs7":
        codes.append("pkcs7")
    elif len(stored.certs) > 1:
        codes.append("bundle")
    if stored.fmt == "der":
        codes.append("der")
    return codes


def _why_stale(link: str, target: str, plan: RehashPlan) -> str:
    """Why the rehash plan does not keep hash link ``link`` (it points at ``target``)."""
    name = hash_link_name(link)
    if name is None or name.index is None:
        return "a name OpenSSL never opens (it looks up lower-case HHHHHHHH.N only)"
    suffix = "r" if name.kind else ""
    bucket = plan.linked_files.get(target)
    if bucket is not None:
        if bucket != (name.kind, name.hash):
            return f"points at {target}, whose subject hash is {bucket[1]}"
        linked = sorted(each for each, to in plan.after.items() if to == target and each != link)
        return f"one link too many: {target} is linked as {', '.join(linked)}"
    if target in plan.duplicates:
        return f"points at {target}, a duplicate of {plan.duplicates[target]}"
    if target in plan.skipped:
        return f"points at {target}, which rehash does not link: {plan.skipped[target]}"
    if "/" in target or target in (".", ".."):
        return f"points at {target}, not at a file of the folder, and reaches no certificate with hash {name.hash}.{suffix}"
    if not os.path.lexists(os.path.join(plan.directory, target)):
        return f"dangling ({target} does not exist)"
    return f"points at {target}, which rehash does not link"


def _audit_entry(
    stored: StoredFile,
    cert: Optional[CertInfo],
    kind: str,
    codes: list[str],
    links: list[str],
    error: Optional[str],
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "kind": kind,
        "file": stored.name,
        "path": stored.path,
        "format": stored.fmt,
        "problems": sorted(set(codes), key=codes.index),
        "error": error,
        "hash_links": links,
        "linked": bool(links),
        "link": stored.link_target,
        "leaves_folder": not stored.inside,
    }
    if cert is None:
        entry.update(dict.fromkeys(("subject", "issuer", "fingerprint", "not_after", "key_type", "key_bits")))
        return entry
    entry.update(
        {
            "position": cert.position,
            "subject": cert.subject,
            "issuer": cert.issuer,
            "fingerprint": cert.fingerprint_sha256,
            "serial": cert.serial,
            "not_before": cert.not_before,
            "not_after": cert.not_after,
            "expired": cert.expired,
            "days_left": cert.days_left,
            "key_type": cert.key_type,
            "key_bits": cert.key_bits,
            "is_ca": cert.is_ca,
            "self_signed": cert.self_signed,
            "subject_hash": cert.subject_hash,
        }
    )
    return entry
