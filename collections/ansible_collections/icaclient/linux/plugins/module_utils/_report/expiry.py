# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""Expiry forecast: the certificates that expire within the window, per host and per certificate.

Two sources per host: the keystore's roots and intermediates (keystore_info's ``certificates``,
as compliance.yml hands them: ``kind``, ``file``, ``subject``, ``fingerprint``, ``not_after``,
``days_left``) and the chain each gateway presents (connection_probe's ``chain``: per
certificate ``subject``, ``issuer``, ``fingerprint``, ``not_after``, ``days_left``, the leaf
first; a result without it, from an older probe or a host whose Python cannot read the chain,
gives its leaf's ``subject``, ``not_after`` and ``days_left``, known by subject and date). An
expired certificate is a failure, one within the window a warning. The fleet view groups the
hosts by certificate in one pass over the hosts' ``expiry`` checks, so that a merge of report
slices rebuilds it too; the findings make one finding per certificate (:func:`certificate_causes`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Optional

DEFAULT_DAYS = 90
CHECK_ID = "expiry"
KIND = "expiry"
_FIX_KEYSTORE = "replace the keystore certificate with a renewed one (icaclient_keystore role), then rehash"
_FIX_GATEWAY = "renew the gateway's certificate (and the intermediates it sends) on the server"


def _date(value: Any) -> str:
    return str(value or "")[:10]


def _entry(source: str, cert: Mapping[str, Any], fingerprint: Optional[str]) -> Optional[dict[str, Any]]:
    days = cert.get("days_left")
    if isinstance(days, bool) or not isinstance(days, int) or not cert.get("not_after"):
        return None
    entry = {
        "source": source,
        "subject": str(cert.get("subject") or ""),
        "fingerprint": fingerprint,
        "not_after": str(cert["not_after"]),
        "days_left": days,
        "status": "fail" if days < 0 else "warn",
    }
    if cert.get("file"):
        entry["file"] = str(cert["file"])
    return entry


def expiring_certificates(raw: Mapping[str, Any], days: int) -> Optional[list[dict[str, Any]]]:
    """The host's certificates that expired or expire within ``days``, soonest first; None when
    the host reported no certificate facts at all (nothing to forecast)."""
    seen = False
    found: list[dict[str, Any]] = []
    keystore = raw.get("keystore")
    if isinstance(keystore, Mapping) and isinstance(keystore.get("certificates"), list):
        seen = True
        for cert in keystore["certificates"]:
            if isinstance(cert, Mapping):
                kind = "intermediate" if cert.get("kind") == "intermediate" else "root"
                entry = _entry(f"keystore {kind}", cert, cert.get("fingerprint"))
                if entry is not None and entry["days_left"] <= days:
                    found.append(entry)
    probes = raw.get("probes")
    if isinstance(probes, Mapping):
        for result in probes.get("results") or []:
            if not isinstance(result, Mapping):
                continue
            # The chain the gateway presented; a result without one (an older probe, Python 3.9
            # on the host) gives its leaf's facts alone.
            chain = result.get("chain")
            for cert in (
                chain if isinstance(chain, list) and chain else [result] if result.get("not_after") else ()
            ):
                if not isinstance(cert, Mapping):
                    continue
                seen = True
                entry = _entry(str(result.get("target")), cert, cert.get("fingerprint"))
                if entry is not None and entry["days_left"] <= days:
                    found.append(entry)
    if not seen:
        return None
    found.sort(key=lambda e: (e["days_left"], e["subject"], e["source"]))
    return found


def _describe(entry: Mapping[str, Any]) -> str:
    when = _date(entry["not_after"])
    days = entry["days_left"]
    state = f"expired {when}" if days < 0 else f"expires {when}, in {days} days"
    return f"{entry['subject'] or '(empty subject)'} ({entry['source']}, {state})"


def _certificates(count: int) -> str:
    return "1 certificate" if count == 1 else f"{count} certificates"


def _fix(sources: Iterable[str]) -> str:
    in_keystore = [source.startswith("keystore") for source in sources]
    fixes = []
    if not all(in_keystore):
        fixes.append(_FIX_GATEWAY)
    if any(in_keystore):
        fixes.append(_FIX_KEYSTORE)
    return "; ".join(fixes)


def expiry_check_fields(raw: Mapping[str, Any], days: int) -> Optional[dict[str, Any]]:
    """Status, message, fix and details of the host's expiry check; None when nothing to check."""
    found = expiring_certificates(raw, days)
    if found is None:
        return None
    details = {"window_days": days, "certificates": found}
    if not found:
        return {
            "status": "pass",
            "message": f"no certificate expires within {days} days",
            "fix": None,
            "details": details,
        }
    expired = sum(1 for e in found if e["status"] == "fail")
    soon = len(found) - expired
    counts = [
        f"{_certificates(expired)} expired" if expired else "",
        f"{_certificates(soon)} {'expires' if soon == 1 else 'expire'} within {days} days" if soon else "",
    ]
    message = f"{', '.join(c for c in counts if c)}: {'; '.join(_describe(e) for e in found)}"
    return {
        "status": "fail" if expired else "warn",
        "message": message,
        "fix": _fix(e["source"] for e in found),
        "details": details,
    }


def covered(fields: Optional[Mapping[str, Any]]) -> tuple[set[str], set[str]]:
    """(keystore files, probe targets) whose expiring certificates the expiry check reports: the
    keystore audit's and the probe's own expiry warnings about them are left to it."""
    files: set[str] = set()
    sources: set[str] = set()
    for entry in (fields or {}).get("details", {}).get("certificates") or []:
        if entry.get("file"):
            files.add(entry["file"])
        sources.add(entry["source"])
    return files, sources


def certificate_causes(check: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One cause per certificate of a host's expiry check (its ``certificate``: the fingerprint,
    or subject and date), with the status, the cause (subject, fingerprint, date) and the fix."""
    by_certificate: dict[tuple, dict[str, Any]] = {}
    details = check.get("details") or {}
    window = details.get("window_days", DEFAULT_DAYS)
    for cert in details.get("certificates") or []:
        key = _identity(cert)
        cause = by_certificate.get(key)
        if cause is None:
            fingerprint = f" (SHA-256 {cert['fingerprint']})" if cert.get("fingerprint") else ""
            when = _date(cert["not_after"])
            state = f"expired {when}" if cert["status"] == "fail" else f"expires {when}, within {window} days"
            cause = by_certificate[key] = {
                "certificate": ":".join(str(part) for part in key[1:]),
                "status": cert["status"],
                "cause": f"{cert['subject'] or '(empty subject)'}{fingerprint} {state}",
                "sources": [],
            }
        cause["sources"].append(cert["source"])
    return [
        {
            "certificate": cause["certificate"],
            "status": cause["status"],
            "cause": cause["cause"],
            "fix": _fix(cause["sources"]),
        }
        for cause in by_certificate.values()
    ]


def _identity(entry: Mapping[str, Any]) -> tuple:
    if entry.get("fingerprint"):
        return ("fingerprint", entry["fingerprint"])
    return ("name", entry["subject"], entry["not_after"])


def forecast(entries: Iterable[Mapping[str, Any]], *, days: Optional[int] = None) -> dict[str, Any]:
    """The fleet's forecast from the report's host entries: ``days`` (the window), ``expired``
    and ``expiring`` (certificate counts) and ``certificates`` grouped by certificate (subject,
    fingerprint or null, not_after, days_left: the fewest any host saw, status, sources, hosts),
    the soonest first. One pass over the hosts' ``expiry`` checks."""
    groups: dict[tuple, dict[str, Any]] = {}
    window = days
    for entry in entries:
        for check in entry["checks"]:
            if check["id"] != CHECK_ID:
                continue
            details = check.get("details") or {}
            if window is None and isinstance(details.get("window_days"), int):
                window = details["window_days"]
            for cert in details.get("certificates") or []:
                key = _identity(cert)
                group = groups.get(key)
                if group is None:
                    group = groups[key] = {
                        "subject": cert["subject"],
                        "fingerprint": cert.get("fingerprint"),
                        "not_after": cert["not_after"],
                        "days_left": cert["days_left"],
                        "status": cert["status"],
                        "sources": [],
                        "host_count": 0,
                        "hosts": [],
                    }
                if cert["days_left"] < group["days_left"]:
                    group["days_left"] = cert["days_left"]
                    group["status"] = cert["status"]
                if cert["source"] not in group["sources"]:
                    group["sources"].append(cert["source"])
                if not group["hosts"] or group["hosts"][-1] != entry["host"]:
                    group["hosts"].append(entry["host"])
    certificates = sorted(groups.values(), key=lambda g: (g["not_after"], g["subject"]))
    for group in certificates:
        group["hosts"].sort()
        group["sources"].sort()
        group["host_count"] = len(group["hosts"])
    return {
        "days": DEFAULT_DAYS if window is None else window,
        "expired": sum(1 for g in certificates if g["status"] == "fail"),
        "expiring": sum(1 for g in certificates if g["status"] == "warn"),
        "certificates": certificates,
    }
