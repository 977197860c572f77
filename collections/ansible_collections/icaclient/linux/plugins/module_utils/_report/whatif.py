# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""The what-if report: which hosts and targets a proposed change breaks or fixes, before the rollout.

``playbooks/whatif.yml`` probes every target from every endpoint twice, with the settings it has
and with the proposed ones (the prober takes them as overrides and the proposed certificates as
trust judged in memory: nothing on the endpoint changes). :func:`compare_fleet` pairs the two
verdicts of each target; the changes of the fleet are grouped by cause (the findings' rule,
:func:`.findings.cause_of`) so that one change on 4,000 hosts is one row. Linear in hosts x targets.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Optional

from .._client_errors import describe
from .findings import HostGroups, cause_of, not_passing

SCHEMA = "icaclient-whatif/1"
#: What happens to one target, worst first (the order of the groups and of the page).
CHANGES = ("breaks", "error_changes", "fixes", "still_fails", "still_passes")
_ORDER = {name: position for position, name in enumerate(CHANGES)}
FILES = {"json": "whatif.json", "text": "whatif.txt", "html": "whatif.html"}


def _verdict(item: Optional[Mapping[str, Any]]) -> dict[str, Any]:
    if item is None:
        return {"ok": None, "client_error": None, "message": "not probed"}
    return {
        "ok": bool(item.get("ok")),
        "client_error": item.get("client_error"),
        "message": item.get("message", ""),
    }


def change_of(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    """``breaks``, ``fixes``, ``error_changes`` (fails either way, another error), ``still_fails``, ``still_passes``."""
    if before["ok"] and after["ok"]:
        return "still_passes"
    if before["ok"]:
        return "breaks"
    if after["ok"]:
        return "fixes"
    return "still_fails" if before["client_error"] == after["client_error"] else "error_changes"


def _run_error(run: Optional[Mapping[str, Any]], which: str) -> Optional[str]:
    if run is None:
        return f"no {which} probe result"
    error = run.get("error")
    return f"the {which} probe failed: {error}" if error else None


def compare_host(host: str, result: Optional[Mapping[str, Any]]) -> dict[str, Any]:
    """One host's entry: its targets with their verdict today and under the proposal.

    ``result``: ``{"current": {"results": [...], "error": ...}, "proposed": {...}}`` as the play
    records it, ``{"unreachable": message}``, or None for a host without a result.
    """
    if result is None:
        return {
            "host": host,
            "status": "error",
            "error": "the host left the play before its result",
            "targets": [],
        }
    if result.get("unreachable"):
        return {"host": host, "status": "unreachable", "error": str(result["unreachable"]), "targets": []}
    current, proposed = result.get("current"), result.get("proposed")
    error = _run_error(current, "current") or _run_error(proposed, "proposed")
    if error:
        return {"host": host, "status": "error", "error": error, "targets": []}
    after_by_target = {item["target"]: item for item in proposed.get("results") or []}
    targets = []
    for item in current.get("results") or []:
        before = _verdict(item)
        after = _verdict(after_by_target.get(item["target"]))
        targets.append(
            {"target": item["target"], "change": change_of(before, after), "before": before, "after": after}
        )
    changes = {target["change"] for target in targets}
    status = next((name for name in CHANGES if name in changes), "still_passes")
    return {"host": host, "status": status, "error": None, "targets": targets}


def group_changes(entries: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Every target whose verdict changes (or that fails either way), grouped by cause; worst, then largest first.

    A cause: the change, the target, the client error before and after, and the message that
    explains the new verdict (the proposed one; for a fix, today's failure) with host-specific parts
    taken out.
    """
    groups = HostGroups()
    for host, target in not_passing(entries, "targets", "change", "still_passes"):
        change, before, after = target["change"], target["before"], target["after"]
        cause = cause_of((before if change == "fixes" else after)["message"], host)
        key = (change, target["target"], str(before["client_error"]), str(after["client_error"]), cause)
        groups.add(key, host, _change_group, change, target["target"], before, after, cause)
    return groups.ordered(lambda g: (_ORDER[g["change"]], -len(g["hosts"]), g["target"], g["cause"]))


def _change_group(
    change: str, target: str, before: Mapping[str, Any], after: Mapping[str, Any], cause: str
) -> dict[str, Any]:
    explained = before if change == "fixes" else after
    return {
        "change": change,
        "target": target,
        "before": before["client_error"],
        "after": after["client_error"],
        "meaning": describe(explained["client_error"]),
        "cause": cause,
    }


def compare_fleet(
    hosts: Mapping[str, Optional[Mapping[str, Any]]],
    *,
    proposed: Mapping[str, Any],
    generated: str,
    title: str = "What-if: Citrix Workspace app endpoints",
) -> dict[str, Any]:
    """The what-if report of a fleet (``hosts``: name -> what the play recorded)."""
    entries = [compare_host(host, hosts[host]) for host in sorted(hosts)]
    counts = dict.fromkeys(CHANGES, 0)
    host_counts = dict.fromkeys((*CHANGES, "error", "unreachable"), 0)
    for entry in entries:
        host_counts[entry["status"]] += 1
        for target in entry["targets"]:
            counts[target["change"]] += 1
    return {
        "schema": SCHEMA,
        "title": title,
        "generated": generated,
        "proposed": dict(proposed),
        "summary": {
            "hosts": len(entries),
            "hosts_breaking": host_counts["breaks"],
            "hosts_fixed_only": host_counts["fixes"],
            "hosts_error_changes": host_counts["error_changes"],
            "hosts_unchanged": host_counts["still_passes"] + host_counts["still_fails"],
            "hosts_not_compared": host_counts["error"] + host_counts["unreachable"],
            "targets": {name: counts[name] for name in CHANGES},
        },
        "changes": group_changes(entries),
        "hosts": entries,
    }
