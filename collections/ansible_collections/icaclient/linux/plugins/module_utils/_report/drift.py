# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""Drift since the last run: what is new, what was fixed and what stays, per finding and per host.

A problem is one host's check that did not pass, identified by the host, the check and the
cause of its finding (status, client error, the message without host-specific parts, the fix):
the same check failing for another reason is a new problem, and the old one is fixed. A host
that left the fleet takes its problems with it (listed as removed, not as fixed); a host that
joined brings its problems as new. Everything is one pass over each report: linear in hosts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Optional


def _key(finding: Mapping[str, Any]) -> tuple:
    return (
        finding["check"],
        finding["status"],
        str(finding.get("client_error")),
        finding["cause"],
        finding.get("fix"),
    )


def _problems(findings: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str, Optional[str]], tuple]:
    """(host, check id, certificate) -> the key of the finding that holds it (``certificate``: an
    expiry finding's certificate, one problem per certificate; None for the other checks)."""
    return {
        (host, finding["check"], finding.get("certificate")): _key(finding)
        for finding in findings
        for host in finding["hosts"]
    }


def _finding_summary(finding: Mapping[str, Any]) -> dict[str, Any]:
    return {
        key: finding.get(key)
        for key in ("check", "name", "kind", "status", "client_error", "cause", "fix", "host_count", "hosts")
    }


def compare_reports(
    *,
    hosts: Iterable[Mapping[str, Any]],
    findings: Iterable[Mapping[str, Any]],
    baseline: Mapping[str, Any],
) -> dict[str, Any]:
    """The drift of a report (its ``hosts`` and ``findings``) since ``baseline`` (a report.json).

    Returns ``baseline`` (its title, generated, schema), ``summary`` (counts), ``findings``
    (one per current finding, in its order: ``number``, ``drift`` V(new) or V(stays),
    ``new_hosts`` and ``fixed_hosts`` of that cause), ``fixed`` (the baseline's findings that
    no host of the fleet has any more), ``hosts`` (each host with something new, fixed or staying: check ids
    under ``new``, ``fixed``, ``stays``), ``hosts_added`` and ``hosts_removed``.
    """
    findings = list(findings)
    now = _problems(findings)
    before = _problems(baseline["findings"])
    names_now = [str(entry["host"]) for entry in hosts]
    present = set(names_now)
    before_hosts = {str(entry["host"]) for entry in baseline["hosts"]}

    per_host: dict[str, dict[str, list[str]]] = {}

    def slot(host: str) -> dict[str, list[str]]:
        entry = per_host.get(host)
        if entry is None:
            entry = per_host[host] = {"new": [], "fixed": [], "stays": []}
        return entry

    for problem, key in now.items():
        slot(problem[0])["stays" if before.get(problem) == key else "new"].append(problem[1])
    for problem, key in before.items():
        if problem[0] in present and now.get(problem) != key:
            slot(problem[0])["fixed"].append(problem[1])

    # Per cause: the hosts whose problem is new, and those the baseline had and no longer have.
    by_key_before: dict[tuple, Mapping[str, Any]] = {_key(f): f for f in baseline["findings"]}
    drift_findings = []
    for finding in findings:
        key = _key(finding)
        old = by_key_before.get(key)
        old_hosts = set(old["hosts"]) if old else set()
        current = set(finding["hosts"])
        drift_findings.append(
            {
                "number": finding["number"],
                "drift": "stays" if old else "new",
                "new_hosts": [h for h in finding["hosts"] if h not in old_hosts],
                "fixed_hosts": sorted(h for h in old_hosts - current if h in present),
            }
        )
    current_keys = {_key(f) for f in findings}
    fixed = [
        {**_finding_summary(f), "hosts": sorted(h for h in f["hosts"] if h in present)}
        for f in baseline["findings"]
        if _key(f) not in current_keys
    ]
    # A cause whose hosts all left the fleet was not fixed: they are listed as removed.
    fixed = [item for item in fixed if item["hosts"]]
    for item in fixed:
        item["host_count"] = len(item["hosts"])
    hosts_out = [{"host": name, **per_host[name]} for name in names_now if name in per_host]
    summary = {
        "new_findings": sum(1 for f in drift_findings if f["drift"] == "new"),
        "fixed_findings": len(fixed),
        "staying_findings": sum(1 for f in drift_findings if f["drift"] == "stays"),
        "new_problems": sum(len(h["new"]) for h in hosts_out),
        "fixed_problems": sum(len(h["fixed"]) for h in hosts_out),
        "staying_problems": sum(len(h["stays"]) for h in hosts_out),
        "hosts_with_new": sum(1 for h in hosts_out if h["new"]),
        "hosts_with_fixed": sum(1 for h in hosts_out if h["fixed"]),
        "hosts_added": sum(1 for name in names_now if name not in before_hosts),
        "hosts_removed": len(before_hosts - present),
    }
    return {
        "baseline": {
            "title": baseline.get("title"),
            "generated": baseline.get("generated"),
            "schema": baseline.get("schema"),
        },
        "summary": summary,
        "findings": drift_findings,
        "fixed": fixed,
        "hosts": hosts_out,
        "hosts_added": [name for name in names_now if name not in before_hosts],
        "hosts_removed": sorted(before_hosts - present),
    }


def new_problems(drift: Optional[Mapping[str, Any]]) -> set[tuple[str, str]]:
    """(host, check id) of every problem that is new since the baseline (empty without one)."""
    if not drift:
        return set()
    return {(entry["host"], check) for entry in drift["hosts"] for check in entry["new"]}
