# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""The keystore_cert operation: a list of certificates in one call, planned then applied.

Each certificate (or bundle) is a :class:`CertificateItem` (keystore_cert's options of one
certificate are a list of one item). The items of a call
(:func:`ensure_certificates`) are planned one after another, each against its folder
as the ones before it leave it (:func:`folder_after`), all before anything is written;
the plans are then applied as one change (:func:`apply_plans`) and each folder is
rehashed once.
"""

from __future__ import annotations

import dataclasses
import datetime
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

from .._errors import IcaClientError, failing_as
from .._rehash import rehash as rehash_folder
from .._x509.encoding import normalise_fingerprint
from .folder import FOLDERS, MAX_FILE_BYTES, FolderState, StoredFile, keystore_dir, scan_folder
from .plan import KeystorePlan, apply_plans, folder_diff, plan_add, plan_remove
from .summary import change_summary


@dataclass(frozen=True)
class CertificateItem:
    """One certificate (or bundle) to add or remove, as keystore_cert's options give it.

    ``src`` (a file on this host) or ``content`` (PEM text) is the certificate; ``name`` the
    file name to store it under (or to remove by); ``fingerprint`` pins it (or removes by it).
    ``kind``, ``state`` and ``expired`` left None take the call's (see :meth:`resolved`).
    """

    src: Optional[str] = None
    content: Optional[str] = None
    name: Optional[str] = None
    fingerprint: Optional[str] = None
    kind: Optional[str] = None
    state: Optional[str] = None
    expired: Optional[str] = None

    @classmethod
    def from_options(cls, options: Mapping[str, Any]) -> CertificateItem:
        """An item from a mapping of options (an entry of ``certificates``); other keys are ignored."""
        return cls(**{field.name: options.get(field.name) for field in dataclasses.fields(cls)})

    def resolved(
        self, *, kind: str = "root", state: str = "present", expired: str = "refuse"
    ) -> CertificateItem:
        """The item with the call's ``kind``, ``state`` and ``expired`` where it has none of its own."""
        return dataclasses.replace(
            self, kind=self.kind or kind, state=self.state or state, expired=self.expired or expired
        )

    def label(self, index: int) -> str:
        """How messages name the item: its index and its src (else name, fingerprint)."""
        return f"certificates[{index}] ({self.src or self.name or self.fingerprint or '(content)'})"

    def check(self) -> None:
        """Refuse an item that says too much or too little (for its resolved state)."""
        if self.src is not None and self.content is not None:
            raise IcaClientError("give src or content, not both")
        if self.state == "absent" and all(
            value is None for value in (self.src, self.content, self.name, self.fingerprint)
        ):
            raise IcaClientError("cannot remove a certificate: give src, content, name or fingerprint")


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
    item: CertificateItem,
    *,
    icaroot: str,
    now: Optional[datetime.datetime] = None,
    before: Optional[FolderState] = None,
) -> KeystorePlan:
    """Read the input of one item and plan it (nothing is written).

    ``state=present`` needs ``src`` or ``content``; ``fingerprint`` then pins it.
    ``before`` is the folder to plan against (see :func:`plan_add`).
    """
    item = item.resolved()
    source_name = os.path.basename(item.src) if item.src else None
    data: Optional[bytes] = None
    if item.src is not None:
        verb, where = ("add", "to") if item.state == "present" else ("remove", "from")
        context = (
            f"cannot {verb} {item.kind} certificate {source_name} {where} {keystore_dir(icaroot, item.kind)}"
        )
        data = read_source(item.src, context=context)
    elif item.content is not None:
        data = item.content.encode("utf-8")
    found = {
        "icaroot": icaroot,
        "kind": item.kind,
        "data": data,
        "source_name": source_name,
        "name": item.name,
    }
    if item.state == "absent":
        return plan_remove(**found, fingerprint=item.fingerprint, now=now, before=before)
    if data is None:
        raise IcaClientError("cannot add a certificate: give src or content")
    plan = plan_add(**found, expired=item.expired, now=now, before=before)
    if item.fingerprint is not None:
        _check_pin(plan, item.fingerprint)
    return plan


def _rehashed(
    directory: str, plans: list[KeystorePlan], *, rehash: bool, check_mode: bool, written: bool
) -> Optional[tuple[dict[str, str], dict[str, Any], list[str]]]:
    """Rehash ``directory`` after ``plans`` (predicted in check mode): (links, what the rehash did,
    warnings), or None when not run (``rehash`` off, or no folder, nor one a plan creates).
    ``written``: whether the call changed certificate files (a failure says so)."""
    # check mode plans the rehash on the folder as the real run leaves it (created, if it must be)
    created = check_mode and any(plan.create_directory for plan in plans)
    if not rehash or not (os.path.isdir(directory) or created):
        return None
    done = "the certificate files were written" if written and not check_mode else "no file changed"
    with failing_as(f"cannot rehash {directory} ({done})"):
        outcome = rehash_folder(
            directory, check_mode=check_mode, overlay=_overlay(plans) if check_mode else None
        )
    facts = {"changed": outcome.changed, "created": outcome.created, "removed": outcome.removed}
    return dict(outcome.links), facts, list(outcome.warnings)


def _with_links(diff: dict[str, str], before: dict[str, str], after: dict[str, str]) -> dict[str, str]:
    diff["before"] += _links_listing(before)
    diff["after"] += _links_listing(after)
    return diff


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
    with failing_as(plan.context):
        pinned = normalise_fingerprint(fingerprint)
    found = [cert.fingerprint_sha256 for cert in plan.certificates]
    if found != [pinned]:
        raise IcaClientError(
            f"{plan.context}: its SHA-256 fingerprint is {', '.join(found)}, not the expected {pinned}",
            cause="fingerprint_mismatch",
        )


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


def ensure_certificates(
    *,
    icaroot: str,
    certificates: list[CertificateItem | Mapping[str, Any]],
    kind: str = "root",
    state: str = "present",
    expired: str = "refuse",
    rehash: bool = True,
    check_mode: bool = False,
    now: Optional[datetime.datetime] = None,
) -> dict[str, Any]:
    """Add and remove many certificates as one change, then rehash each folder touched once.

    Each item is a :class:`CertificateItem` (or a mapping of its options); a missing
    or None ``kind``, ``state`` or ``expired`` takes the argument of the same name.
    Every item is read and planned, against its folder as the items before it leave
    it, before anything is written: a refused item raises :class:`IcaClientError`
    naming it (``certificates[<index>] (<src>)``) and nothing changes. The writes of
    all items are one change: a failure undoes them all. With ``rehash`` every folder
    an item touches is rehashed once at the end (when it exists), also when no file
    in it changed: that repairs links.

    Returns the module result: ``changed``, ``certificates`` (per item the fields
    of :func:`.summary.change_summary`, with ``state`` and the item's own ``changed``), ``rehash`` (folder -> what its rehash did, None when not
    run), ``diff`` (one per folder that changed) and ``warnings``.
    """
    plans: list[KeystorePlan] = []
    labels: list[str] = []
    warnings: list[str] = []
    original: dict[str, FolderState] = {}  # folder -> as it is now
    planned: dict[str, FolderState] = {}  # folder -> as the items so far leave it
    for index, given in enumerate(certificates):
        item = given if isinstance(given, CertificateItem) else CertificateItem.from_options(given)
        item = item.resolved(kind=kind, state=state, expired=expired)
        label = item.label(index)
        with failing_as(label, index=index):
            item.check()
            directory = keystore_dir(icaroot, item.kind)
            if directory not in planned:
                original[directory] = planned[directory] = scan_folder(directory, now=now)
            plan = plan_certificate(item, icaroot=icaroot, now=now, before=planned[directory])
        planned[directory] = folder_after(plan)
        plans.append(plan)
        labels.append(label)
        warnings.extend(f"{label}: {warning}" for warning in plan.warnings)
    if not check_mode:
        apply_plans(plans, labels=labels)

    # the folders in a fixed order (roots first), whatever the order of the items
    touched = [path for path in (keystore_dir(icaroot, each) for each in FOLDERS) if path in original]
    links = {directory: dict(original[directory].links) for directory in touched}
    rehash_facts: dict[str, Optional[dict[str, Any]]] = dict.fromkeys(touched)
    diffs = []
    changed = files_changed = any(plan.changed for plan in plans)
    for directory in touched:
        folder_plans = [plan for plan in plans if plan.directory == directory]
        rehashed = _rehashed(
            directory, folder_plans, rehash=rehash, check_mode=check_mode, written=files_changed
        )
        if rehashed is not None:
            links[directory], rehash_facts[directory], rehash_warnings = rehashed
            warnings.extend(rehash_warnings)
        links_changed = bool(rehash_facts[directory] and rehash_facts[directory]["changed"])
        changed = changed or links_changed
        if links_changed or any(plan.changed for plan in folder_plans):
            diff = folder_diff(
                original[directory], [change for plan in folder_plans for change in plan.changes]
            )
            diffs.append(_with_links(diff, original[directory].links, links[directory]))

    entries = []
    for plan in plans:
        entry = change_summary(plan, links=links[plan.directory])
        entry["state"] = plan.state
        entry["changed"] = plan.changed
        entries.append(entry)
    return {
        "changed": changed,
        "certificates": entries,
        "rehash": rehash_facts,
        "diff": diffs,
        "warnings": warnings,
    }
