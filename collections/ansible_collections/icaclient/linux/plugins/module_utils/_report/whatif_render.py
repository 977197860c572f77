# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""The what-if report as JSON, console text and one self-contained HTML page, and their writer.

The JSON is the compliance report's layout (:func:`.render.render_json`), the page its style
sheet and escaping (:mod:`.page`): one look for both reports, one implementation of each.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Optional

from .files import write_files
from .html import PAGE_END, _e, _hosts_word, _n, page_head, tile
from .render import render_json
from .whatif import FILES

_LABELS = {
    "breaks": "breaks",
    "error_changes": "other error",
    "fixes": "fixed",
    "still_fails": "still fails",
    "still_passes": "still passes",
}
_BADGE = {
    "breaks": "fail",
    "error_changes": "warn",
    "fixes": "pass",
    "still_fails": "warn",
    "still_passes": "pass",
}
_NAMES_SHOWN = 5
_TEXT_ROWS = 20


def _error(value: Any) -> str:
    return "pass" if value is None else f"error {value}" if isinstance(value, int) else str(value)


def _proposal_lines(proposed: Mapping[str, Any]) -> list[str]:
    return [
        f"{key}: {', '.join(map(str, value)) if isinstance(value, list) else value}"
        for key, value in proposed.items()
    ]


def render_text(report: Mapping[str, Any], *, paths: Optional[Mapping[str, str]] = None) -> str:
    """The console summary: the proposal, the counts and the largest changes."""
    summary = report["summary"]
    lines = [f"{report['title']} ({report['generated']})", "proposed:"]
    lines += [f"  {line}" for line in _proposal_lines(report["proposed"])]
    lines.append(
        f"{summary['hosts']} {_hosts_word(summary['hosts'])}: {summary['hosts_breaking']} would break, {summary['hosts_fixed_only']} would only "
        f"gain, {summary['hosts_error_changes']} would fail differently, {summary['hosts_unchanged']} unchanged, "
        f"{summary['hosts_not_compared']} not compared"
    )
    shown = [group for group in report["changes"] if group["change"] != "still_fails"]
    for group in shown[:_TEXT_ROWS]:
        names = ", ".join(group["hosts"][:_NAMES_SHOWN]) + (
            " ..." if group["host_count"] > _NAMES_SHOWN else ""
        )
        lines.append(
            f"  {_LABELS[group['change']].upper()} {group['target']}: {_error(group['before'])} -> "
            f"{_error(group['after'])} on {group['host_count']} host(s) ({names}): {group['cause']}"
        )
    if len(shown) > _TEXT_ROWS:
        lines.append(f"  ... and {len(shown) - _TEXT_ROWS} more changes in the report")
    for entry in report["hosts"]:
        if entry["error"]:
            lines.append(f"  NOT COMPARED {entry['host']}: {entry['error']}")
    for name, path in (paths or {}).items():
        lines.append(f"{name}: {path}")
    return "\n".join(lines)


def _names(names: Sequence[str], count: int) -> str:
    if count <= _NAMES_SHOWN:
        return _e(", ".join(names))
    return (
        f"{_e(', '.join(names[:_NAMES_SHOWN]))} <details><summary>all {_n(count)} hosts</summary>"
        f'<div class="names">{_e(", ".join(names))}</div></details>'
    )


def _verdict_cell(verdict: Mapping[str, Any]) -> str:
    if verdict["ok"]:
        return '<span class="b pass">pass</span>'
    return f'<span class="b fail">{_e(_error(verdict["client_error"]))}</span> {_e(verdict["message"])}'


def render_html(report: Mapping[str, Any]) -> str:
    """One page, no script and no external asset: the proposal, the counts, the changes, the hosts."""
    summary = report["summary"]
    tiles = [
        ("fail", summary["hosts_breaking"], "hosts would break"),
        ("pass", summary["hosts_fixed_only"], "hosts would only gain"),
        ("warn", summary["hosts_error_changes"], "hosts would fail differently"),
        ("", summary["hosts_unchanged"], "hosts unchanged"),
        (
            "warn" if summary["hosts_not_compared"] else "",
            summary["hosts_not_compared"],
            "hosts not compared",
        ),
    ]
    nothing = f"{_n(summary['hosts'])} {_hosts_word(summary['hosts'])}; nothing on the endpoints was changed"
    out = [
        *page_head(report, nothing),
        '<section id="proposal" aria-label="The proposal"><h2>Proposed</h2><ul>',
        *(f"<li><code>{_e(line)}</code></li>" for line in _proposal_lines(report["proposed"])),
        "</ul></section>",
        '<section id="fleet" aria-label="The fleet"><div class="tiles">',
        *(tile(kind, count, _e(label)) for kind, count, label in tiles),
        "</div></section>",
        '<h2 id="changes">Changes by cause</h2>',
    ]
    if report["changes"]:
        out.append(
            '<table class="findings"><thead><tr><th>change</th><th>target</th><th>today</th><th>proposed</th>'
            "<th>cause</th><th>hosts</th><th>host names</th></tr></thead><tbody>"
        )
        for group in report["changes"]:
            meaning = f'<div class="meaning">{_e(group["meaning"])}</div>' if group["meaning"] else ""
            out.append(
                f'<tr><td><span class="b {_BADGE[group["change"]]}">{_e(_LABELS[group["change"]])}</span></td>'
                f"<td><code>{_e(group['target'])}</code></td><td>{_e(_error(group['before']))}</td>"
                f'<td>{_e(_error(group["after"]))}</td><td class="cause">{meaning}{_e(group["cause"])}</td>'
                f'<td class="num">{_n(group["host_count"])}</td><td class="names">{_names(group["hosts"], group["host_count"])}</td></tr>'
            )
        out.append("</tbody></table>")
    else:
        out.append(
            "<p>No target changes its verdict, and none fails: the proposal is safe for these hosts.</p>"
        )
    out.append('<h2 id="hosts">Hosts that change</h2>')
    changed = [
        entry
        for entry in report["hosts"]
        if entry["status"] in ("breaks", "error_changes", "fixes") or entry["error"]
    ]
    if not changed:
        out.append("<p>None.</p>")
    for entry in changed:
        badge = "error" if entry["error"] else _BADGE[entry["status"]]
        label = "not compared" if entry["error"] else _LABELS[entry["status"]]
        out.append(
            f'<details><summary><span class="b {badge}">{_e(label)}</span> {_e(entry["host"])}</summary>'
        )
        if entry["error"]:
            out.append(f"<p>{_e(entry['error'])}</p>")
        else:
            out.append(
                "<table><thead><tr><th>target</th><th>change</th><th>today</th><th>proposed</th></tr></thead><tbody>"
            )
            for target in entry["targets"]:
                out.append(
                    f"<tr><td><code>{_e(target['target'])}</code></td><td>{_e(_LABELS[target['change']])}</td>"
                    f"<td>{_verdict_cell(target['before'])}</td><td>{_verdict_cell(target['after'])}</td></tr>"
                )
            out.append("</tbody></table>")
        out.append("</details>")
    return "\n".join([*out, *PAGE_END])


def write_whatif(
    report: Mapping[str, Any], dest: str, *, check_mode: bool = False
) -> tuple[dict[str, str], bool]:
    """Write whatif.json, whatif.txt and whatif.html into ``dest``; return (paths, changed).

    A file whose content is already the same is not touched; in check mode nothing is written.
    """
    renderers = {
        "json": lambda: render_json(report),
        "text": lambda: render_text(report) + "\n",
        "html": lambda: render_html(report),
    }
    written, changed = write_files(
        dest, {FILES[name]: renderers[name] for name in FILES}, what="what-if report", check_mode=check_mode
    )
    return {name: written[FILES[name]] for name in FILES}, changed
