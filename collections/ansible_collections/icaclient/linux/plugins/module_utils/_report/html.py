# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""The look both report pages share (the compliance report's and the what-if's): the page
frame, the style sheet, escaping, numbers, badges, tiles and collapsed host lists.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from typing import Any, Optional

_NAMES_SHOWN = 5  # host names written out in a row; more are collapsed

CSS = """
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


def _names(names: Sequence[str], count: int, what: str) -> str:
    if count <= _NAMES_SHOWN:
        return f'<div class="names">{_e(", ".join(names))}</div>'
    return f'<details><summary>{_n(count)} {what}</summary><div class="names">{_e(", ".join(names))}</div></details>'


def tile(kind: str, number: Any, text: str, *, tile_id: str = "") -> str:
    """One tile: a big number (a count, or text already written) and what it counts (``kind``:
    fail, warn, pass or none)."""
    attributes = f'class="tile {kind}"' if kind else 'class="tile"'
    if tile_id:
        attributes += f' id="{tile_id}"'
    return f"<div {attributes}><b>{_n(number) if isinstance(number, int) else number}</b>{text}</div>"


def page_head(report: Mapping[str, Any], meta: str, *, comment: Optional[str] = None) -> list[str]:
    """The page up to its first section: head (title, style sheet, ``comment`` as an HTML comment),
    the title and a line of ``meta`` (HTML) after the generation time and schema."""
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
    ]
    if comment:
        out.append(f"<!-- {_e(comment).replace('--', '- -')} -->")
    return [
        *out,
        f"<title>{_e(report['title'])}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{_e(report['title'])}</h1>",
        f'<p class="meta">Generated {_e(report["generated"])} &middot; schema {_e(report["schema"])} &middot; {meta}</p>',
    ]


PAGE_END = ["</body>", "</html>", ""]
