# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""Findings: the failures and warnings of a fleet grouped by cause, failures first, then largest.

A cause is the check, its status, the client error and the message with its host-specific parts
taken out (the host's own name, IP addresses, day counts), so that the same fault on 4,000
endpoints is one line of the report with 4,000 hosts, not 4,000 lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Callable, Optional

from .expiry import KIND as EXPIRY_KIND
from .expiry import certificate_causes

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


class HostGroups:
    """Hosts grouped by a cause, in one pass: a group is made once, by ``make(*args)``, then
    gains a host per :meth:`add`; :meth:`ordered` counts and sorts them."""

    def __init__(self) -> None:
        self._groups: dict[tuple, dict[str, Any]] = {}

    def add(self, key: tuple, host: str, make: Callable[..., dict[str, Any]], *args: Any) -> dict[str, Any]:
        group = self._groups.get(key)
        if group is None:
            group = self._groups[key] = {**make(*args), "host_count": 0, "hosts": []}
        group["hosts"].append(host)
        return group

    def ordered(self, sort_key: Callable[[dict[str, Any]], Any]) -> list[dict[str, Any]]:
        groups = sorted(self._groups.values(), key=sort_key)
        for group in groups:
            group["host_count"] = len(group["hosts"])
            group["hosts"].sort()
        return groups


def not_passing(
    entries: Iterable[Mapping[str, Any]], items: str, field: str, passing: str
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """(host, item) for each item under ``items`` of each host entry whose ``field`` is not ``passing``."""
    for entry in entries:
        for item in entry[items]:
            if item[field] != passing:
                yield entry["host"], item


def _finding(check: Mapping[str, Any], cause: str, fix: Optional[str]) -> dict[str, Any]:
    return {
        "number": 0,
        "check": check["id"],
        "name": check["name"],
        "kind": check["kind"],
        "status": check["status"],
        "client_error": check.get("client_error"),
        "meaning": check.get("meaning"),
        "cause": cause,
        "fix": fix,
    }


def _certificate_finding(check: Mapping[str, Any], cert: Mapping[str, Any]) -> dict[str, Any]:
    return {
        **_finding(check, cert["cause"], cert["fix"]),
        "status": cert["status"],
        "certificate": cert["certificate"],
    }


def group_findings(entries: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every check that is not a pass, grouped by cause: failures (and errors) before warnings,
    then the most hosts first.

    ``entries``: the report's host entries (``host``, ``checks``). Each finding: ``number``
    (1 for the first), ``check`` (the check's id), ``name``, ``kind``, ``status``,
    ``client_error``, ``meaning``, ``cause``, ``fix``, ``host_count`` and ``hosts`` (their
    names, sorted). The expiry check makes one finding per certificate (``certificate``: its
    fingerprint, or subject and date), its status the worst any host saw. Ties: errors before
    failures, then by check and cause.
    """
    groups = HostGroups()
    for host, check in not_passing(entries, "checks", "status", "pass"):
        if check["kind"] == EXPIRY_KIND:
            for cert in certificate_causes(check):
                key = (check["id"], "certificate", cert["certificate"])
                group = groups.add(key, host, _certificate_finding, check, cert)
                if _SEVERITY[cert["status"]] < _SEVERITY[group["status"]]:
                    group["status"] = cert["status"]
            continue
        cause = cause_of(check["message"], host)
        fix = cause_of(check["fix"], host) if check.get("fix") else None
        key = (check["id"], check["status"], str(check.get("client_error")), cause, fix)
        groups.add(key, host, _finding, check, cause, fix)
    findings = groups.ordered(
        lambda f: (f["status"] == "warn", -len(f["hosts"]), _SEVERITY[f["status"]], f["check"], f["cause"])
    )
    for number, finding in enumerate(findings, 1):
        finding["number"] = number
    return findings


def finding_index(findings: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], Mapping[str, Any]]:
    """(host, check id) -> its finding (the first, for a check with several), for the pages that
    link a host's check to its cause."""
    index: dict[tuple[str, str], Mapping[str, Any]] = {}
    for finding in findings:
        for host in finding["hosts"]:
            index.setdefault((host, finding["check"]), finding)
    return index
