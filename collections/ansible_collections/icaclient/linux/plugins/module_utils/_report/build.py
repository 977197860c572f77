# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""The report of a run: host entries, columns, totals and findings.

:func:`assemble_report` is the one place a report is made, from a list of host entries; the
compliance_report module reaches it through :func:`build_report` (raw per-host results), and a
merge of partial reports can call it with the ``hosts`` of several ``report.json`` files.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Optional

from .._errors import IcaClientError
from .checks import STATUSES, host_checks
from .drift import compare_reports
from .expiry import DEFAULT_DAYS, forecast
from .findings import group_findings

SCHEMA = "icaclient-compliance/3"
_KIND_ORDER = {"host": 0, "role": 1, "keystore": 2, "probe": 3, "expiry": 4}


def _counts(checks: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    counts = dict.fromkeys(STATUSES, 0)
    for check in checks:
        counts[check["status"]] += 1
    return counts


def _host_status(counts: Mapping[str, int]) -> str:
    if counts["error"] or counts["fail"]:
        return "fail"
    return "warn" if counts["warn"] else "pass"


def host_entry(
    name: str, raw: Optional[Mapping[str, Any]], *, expiry_days: int = DEFAULT_DAYS
) -> dict[str, Any]:
    """One host of the report: ``host``, ``status``, ``counts`` and ``checks``."""
    checks = host_checks(raw, name, expiry_days=expiry_days)
    counts = _counts(checks)
    return {"host": name, "status": _host_status(counts), "counts": counts, "checks": checks}


def assemble_report(
    *,
    entries: Iterable[Mapping[str, Any]],
    title: str,
    generated: str,
    baseline: Optional[Mapping[str, Any]] = None,
    expiry_days: Optional[int] = None,
) -> dict[str, Any]:
    """The whole report (schema ``icaclient-compliance/3``) from host entries, in one pass.

    ``entries``: what :func:`host_entry` returns, or the ``hosts`` of ``report.json`` files
    (several slices of one fleet); a host named twice is refused. Hosts come out sorted by name;
    columns (one per check id, with its pass/warn/fail/error counts) by kind, roles first, then
    the keystore, then the targets, each kind in first-seen order. ``expiry``: the certificates
    of the hosts' expiry checks grouped by certificate (``expiry_days``, the window, defaults to
    the one the checks were made with). ``drift``: the changes since ``baseline`` (a previous
    report.json, see :mod:`.drift`), or None without one.
    """
    by_name: dict[str, Mapping[str, Any]] = {}
    for entry in entries:
        name = str(entry["host"])
        if name in by_name:
            raise IcaClientError(f"cannot build the report: host {name} is in it twice")
        by_name[name] = entry
    hosts = [by_name[name] for name in sorted(by_name)]
    columns: dict[str, dict[str, Any]] = {}
    host_status = dict.fromkeys(("pass", "warn", "fail"), 0)
    for entry in hosts:
        host_status[entry["status"]] += 1
        for check in entry["checks"]:
            column = columns.get(check["id"])
            if column is None:
                column = columns[check["id"]] = {
                    "id": check["id"],
                    "name": check["name"],
                    "kind": check["kind"],
                    "counts": dict.fromkeys(STATUSES, 0),
                }
            column["counts"][check["status"]] += 1
    ordered = sorted(columns.values(), key=lambda c: _KIND_ORDER.get(c["kind"], 9))
    totals = dict.fromkeys(STATUSES, 0)
    for column in ordered:
        for status, count in column["counts"].items():
            totals[status] += count
    findings = group_findings(hosts)
    summary = {
        "hosts": len(hosts),
        "hosts_passed": host_status["pass"],
        "hosts_warned": host_status["warn"],
        "hosts_failed": host_status["fail"],
        "checks": sum(totals.values()),
        "passed": totals["pass"],
        "warnings": totals["warn"],
        "failed": totals["fail"] + totals["error"],
        "errors": totals["error"],
        "findings": len(findings),
    }
    drift = (
        compare_reports(hosts=hosts, findings=findings, baseline=baseline) if baseline is not None else None
    )
    return {
        "schema": SCHEMA,
        "title": title,
        "generated": generated,
        "summary": summary,
        "drift": drift,
        "expiry": forecast(hosts, days=expiry_days),
        "columns": ordered,
        "findings": findings,
        "hosts": hosts,
    }


def build_report(
    *,
    hosts: Mapping[str, Optional[Mapping[str, Any]]],
    title: str,
    generated: str,
    baseline: Optional[Mapping[str, Any]] = None,
    expiry_days: int = DEFAULT_DAYS,
) -> dict[str, Any]:
    """The report from what the compliance play collected: host name -> raw result (or None),
    compared with ``baseline`` (a previous report.json) when given."""
    return assemble_report(
        entries=[host_entry(str(name), raw, expiry_days=expiry_days) for name, raw in hosts.items()],
        title=title,
        generated=generated,
        baseline=baseline,
        expiry_days=expiry_days,
    )


def failures(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every failing check (fail or error), as host, check, status, client_error, message, fix."""
    return [
        {
            "host": entry["host"],
            "check": check["name"],
            "status": check["status"],
            "client_error": check["client_error"],
            "message": check["message"],
            "fix": check["fix"],
        }
        for entry in report["hosts"]
        for check in entry["checks"]
        if check["status"] in ("fail", "error")
    ]
