# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""The report as one HTML page that reads at fleet scale.

The first screen is the fleet: hosts by status, each check's pass/warn/fail counts as an inline
SVG chart, then the findings (causes, failures first, then the most hosts, with their host counts and fixes). Below,
the hosts that are not compliant, one badge per check, each host's details on demand
(``<details>``); the compliant hosts are one collapsed list. One self-contained file: inline
CSS, no script, no external asset; every value escaped. At 10,000 hosts x 12 checks the page
stays under 4 MB: cells carry a badge only, and a host's messages are written once, in its
details.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Optional

from .findings import finding_index
from .html import PAGE_END, _badge_label, _e, _hosts_word, _n, _names, page_head, tile
from .page_expiry import expiry_section

_FINDINGS_SHOWN = 25  # findings in the first table; the rest are collapsed below it
_DOT = " \u00b7 "
_LABEL_CHARS = 40  # characters of a check name in the chart (the full name is its tooltip)


def _tiles(summary: Mapping[str, Any]) -> list[str]:
    hosts = summary["hosts"] or 1
    failed, warned, passed = summary["hosts_failed"], summary["hosts_warned"], summary["hosts_passed"]

    def share(count: int) -> str:
        return f"{100 * count / hosts:.1f} %"

    return [
        '<div class="tiles" id="hosts-by-status">',
        tile("fail", failed, f"failing {_hosts_word(failed)} ({share(failed)})", tile_id="hosts-failing"),
        tile(
            "warn", warned, f"{_hosts_word(warned)} with warnings ({share(warned)})", tile_id="hosts-warned"
        ),
        tile("pass", passed, f"compliant {_hosts_word(passed)} ({share(passed)})", tile_id="hosts-compliant"),
        tile(
            "",
            summary["hosts"],
            f"{_hosts_word(summary['hosts'])}, {_n(summary['checks'])} checks: "
            f"{_n(summary['failed'])} failed, {_n(summary['warnings'])} warnings",
            tile_id="hosts-total",
        ),
        "</div>",
    ]


def _segments(counts: Mapping[str, int], width: float) -> list[tuple[str, int, float]]:
    """Bar segments (status, count, pixels); a status with any host gets at least 2 pixels."""
    total = sum(counts.values()) or 1
    order = ("fail", "error", "warn", "pass")
    pixels = {s: (max(2.0, width * counts[s] / total) if counts[s] else 0.0) for s in order}
    excess = sum(pixels.values()) - width
    if excess > 0:  # the minimum widths are taken from the largest segment
        largest = max(order, key=lambda s: pixels[s])
        pixels[largest] -= excess
    return [(s, counts[s], pixels[s]) for s in order if counts[s]]


def _chart(columns: Sequence[Mapping[str, Any]]) -> list[str]:
    """Each check's counts as one stacked horizontal bar, failures on the left."""
    label_w, bar_w, row_h, top = 290, 440, 24, 6
    most = max((sum(c["counts"].values()) for c in columns), default=0) or 1
    height = top + row_h * len(columns) + 28
    out = [
        f'<svg id="check-chart" role="img" aria-labelledby="check-chart-title" width="{label_w + bar_w + 260}" '
        f'height="{height}" viewBox="0 0 {label_w + bar_w + 260} {height}" xmlns="http://www.w3.org/2000/svg">',
        '<title id="check-chart-title">Hosts per check: failed, in error, warned and passed</title>',
    ]
    for index, column in enumerate(columns):
        y = top + index * row_h
        name = str(column["name"])
        short = name if len(name) <= _LABEL_CHARS else name[: _LABEL_CHARS - 1] + "\u2026"
        counts = column["counts"]
        out.append(
            f'<g class="check"><text x="{label_w - 8}" y="{y + 15}" text-anchor="end">'
            f"<title>{_e(name)}</title>{_e(short)}</text>"
        )
        x = float(label_w)
        width = bar_w * sum(counts.values()) / most
        for status, count, pixels in _segments(counts, width):
            out.append(
                f'<rect class="{status}" x="{x:.1f}" y="{y + 3}" width="{pixels:.1f}" height="{row_h - 8}">'
                f"<title>{_e(name)}: {_n(count)} {status}</title></rect>"
            )
            x += pixels
        words = [f"{_n(counts[s])} {s}" for s in ("fail", "error", "warn", "pass") if counts[s]]
        out.append(f'<text x="{label_w + bar_w + 8}" y="{y + 15}">{_DOT.join(words)}</text></g>')
    y = top + row_h * len(columns) + 8
    x = label_w
    for status, word in (
        ("fail", "fail"),
        ("error", "error (could not check)"),
        ("warn", "warn"),
        ("pass", "pass"),
    ):
        out.append(f'<rect class="{status}" x="{x}" y="{y}" width="12" height="12"></rect>')
        out.append(f'<text x="{x + 16}" y="{y + 11}">{word}</text>')
        x += 40 + 7 * len(word)
    out.append("</svg>")
    return out


def _finding_rows(
    findings: Sequence[Mapping[str, Any]], messages: Mapping[tuple[str, str], str]
) -> list[str]:
    """A row per finding; one host's finding shows that host's own message, not the cause with
    its placeholders."""
    rows = []
    for finding in findings:
        cause = finding["cause"]
        if finding["host_count"] == 1:
            cause = messages.get((finding["hosts"][0], finding["check"]), cause)
        meaning = f'<div class="meaning">{_e(finding["meaning"])}</div>' if finding.get("meaning") else ""
        rows.append(
            f'<tr id="f{finding["number"]}"><td class="num">{finding["number"]}</td>'
            f'<td class="num"><b>{_n(finding["host_count"])}</b></td>'
            f'<td><span class="b {finding["status"]}">{_e(_badge_label(finding))}</span></td>'
            f"<td>{_e(finding['name'])}</td>"
            f'<td class="cause">{meaning}{_e(cause)}'
            f"{_names(finding['hosts'], finding['host_count'], 'hosts')}</td>"
            f'<td class="fix">{_e(finding["fix"] or "")}</td></tr>'
        )
    return rows


_FINDINGS_HEAD = (
    "<thead><tr><th>#</th><th>Hosts</th><th>Status</th><th>Check</th><th>Cause (and the hosts)</th>"
    "<th>Fix</th></tr></thead>"
)


def _findings(report: Mapping[str, Any]) -> list[str]:
    findings = report["findings"]
    single = {(f["hosts"][0], f["check"]) for f in findings if f["host_count"] == 1}
    messages = {
        (entry["host"], check["id"]): check["message"]
        for entry in report["hosts"]
        for check in entry["checks"]
        if check["status"] != "pass" and (entry["host"], check["id"]) in single
    }
    if not findings:
        return ['<h2 id="findings">Findings</h2>', "<p>No finding: every check passed.</p>"]
    out = [
        f'<h2 id="findings">Findings: {_n(len(findings))} cause(s), failures first, then the most hosts</h2>',
        '<table class="findings" id="findings-table">',
        _FINDINGS_HEAD,
        "<tbody>",
        *_finding_rows(findings[:_FINDINGS_SHOWN], messages),
        "</tbody></table>",
    ]
    rest = findings[_FINDINGS_SHOWN:]
    if rest:
        out += [
            f'<details id="more-findings"><summary>{_n(len(rest))} more finding(s), '
            f"{_n(sum(f['host_count'] for f in rest))} host check(s)</summary>",
            '<table class="findings">',
            _FINDINGS_HEAD,
            "<tbody>",
            *_finding_rows(rest, messages),
            "</tbody></table></details>",
        ]
    return out


def _host_details(entry: Mapping[str, Any], index: Mapping[tuple[str, str], Mapping[str, Any]]) -> str:
    """A host's checks that did not pass: each links to its finding, whose row has the cause and
    the fix; the host's own message is written only where it differs from that cause (an
    address, a day count), which keeps a 10,000-host page small without losing a word."""
    items = []
    for check in entry["checks"]:
        if check["status"] == "pass":
            continue
        finding = index.get((entry["host"], check["id"]))
        link = f"<a href=#f{finding['number']}>#{finding['number']}</a> " if finding else ""
        message = check["message"]
        own = f": {_e(message)}" if finding is None or finding["cause"] != message else ""
        items.append(f"<li>{link}{_e(_badge_label(check))} {_e(check['name'])}{own}")
    passed = entry["counts"]["pass"]
    if passed:
        items.append(f"<li>{passed} passed")
    return f"<details><summary>{_e(entry['host'])}</summary><ul>{''.join(items)}</ul></details>"


def _cell(entry: Mapping[str, Any], check: Optional[Mapping[str, Any]], index: Mapping) -> str:
    # End tags of cells and list items are left out, as HTML allows: 120,000 cells make the bulk
    # of a fleet page.
    if check is None:
        return "<td>&ndash;"
    status = check["status"]
    if status == "pass":
        return "<td class=pass>pass"
    finding = index.get((entry["host"], check["id"]))
    label = _e(_badge_label(check))
    return (
        f"<td class={status}><a href=#f{finding['number']}>{label}</a>"
        if finding
        else f"<td class={status}>{label}"
    )


def _hosts(report: Mapping[str, Any]) -> list[str]:
    columns = report["columns"]
    index = finding_index(report["findings"])
    rank = {"fail": 0, "warn": 1}
    flagged = sorted(
        (e for e in report["hosts"] if e["status"] != "pass"),
        key=lambda e: (rank[e["status"]], -e["counts"]["error"] - e["counts"]["fail"], -e["counts"]["warn"]),
    )
    compliant = [e["host"] for e in report["hosts"] if e["status"] == "pass"]
    out = [
        f'<h2 id="hosts">Hosts: {_n(len(flagged))} failing or with warnings, {_n(len(compliant))} compliant</h2>',
    ]
    if flagged:
        out += [
            "<p>Failing hosts first, then those with warnings. A badge links to its finding (cause and fix); "
            "open a host for its checks.</p>",
            '<table class="hosts" id="hosts-table"><thead><tr><th>Host</th>'
            + "".join(f'<th title="{_e(c["id"])}">{_e(c["name"])}</th>' for c in columns)
            + "</tr></thead><tbody>",
        ]
        for entry in flagged:
            by_id = {check["id"]: check for check in entry["checks"]}
            out.append(
                f"<tr class={entry['status']}><th>{_host_details(entry, index)}</th>"
                + "".join(_cell(entry, by_id.get(column["id"]), index) for column in columns)
                + "</tr>"
            )
        out.append("</tbody></table>")
    if compliant:
        out += [
            '<details id="compliant-hosts">',
            f"<summary>{_n(len(compliant))} compliant host(s): every check that ran on them passed</summary>",
            f'<div class="names">{_e(", ".join(compliant))}</div>',
            "</details>",
        ]
    return out


def _drift_tiles(d: Mapping[str, int]) -> list[tuple[str, str, Any, str]]:
    """(id, kind, number, text) of the drift's tiles."""
    new, fixed = d["hosts_with_new"], d["hosts_with_fixed"]
    return [
        (
            "new",
            "fail",
            d["new_findings"],
            f"new finding(s): {_n(d['new_problems'])} problem(s) on {_n(new)} {_hosts_word(new)}",
        ),
        (
            "fixed",
            "pass",
            d["fixed_findings"],
            f"fixed finding(s): {_n(d['fixed_problems'])} problem(s) on {_n(fixed)} {_hosts_word(fixed)}",
        ),
        ("stays", "", d["staying_findings"], f"finding(s) stay: {_n(d['staying_problems'])} problem(s)"),
        (
            "hosts",
            "",
            f"{_n(d['hosts_added'])} / {_n(d['hosts_removed'])}",
            f"{_hosts_word(d['hosts_added'])} added / removed",
        ),
    ]


def _drift(report: Mapping[str, Any]) -> list[str]:
    """Since the baseline: counts, the new findings (with their new hosts) and the fixed ones."""
    drift = report.get("drift")
    if not drift:
        return []
    d = drift["summary"]
    by_number = {f["number"]: f for f in report["findings"]}
    out = [
        '<section id="drift" aria-label="Since the last run">',
        f"<h2>Since the baseline of {_e(drift['baseline']['generated'])}</h2>",
        '<div class="tiles">',
        *(tile(kind, count, text, tile_id=f"drift-{name}") for name, kind, count, text in _drift_tiles(d)),
        "</div>",
    ]
    rows = []
    for item in drift["findings"]:
        finding = by_number[item["number"]]
        if item["drift"] == "stays" and not item["new_hosts"] and not item["fixed_hosts"]:
            continue
        what = "new" if item["drift"] == "new" else "stays"
        change = []
        if item["drift"] == "stays" and item["new_hosts"]:
            change.append(f"{_n(len(item['new_hosts']))} more {_hosts_word(len(item['new_hosts']))}")
        if item["fixed_hosts"]:
            change.append(f"{_n(len(item['fixed_hosts']))} fixed")
        rows.append(
            f'<tr class="drift-{what}"><td><span class="b {"fail" if what == "new" else "warn"}">{what}</span></td>'
            f'<td class="num"><a href="#f{finding["number"]}">#{finding["number"]}</a></td>'
            f'<td><span class="b {finding["status"]}">{_e(_badge_label(finding))}</span> {_e(finding["name"])}</td>'
            f'<td class="cause">{_e(finding["cause"])}</td>'
            f"<td>{_e(', '.join(change))}{_names(item['new_hosts'], len(item['new_hosts']), 'new hosts')}</td></tr>"
        )
    for fixed in drift["fixed"]:
        rows.append(
            f'<tr class="drift-fixed"><td><span class="b pass">fixed</span></td><td class="num">&ndash;</td>'
            f'<td><span class="b {fixed["status"]}">{_e(_badge_label(fixed))}</span> {_e(fixed["name"])}</td>'
            f'<td class="cause">{_e(fixed["cause"])}</td>'
            f"<td>{_names(fixed['hosts'], fixed['host_count'], 'hosts')}</td></tr>"
        )
    if rows:
        out += [
            '<table class="findings" id="drift-table"><thead><tr><th>Drift</th><th>Finding</th><th>Check</th>'
            "<th>Cause</th><th>Hosts changed</th></tr></thead><tbody>",
            *rows,
            "</tbody></table>",
        ]
    else:
        out.append("<p>Nothing changed since the baseline.</p>")
    out.append("</section>")
    return out


def render_html(report: Mapping[str, Any], *, comment: Optional[str] = None) -> str:
    """One self-contained page (inline CSS and SVG, no script, no external asset)."""
    links = '<a href="#findings">findings</a> &middot; <a href="#expiry">expiry</a> &middot; <a href="#hosts">hosts</a>'
    return "\n".join(
        [
            *page_head(report, links, comment=comment),
            *_drift(report),
            '<section id="fleet" aria-label="The fleet">',
            *_tiles(report["summary"]),
            *_chart(report["columns"]),
            "</section>",
            *_findings(report),
            *expiry_section(report),
            *_hosts(report),
            *PAGE_END,
        ]
    )
