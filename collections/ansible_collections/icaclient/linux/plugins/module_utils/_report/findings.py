# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Findings: the failures and warnings of a fleet grouped by cause, largest first.

PRIVATE: this is not a public API of the collection.

A cause is the check, its status, the client error and the message with its host-specific parts
taken out (the host's own name, IP addresses, day counts), so that the same fault on 4,000
endpoints is one line of the report with 4,000 hosts, not 4,000 lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

# What varies from host to host inside one cause's message.
_ADDRESS = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.])")
_DAYS = re.compile(r"\b\d+ days?\b")
_SEVERITY = {"error": 0, "fail": 1, "warn": 2}


def cause_of(text: Any, host: str) -> str:
    """``text`` with the parts that name or measure one host replaced by placeholders."""
    text = "" if text is None else str(text)
    if host and host in text:
        text = re.sub(rf"(?<![\w.-]){re.escape(host)}(?![\w-])", "<host>", text)
    if "." in text:
        text = _ADDRESS.sub("<address>", text)
    if "day" in text:
        text = _DAYS.sub("<n> days", text)
    return text


def group_findings(entries: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every check that is not a pass, grouped by cause; largest group first.

    ``entries``: the report's host entries (``host``, ``checks``). Each finding: ``number``
    (1 for the largest), ``check`` (the check's id), ``name``, ``kind``, ``status``,
    ``client_error``, ``meaning``, ``cause``, ``fix``, ``host_count`` and ``hosts`` (their
    names, sorted). Ties: errors before failures before warnings, then by check and cause.
    """
    groups: dict[tuple, dict[str, Any]] = {}
    for entry in entries:
        host = entry["host"]
        for check in entry["checks"]:
            status = check["status"]
            if status == "pass":
                continue
            cause = cause_of(check["message"], host)
            fix = cause_of(check["fix"], host) if check.get("fix") else None
            key = (check["id"], status, str(check.get("client_error")), cause, fix)
            group = groups.get(key)
            if group is None:
                group = groups[key] = {
                    "number": 0,
                    "check": check["id"],
                    "name": check["name"],
                    "kind": check["kind"],
                    "status": status,
                    "client_error": check.get("client_error"),
                    "meaning": check.get("meaning"),
                    "cause": cause,
                    "fix": fix,
                    "host_count": 0,
                    "hosts": [],
                }
            group["hosts"].append(host)
    findings = sorted(
        groups.values(),
        key=lambda f: (-len(f["hosts"]), _SEVERITY[f["status"]], f["check"], f["cause"]),
    )
    for number, finding in enumerate(findings, 1):
        finding["number"] = number
        finding["host_count"] = len(finding["hosts"])
        finding["hosts"].sort()
    return findings


def finding_index(findings: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], Mapping[str, Any]]:
    """(host, check id) -> its finding, for the pages that link a host's check to its cause."""
    return {(host, finding["check"]): finding for finding in findings for host in finding["hosts"]}
