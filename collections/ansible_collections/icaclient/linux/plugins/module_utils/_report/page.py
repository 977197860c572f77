# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The report as one HTML page that reads at fleet scale.

PRIVATE: this is not a public API of the collection.

The first screen is the fleet: hosts by status, each check's pass/warn/fail counts as an inline
SVG chart, then the findings (causes, failures first, then the most hosts, with their host counts and fixes). Below,
the hosts that are not compliant, one badge per check, each host's details on demand
(``<details>``); the compliant hosts are one collapsed list. One self-contained file: inline
CSS, no script, no external asset; every value escaped. At 10,000 hosts x 12 checks the page
stays under 4 MB: cells carry a badge only, and a host's messages are written once, in its
details.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any, Optional

from .findings import finding_index

_FINDINGS_SHOWN = 25  # findings in the first table; the rest are collapsed below it
_NAMES_SHOWN = 5  # host names written out in a finding's row; more are collapsed
_DOT = " \u00b7 "
_LABEL_CHARS = 40  # characters of a check name in the chart (the full name is its tooltip)

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.2rem 1.5rem;color:#1b1f24;background:#fff;line-height:1.35}
h1{font-size:1.4rem;margin:0 0 .2rem}h2{font-size:1.1rem;margin:1.4rem 0 .5rem}
.meta{color:#57606a;margin:0 0 .8rem}
.tiles{display:flex;flex-wrap:wrap;gap:.6rem;margin:.4rem 0 1rem}
.tile{border:1px solid #d0d7de;border-radius:6px;padding:.5rem .9rem;min-width:9rem}
.tile b{display:block;font-size:1.6rem}
.tile.fail{border-left:6px solid #cf222e}.tile.warn{border-left:6px solid #bf8700}.tile.pass{border-left:6px solid #1a7f37}
svg text{font-size:12px;fill:#1b1f24}
svg .pass{fill:#2da44e}svg .warn{fill:#d4a72c}svg .fail{fill:#cf222e}svg .error{fill:#82071e}
table{border-collapse:collapse;font-size:.88rem}
th,td{border:1px solid #d0d7de;padding:.3rem .45rem;vertical-align:top;text-align:left}
thead th{background:#f6f8fa;font-size:.8rem}.hosts thead th{max-width:11rem;word-break:break-all}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.b{display:inline-block;border-radius:4px;padding:0 .35rem;font-weight:700;font-size:.72rem;
text-transform:uppercase;white-space:nowrap;color:#1b1f24;text-decoration:none}
.b.pass{background:#dafbe1}.b.warn{background:#fff1a8}.b.fail{background:#ffcecb}.b.error{background:#82071e;color:#fff}
.hosts td{text-align:center;font-weight:700;font-size:.72rem;text-transform:uppercase;white-space:nowrap}
.hosts td a{color:inherit}.hosts td.pass{background:#dafbe1}.hosts td.warn{background:#fff1a8}
.hosts td.fail{background:#ffcecb}.hosts td.error{background:#82071e;color:#fff}.hosts tbody th{font-weight:600;white-space:nowrap}
.hosts details[open]{white-space:normal;min-width:28rem;font-weight:400}
.hosts details ul{margin:.3rem 0;padding-left:1rem}.hosts details li{margin:.2rem 0}
.findings td.cause{max-width:34rem}.findings td.fix{max-width:24rem;color:#0a3069}
.meaning{font-weight:600}
.names{font-family:ui-monospace,monospace;font-size:.8rem;word-break:break-word;max-width:60rem}
summary{cursor:pointer;color:#0969da}
code{font-family:ui-monospace,monospace;font-size:.85em}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _n(value: int) -> str:
    return f"{value:,}"


def _hosts_word(count: int) -> str:
    return "host" if count == 1 else "hosts"


def _badge_label(item: Mapping[str, Any]) -> str:
    label = item["status"]
    if item.get("client_error") is not None:
        label += f" {item['client_error']}"
    return label


def _tiles(summary: Mapping[str, Any]) -> list[str]:
    hosts = summary["hosts"] or 1

    def share(count: int) -> str:
        return f"{100 * count / hosts:.1f} %"

    return [
        '<div class="tiles" id="hosts-by-status">',
        f'<div class="tile fail" id="hosts-failing"><b>{_n(summary["hosts_failed"])}</b>'
        f"failing {_hosts_word(summary['hosts_failed'])} ({share(summary['hosts_failed'])})</div>",
        f'<div class="tile warn" id="hosts-warned"><b>{_n(summary["hosts_warned"])}</b>'
        f"{_hosts_word(summary['hosts_warned'])} with warnings ({share(summary['hosts_warned'])})</div>",
        f'<div class="tile pass" id="hosts-compliant"><b>{_n(summary["hosts_passed"])}</b>'
        f"compliant {_hosts_word(summary['hosts_passed'])} ({share(summary['hosts_passed'])})</div>",
        f'<div class="tile" id="hosts-total"><b>{_n(summary["hosts"])}</b>{_hosts_word(summary["hosts"])}, {_n(summary["checks"])} checks: '
        f"{_n(summary['failed'])} failed, {_n(summary['warnings'])} warnings</div>",
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


def _names(names: Sequence[str], count: int, what: str) -> str:
    if count <= _NAMES_SHOWN:
        return f'<div class="names">{_e(", ".join(names))}</div>'
    return f'<details><summary>{_n(count)} {what}</summary><div class="names">{_e(", ".join(names))}</div></details>'


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
        f'<div class="tile fail" id="drift-new"><b>{_n(d["new_findings"])}</b>new finding(s): '
        f"{_n(d['new_problems'])} problem(s) on {_n(d['hosts_with_new'])} {_hosts_word(d['hosts_with_new'])}</div>",
        f'<div class="tile pass" id="drift-fixed"><b>{_n(d["fixed_findings"])}</b>fixed finding(s): '
        f"{_n(d['fixed_problems'])} problem(s) on {_n(d['hosts_with_fixed'])} {_hosts_word(d['hosts_with_fixed'])}</div>",
        f'<div class="tile" id="drift-stays"><b>{_n(d["staying_findings"])}</b>finding(s) stay: '
        f"{_n(d['staying_problems'])} problem(s)</div>",
        f'<div class="tile" id="drift-hosts"><b>{_n(d["hosts_added"])} / {_n(d["hosts_removed"])}</b>'
        f"{_hosts_word(d['hosts_added'])} added / removed</div>",
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


def _timeline(expiry: Mapping[str, Any]) -> list[str]:
    """Certificates per week (per month beyond a 120-day window) up to the window's end, the
    expired ones in a first bar; each bar's tooltip names its certificates."""
    days = int(expiry["days"])
    span = 7 if days <= 120 else 30
    unit = "week" if span == 7 else "month"
    buckets: list[list[Mapping[str, Any]]] = [[] for _bucket in range(1 + max(1, -(-days // span)))]
    for cert in expiry["certificates"]:
        index = 0 if cert["days_left"] < 0 else 1 + min(cert["days_left"] // span, len(buckets) - 2)
        buckets[index].append(cert)
    bar_w, gap, left, top, plot_h = 34, 6, 40, 10, 120
    most = max((len(b) for b in buckets), default=0) or 1
    width = left + len(buckets) * (bar_w + gap) + 20
    height = top + plot_h + 44
    out = [
        f'<svg id="expiry-timeline" role="img" aria-labelledby="expiry-title" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="expiry-title">Certificates expiring per {unit} within {days} days, expired first</title>',
        f'<text x="4" y="{top + 10}">{most}</text><text x="4" y="{top + plot_h}">0</text>',
    ]
    for index, bucket in enumerate(buckets):
        x = left + index * (bar_w + gap)
        label = "expired" if index == 0 else f"{unit[0]}{index}"
        start = (index - 1) * span
        when = "expired" if index == 0 else f"in {start}-{start + span - 1} days"
        if bucket:
            h = max(3.0, plot_h * len(bucket) / most)
            hosts = sum(c["host_count"] for c in bucket)
            names = "; ".join(f"{c['subject']} ({str(c['not_after'])[:10]})" for c in bucket[:10])
            out.append(
                f'<rect class="{"fail" if index == 0 else "warn"}" x="{x}" y="{top + plot_h - h:.1f}" width="{bar_w}" '
                f'height="{h:.1f}"><title>{when}: {len(bucket)} certificate(s) on {_n(hosts)} host(s): '
                f"{_e(names)}</title></rect>"
            )
            out.append(
                f'<text x="{x + bar_w / 2}" y="{top + plot_h - h - 3:.1f}" text-anchor="middle">{len(bucket)}</text>'
            )
        out.append(f'<text x="{x + bar_w / 2}" y="{top + plot_h + 16}" text-anchor="middle">{label}</text>')
    out.append(
        f'<text x="{left}" y="{top + plot_h + 36}">{unit}s from the report date ({unit[0]}1 = the next {span} days)</text>'
    )
    out.append("</svg>")
    return out


def _expiry(report: Mapping[str, Any]) -> list[str]:
    expiry = report.get("expiry")
    if not expiry:
        return []
    certificates = expiry["certificates"]
    out = [
        f'<h2 id="expiry">Expiry forecast: {_n(len(certificates))} certificate(s) within {expiry["days"]} days</h2>'
    ]
    if not certificates:
        out.append(
            f"<p>No keystore certificate and no gateway certificate expires within {expiry['days']} days.</p>"
        )
        return out
    out += [
        f"<p>{_n(expiry['expired'])} expired (a failure), {_n(expiry['expiring'])} expiring within the window "
        "(a warning): keystore roots and intermediates and the certificates the gateways present.</p>",
        *_timeline(expiry),
        '<table class="findings" id="expiry-table"><thead><tr><th>Expires</th><th>Status</th><th>Certificate</th>'
        "<th>Where</th><th>Hosts</th></tr></thead><tbody>",
    ]
    for cert in certificates:
        days = cert["days_left"]
        state = f"expired {-days} days ago" if days < 0 else f"in {days} days"
        fingerprint = (
            f'<div class="names">SHA-256 {_e(cert["fingerprint"])}</div>' if cert.get("fingerprint") else ""
        )
        out.append(
            f'<tr><td class="num">{_e(str(cert["not_after"])[:10])}<br>{state}</td>'
            f'<td><span class="b {cert["status"]}">{"expired" if cert["status"] == "fail" else "expiring"}</span></td>'
            f"<td>{_e(cert['subject'])}{fingerprint}</td><td>{_e(', '.join(cert['sources']))}</td>"
            f"<td><b>{_n(cert['host_count'])}</b>{_names(cert['hosts'], cert['host_count'], 'hosts')}</td></tr>"
        )
    out.append("</tbody></table>")
    return out


def render_html(report: Mapping[str, Any], *, comment: Optional[str] = None) -> str:
    """One self-contained page (inline CSS and SVG, no script, no external asset)."""
    summary = report["summary"]
    out: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
    ]
    if comment:
        out.append(f"<!-- {_e(comment).replace('--', '- -')} -->")
    out += [
        f"<title>{_e(report['title'])}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{_e(report['title'])}</h1>",
        f'<p class="meta">Generated {_e(report["generated"])} &middot; schema {_e(report["schema"])} &middot; '
        '<a href="#findings">findings</a> &middot; <a href="#expiry">expiry</a> &middot; <a href="#hosts">hosts</a></p>',
        *_drift(report),
        '<section id="fleet" aria-label="The fleet">',
        *_tiles(summary),
        *_chart(report["columns"]),
        "</section>",
        *_findings(report),
        *_expiry(report),
        *_hosts(report),
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(out)
