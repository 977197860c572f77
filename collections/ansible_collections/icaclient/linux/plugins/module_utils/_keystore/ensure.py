# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The keystore_cert operation: one certificate, or many in one call, planned then applied.

PRIVATE: this is not a public API of the collection.

Several certificates in one call (:func:`ensure_certificates`) are planned one
after another, each against its folder as the ones before it leave it
(:func:`folder_after`), all before anything is written; the plans are then
applied as one change (:func:`apply_plans`) and each folder is rehashed once.
"""

from __future__ import annotations

import dataclasses
import datetime
import os
from typing import Any, Optional

from .._errors import IcaClientError
from .._rehash import rehash as rehash_folder
from .._x509.encoding import normalise_fingerprint
from .folder import FOLDERS, MAX_FILE_BYTES, FolderState, StoredFile, keystore_dir, scan_folder
from .plan import KeystorePlan, apply_plan, apply_plans, folder_diff, plan_add, plan_remove
from .summary import change_summary


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
