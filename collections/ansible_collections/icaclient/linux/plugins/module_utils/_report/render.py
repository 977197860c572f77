# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""The report as JSON, JUnit XML and console text, and the writer of the files.

Every rendering is linear in the report's size and written as text (no DOM): a 10,000-host
report is 120,000 checks.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping, Sequence
from typing import Any, Optional

from .._errors import IcaClientError
from .build import failures
from .drift import new_problems
from .files import write_files
from .page import render_html

FILES = {"json": "report.json", "junit": "junit.xml", "html": "report.html"}

# Characters XML 1.0 cannot carry at all (a message may quote a server's bytes).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XML_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}
)
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_TEXT_HOSTS = 50  # hosts listed check by check in the console text; beyond, the findings only
_TEXT_FINDINGS = 20


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def render_json(report: Mapping[str, Any]) -> str:
    """The report as JSON: one key per line, and one line per column, finding and host.

    Compact lines keep a 10,000-host report fast to write and still readable with ``grep``.
    """
    parts = []
    for key, value in report.items():
        if isinstance(value, list):
            body = ",\n    ".join(_dump(item) for item in value)
            parts.append(f"  {_dump(key)}: [\n    {body}\n  ]" if value else f"  {_dump(key)}: []")
        else:
            parts.append(f"  {_dump(key)}: {_dump(value)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


# Cached: across a fleet the same check names and messages come back thousands of times.
@functools.lru_cache(maxsize=8192)
def _attr(value: Any) -> str:
    return _XML_INVALID.sub("\ufffd", "" if value is None else str(value)).translate(_XML_ESCAPES)


@functools.lru_cache(maxsize=8192)
def _text(value: Any) -> str:
    return _XML_INVALID.sub("\ufffd", "" if value is None else str(value)).translate(_TEXT_ESCAPES)


def _check_text(check: Mapping[str, Any]) -> str:
    lines = [check["message"]]
    if check.get("meaning"):
        lines.insert(0, check["meaning"])
    if check.get("fix"):
        lines.append(f"fix: {check['fix']}")
    return "\n".join(lines)


def render_junit(report: Mapping[str, Any]) -> str:
    """JUnit XML: one testsuite per host, one testcase per check; fail -> <failure>, error -> <error>.

    With a baseline, a failure that is new since it is marked: its message starts with
    ``[new] `` and the testcase carries the property ``drift=new``.
    """
    summary = report["summary"]
    new = new_problems(report.get("drift"))
    stamp = _attr(report["generated"])
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<testsuites name="{_attr(report["title"])}" tests="{summary["checks"]}" '
        f'failures="{summary["failed"] - summary["errors"]}" errors="{summary["errors"]}" skipped="0" '
        f'timestamp="{stamp}">',
    ]
    for entry in report["hosts"]:
        counts = entry["counts"]
        host = _attr(entry["host"])
        out.append(
            f'  <testsuite name="{host}" hostname="{host}" tests="{sum(counts.values())}" '
            f'failures="{counts["fail"]}" errors="{counts["error"]}" skipped="0" timestamp="{stamp}">'
        )
        for check in entry["checks"]:
            case = f'    <testcase classname="icaclient.compliance.{_attr(check["kind"])}" name="{_attr(check["name"])}">'
            status = check["status"]
            if status in ("fail", "error"):
                error = check.get("client_error")
                kind = f"client_error_{error}" if error is not None else check["kind"]
                tag = "failure" if status == "fail" else "error"
                mark, props = "", ""
                if (entry["host"], check["id"]) in new:
                    mark, props = "[new] ", '<properties><property name="drift" value="new"/></properties>'
                out.append(
                    f'{case}{props}<{tag} message="{mark}{_attr(check["message"])}" type="{_attr(kind)}">'
                    f"{_text(_check_text(check))}</{tag}></testcase>"
                )
            else:
                prefix = "warning: " if status == "warn" else ""
                out.append(f"{case}<system-out>{_text(prefix + check['message'])}</system-out></testcase>")
        out.append("  </testsuite>")
    out.append("</testsuites>")
    return "\n".join(out) + "\n"


def _error_note(item: Mapping[str, Any]) -> str:
    return f" [client error {item['client_error']}]" if item.get("client_error") is not None else ""


def render_text(report: Mapping[str, Any], *, paths: Optional[Mapping[str, str]] = None) -> str:
    """Lines for the console: totals, the findings (failures first, then the most hosts), every check of each host while
    the run has at most 50 hosts (the HTML page has them all beyond), and where the files are."""
    summary = report["summary"]
    lines = [
        f"{summary['hosts']} host(s): {summary['hosts_passed']} compliant, {summary['hosts_warned']} with "
        f"warnings, {summary['hosts_failed']} failing; {summary['checks']} checks: {summary['passed']} "
        f"passed, {summary['warnings']} warnings, {summary['failed']} failed"
    ]
    drift = report.get("drift")
    if drift:
        d = drift["summary"]
        lines.append(
            f"since the baseline of {drift['baseline']['generated']}: {d['new_findings']} new finding(s) "
            f"({d['new_problems']} problem(s) on {d['hosts_with_new']} host(s)), {d['fixed_findings']} fixed "
            f"({d['fixed_problems']} problem(s) on {d['hosts_with_fixed']} host(s)), {d['staying_findings']} stay; "
            f"{d['hosts_added']} host(s) added, {d['hosts_removed']} removed"
        )
    expiry = report.get("expiry")
    if expiry and expiry["certificates"]:
        lines.append(
            f"expiry forecast ({expiry['days']} days): {expiry['expired']} certificate(s) expired, "
            f"{expiry['expiring']} expiring"
        )
    findings = report.get("findings") or []
    if findings:
        lines.append(f"{len(findings)} finding(s), failures first, then the most hosts:")
    for finding in findings[:_TEXT_FINDINGS]:
        names = finding["hosts"][:5]
        more = f", +{finding['host_count'] - len(names)} more" if finding["host_count"] > len(names) else ""
        lines.append(
            f"  #{finding['number']} {finding['status'].upper()} {finding['name']}{_error_note(finding)}: "
            f"{finding['cause']} -- {finding['host_count']} host(s): {', '.join(names)}{more}"
        )
    if len(findings) > _TEXT_FINDINGS:
        lines.append(f"  ... {len(findings) - _TEXT_FINDINGS} more finding(s) in the report")
    if summary["hosts"] <= _TEXT_HOSTS:
        for entry in report["hosts"]:
            lines.append(f"{entry['host']}: {entry['status'].upper()}")
            for check in entry["checks"]:
                status = check["status"].upper()
                lines.append(f"  {status:<5} {check['name']}{_error_note(check)}: {check['message']}")
    for kind in ("html", "junit", "json"):
        if paths and paths.get(kind):
            lines.append(f"{kind.upper() if kind != 'junit' else 'JUnit'} report: {paths[kind]}")
    return "\n".join(lines)


def write_report(
    report: Mapping[str, Any],
    dest: str,
    *,
    formats: Sequence[str] = ("json", "junit", "html"),
    comment: Optional[str] = None,
    check_mode: bool = False,
) -> tuple[dict[str, str], bool]:
    """Write the renderings into ``dest`` (created when missing); return (paths, changed).

    A file whose content is already the same is not touched; in check mode nothing is
    written and ``changed`` says whether something would be.
    """
    unknown = [name for name in formats if name not in FILES]
    if unknown:
        raise IcaClientError(f"cannot write the report: unknown format(s) {', '.join(unknown)}")
    renderers = {
        "json": lambda: render_json(report),
        "junit": lambda: render_junit(report),
        "html": lambda: render_html(report, comment=comment),
    }
    written, changed = write_files(
        dest, {FILES[name]: renderers[name] for name in formats}, what="report", check_mode=check_mode
    )
    return {name: written[FILES[name]] for name in formats}, changed


def report_outcome(
    report: Mapping[str, Any], *, dest: str, formats: Sequence[str], comment: str, check_mode: bool
) -> dict[str, Any]:
    """Write the report's files; return what every report module returns: ``changed``,
    ``paths``, ``summary``, ``failures`` and the console ``text``."""
    paths, changed = write_report(report, dest, formats=formats, comment=comment, check_mode=check_mode)
    return {
        "changed": changed,
        "paths": paths,
        "summary": report["summary"],
        "failures": failures(report),
        "text": render_text(report, paths=paths),
    }
