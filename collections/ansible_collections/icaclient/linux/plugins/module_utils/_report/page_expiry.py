# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""The expiry forecast's section of the report page: a timeline of the certificates expiring
per week (or month) as inline SVG, and the table of certificates with their hosts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .html import _e, _n, _names


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


def expiry_section(report: Mapping[str, Any]) -> list[str]:
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
