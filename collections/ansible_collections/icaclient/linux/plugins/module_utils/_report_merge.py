# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""One compliance report from the partial reports of a sliced run.

AWX and Automation Platform split a big inventory into job slices, each a compliance run over
its share of the hosts with its own ``report.json``. Merging takes the host entries of every
partial report and rebuilds the report from them with the report's own
:func:`~._report.build.assemble_report`, so that the columns, totals, findings and whatever the
report derives from its hosts are made exactly as one unsliced run makes them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Optional

from ._errors import IcaClientError
from ._report.build import assemble_report


def merge_reports(
    reports: Sequence[tuple[str, Mapping[str, Any]]],
    *,
    title: Optional[str] = None,
    generated: Optional[str] = None,
) -> dict[str, Any]:
    """One report from partial reports, given as (path, report) pairs.

    ``title``: default the partial reports' title (they must agree). ``generated``: default the
    earliest generation time of the partial reports (the start of the sliced run). A host in two
    partial reports is refused: slices do not overlap.
    """
    if not reports:
        raise IcaClientError("cannot merge reports: no partial report given")
    titles = sorted({str(report.get("title")) for _path, report in reports})
    if title is None:
        if len(titles) > 1:
            raise IcaClientError(
                f"cannot merge reports with different titles ({', '.join(titles)}): give the title"
            )
        title = titles[0]
    if generated is None:
        generated = min(str(report.get("generated") or "") for _path, report in reports)
    seen: dict[str, str] = {}
    entries = []
    for path, report in reports:
        for entry in report["hosts"]:
            name = str(entry.get("host"))
            if name in seen:
                raise IcaClientError(
                    f"cannot merge the report {path}: host {name} is also in {seen[name]} "
                    "(job slices do not share hosts)"
                )
            seen[name] = path
            entries.append(entry)
    return assemble_report(entries=entries, title=title, generated=generated)
