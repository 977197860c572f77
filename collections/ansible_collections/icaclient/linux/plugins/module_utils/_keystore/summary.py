# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""What a keystore change did, as the keystore_cert module returns it.

PRIVATE: this is not a public API of the collection.
"""

from __future__ import annotations

import os
from typing import Any, Optional

from .._x509.certs import CertInfo
from .plan import KeystorePlan


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


def certificate_fields(cert: CertInfo) -> dict[str, Any]:
    """The facts of one certificate that keystore_cert and keystore_info return, by the same names."""
    return {
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
    }


def _entry(
    cert: CertInfo, directory: str, file_name: str, action: str, by_target: dict[str, list[str]]
) -> dict:
    return {
        "file": file_name,
        "path": os.path.join(directory, file_name),
        "action": action,
        **certificate_fields(cert),
        "hash_links": by_target.get(file_name, []),
    }
