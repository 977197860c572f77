# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""The report files: reading a ``report.json`` back (a baseline, a slice to merge) and writing
a report's renderings, for the compliance report and the what-if report alike.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any, Callable

from .._atomic import atomic_write
from .._errors import IcaClientError
from .build import SCHEMA

# The report schemas a baseline may have: the hosts and findings have the same shape in both.
BASELINE_SCHEMAS = ("icaclient-compliance/2", "icaclient-compliance/3")


# purpose -> (what a read failure says, what a content failure says, the schemas taken, why
# another schema is refused, whether findings are needed)
_PURPOSES: dict[str, tuple[str, str, tuple[str, ...], str, bool]] = {
    "baseline": (
        "cannot read the baseline report",
        "cannot compare with the baseline report",
        BASELINE_SCHEMAS,
        f"expected one of {', '.join(BASELINE_SCHEMAS)} (findings came with icaclient-compliance/2)",
        True,
    ),
    "merge": (
        "cannot merge the report",
        "cannot merge the report",
        (SCHEMA,),
        f"this collection merges {SCHEMA} (write the partial reports with the same collection)",
        False,
    ),
}


def read_report(path: str, *, purpose: str) -> dict[str, Any]:
    """The ``report.json`` at ``path``, checked to be a report fit for ``purpose``: ``baseline``
    (its findings are compared, schema 2 or 3) or ``merge`` (a slice of a run, this schema).
    Every refusal names the file and the cause."""
    reading, checking, schemas, why, with_findings = _PURPOSES[purpose]
    try:
        with open(path, "rb") as handle:
            report = json.loads(handle.read().decode("utf-8"))
    except OSError as exc:
        raise IcaClientError(f"{reading} {path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise IcaClientError(f"{reading} {path}: not JSON ({exc})") from exc
    if not isinstance(report, Mapping):
        raise IcaClientError(f"{reading} {path}: not a report (a JSON object)")
    if report.get("schema") not in schemas:
        raise IcaClientError(f"{checking} {path}: its schema is {report.get('schema')!r}, {why}")
    hosts, findings = report.get("hosts"), report.get("findings")
    if not isinstance(hosts, list) or not all(isinstance(e, Mapping) and "host" in e for e in hosts):
        raise IcaClientError(f"{checking} {path}: it has no list of hosts")
    if with_findings and (
        not isinstance(findings, list) or not all(isinstance(f, Mapping) and "hosts" in f for f in findings)
    ):
        raise IcaClientError(f"{checking} {path}: it has no list of findings")
    return dict(report)


def write_files(
    dest: str, renderers: Mapping[str, Callable[[], str]], *, what: str, check_mode: bool = False
) -> tuple[dict[str, str], bool]:
    """Write each file name -> rendering into ``dest`` (created when missing); return (paths by
    file name, changed). A file whose content is already the same is not touched; in check mode
    nothing is written and ``changed`` says whether something would be. ``what`` names the
    report in errors."""
    if os.path.exists(dest) and not os.path.isdir(dest):
        raise IcaClientError(f"cannot write the {what} into {dest}: it exists and is not a folder")
    paths = {name: os.path.join(dest, name) for name in renderers}
    changed = False
    for name, render in renderers.items():
        data = render().encode("utf-8")
        if check_mode:
            try:
                with open(paths[name], "rb") as handle:
                    changed = changed or handle.read() != data
            except OSError:
                changed = True
            continue
        try:
            os.makedirs(dest, exist_ok=True)
        except OSError as exc:
            raise IcaClientError(f"cannot write the {what} into {dest}: {exc.strerror}") from exc
        changed = atomic_write(paths[name], data, mode=0o644) or changed
    return paths, changed
