# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""Planning and applying the adding or removing of CA certificates in one keystore folder.

PRIVATE: this is not a public API of the collection.

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
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass
from typing import Optional

from .._errors import IcaClientError, failing_as
from .._rehash import (
    hash_link_name,
)
from .._transaction import MKDIR, REMOVE, Step, TransactionError, apply
from .._x509.certs import CertInfo, load_certificates
from .._x509.checks import check_for_keystore
from .._x509.encoding import normalise_fingerprint, slug
from .folder import FolderState, StoredFile, keystore_dir, scan_folder

_SOURCE_EXTENSIONS = (".pem", ".crt", ".cer", ".der", ".cert", ".p7b", ".p7c", ".txt", ".ca-bundle")


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
    with failing_as(context):
        certs = load_certificates(data, now=now)
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
    return _plan("present", kind, directory, label, context, before, certs, changes, warnings, present)


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
        with failing_as(context):
            certs = load_certificates(data, now=now)
        fingerprints.update(cert.fingerprint_sha256 for cert in certs)
    if fingerprint is not None:
        with failing_as(context):
            fingerprints.add(normalise_fingerprint(fingerprint))

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
    return _plan("absent", kind, directory, label, context, before, certs, changes, warnings)


def _plan(
    state: str,
    kind: str,
    directory: str,
    label: str,
    context: str,
    before: FolderState,
    certs: list[CertInfo],
    changes: list[FileChange],
    warnings: list[str],
    present: Optional[dict[str, str]] = None,
) -> KeystorePlan:
    """The one place a plan is made: adding creates a missing folder, removing never does."""
    return KeystorePlan(
        state=state,
        kind=kind,
        directory=directory,
        label=label,
        context=context,
        certificates=certs,
        changes=changes,
        present=present or {},
        warnings=warnings,
        create_directory=state == "present" and not before.exists,
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
