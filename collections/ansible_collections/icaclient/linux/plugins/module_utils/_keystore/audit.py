# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""The keystore audit: every certificate and hash link of both folders, and what the client will make of them.

PRIVATE: this is not a public API of the collection.
"""

from __future__ import annotations

import datetime
import os
from typing import Any, Optional

from .._client_errors import CLIENT_ERRORS
from .._errors import IcaClientError, failing_as
from .._rehash import (
    RehashPlan,
    hash_link_name,
    plan_rehash,
)
from .._x509.certs import CertInfo
from .._x509.checks import keystore_problems
from .folder import StoredFile, keystore_dir, scan_folder
from .summary import certificate_fields

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
        with failing_as(f"cannot audit keystore folder {directory}"):
            plan = plan_rehash(directory)
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
        position=cert.position, expired=cert.expired, days_left=cert.days_left, **certificate_fields(cert)
    )
    return entry
