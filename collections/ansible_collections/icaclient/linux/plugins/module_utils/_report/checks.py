# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compliance report: what each endpoint's checks found, as JSON, JUnit XML and one HTML page.

Pure functions, no Ansible: ``playbooks/compliance.yml`` collects per host what the roles
would change in check mode (summarised by :func:`summarize_changes`), the keystore audit
(``keystore_info``) and the connection probes (``connection_probe``); the
``compliance_report`` module turns that into checks (:func:`host_checks`), one report
(:func:`build_report`) and its three renderings.

A check's status is ``pass``, ``warn`` (reported, not a failure), ``fail`` (the endpoint is not
compliant) or ``error`` (the check itself could not run: counted as a failure).

Secrets: a role's diff is summarised as file names, line counts and ini KEY names, never
values, because registered results no longer carry the ``no_log`` marks of their tasks.
"""

from __future__ import annotations

import difflib
import html
import json
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from typing import Any, Optional

from ._atomic import atomic_write
from ._errors import IcaClientError

SCHEMA = "icaclient-compliance/1"
STATUSES = ("pass", "warn", "fail", "error")
FILES = {"json": "report.json", "junit": "junit.xml", "html": "report.html"}

#: What the user sees for each client error (Citrix Workspace app "SSL error N"), and path failures.
CLIENT_ERRORS: dict[str, str] = {
    "47": "SSL error 47: handshake failure (no TLS version or cipher in common)",
    "59": "SSL error 59: the certificate does not name the server",
    "60": "SSL error 60: the server certificate is self-signed",
    "61": "SSL error 61: the issuer of the server certificate is not trusted",
    "62": "SSL error 62: the keystore cannot get the issuer's root",
    "63": "SSL error 63: a self-signed certificate in the chain",
    "64": "SSL error 64: a signature in the chain does not verify",
    "70": "SSL error 70: a certificate in the chain has expired",
    "76": "SSL error 76: a certificate has been revoked",
    "77": "SSL error 77: the revocation check failed",
    "79": "SSL error 79: a key in the chain is too long",
    "connect": "cannot connect",
    "timeout": "no answer in time",
    "proxy": "the proxy refused the tunnel",
    "proxy_auth": "the proxy refused the credentials",
    "verify": "the chain does not verify",
    "error": "the probe failed",
}

# Keystore audit problems that are worth a warning but do not break a connection.
_KEYSTORE_WARNINGS = frozenset(("expires_soon", "duplicate", "ignored_name"))

_MAX_TOKENS = 8  # names shown per changed file in a role's diff summary
_MAX_NOTE = 240  # characters kept of a prepared diff
_INI_KEY = re.compile(r"^\s*([^=;#\[\]\s][^=;#\[\]]*?)\s*=")
_INI_SECTION = re.compile(r"^\s*\[([^\]]+)\]\s*$")
# Characters XML 1.0 cannot carry at all (a message may quote a server's bytes).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# ---------------------------------------------------------------------------
# Role changes (check mode + diff)


def _diff_items(diff: Any) -> list[Mapping[str, Any]]:
    if isinstance(diff, Mapping):
        return [diff]
    if isinstance(diff, Sequence) and not isinstance(diff, (str, bytes)):
        return [item for item in diff if isinstance(item, Mapping)]
    return []


def _token(line: str) -> str:
    """A changed line's name: an ini key or [section] (never a value), else its first word."""
    section = _INI_SECTION.match(line)
    if section:
        return f"[{section.group(1).strip()}]"
    key = _INI_KEY.match(line)
    if key:
        return key.group(1).strip()
    words = line.split()
    return words[0][:64] if words else ""


def _summarize_diff(diff: Mapping[str, Any]) -> Optional[dict[str, Any]]:
    if "prepared" in diff:
        # A module's own account of the change (apt: the packages it would install).
        text = " ".join(str(diff.get("prepared") or "").split())
        if not text:
            return None
        return {"file": None, "added": None, "removed": None, "names": [], "note": text[:_MAX_NOTE]}
    before = diff.get("before")
    after = diff.get("after")
    if not isinstance(before, str) or not isinstance(after, str):
        return None
    added: list[str] = []
    removed: list[str] = []
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0):
        if line.startswith(("+++", "---", "@@")):
            continue
        if line.startswith("+"):
            added.append(line[1:])
        elif line.startswith("-"):
            removed.append(line[1:])
    if not added and not removed:
        return None
    names: list[str] = []
    for line in removed + added:
        token = _token(line)
        if token and token not in names:
            names.append(token)
    header = diff.get("after_header") or diff.get("before_header")
    return {
        "file": str(header) if header else None,
        "added": len(added),
        "removed": len(removed),
        "names": names,
        "note": None,
    }


def _item_label(item: Any) -> Optional[str]:
    if item is None:
        return None
    if isinstance(item, (str, int, float)):
        return str(item)
    if isinstance(item, Mapping):
        for key in ("name", "path", "url", "key", "src", "folder"):
            value = item.get(key)
            if isinstance(value, (str, int)) and str(value):
                return str(value)
        nested = item.get("item")
        return _item_label(nested)
    if isinstance(item, Sequence):
        parts = [label for label in (_item_label(part) for part in item) if label]
        return " ".join(parts) or None
    return None


def summarize_changes(registered: Mapping[str, Any], *, prefix: str = "") -> list[dict[str, Any]]:
    """What a role's registered task results say would change, one entry per changed result.

    ``registered`` maps variable names to what ``register`` stored (a loop's ``results`` are
    looked into); anything that is not a task result (a fact, a list) is ignored. ``prefix``
    is cut from the names (``__icaclient_keystore_``), so that the step reads
    ``roots_result``. Each entry: ``step``, ``item`` (a label or None) and ``files`` (see
    :func:`_summarize_diff`; empty when the module gave no diff).
    """
    entries: list[dict[str, Any]] = []
    for name in sorted(registered):
        value = registered[name]
        if not isinstance(value, Mapping) or "changed" not in value:
            continue
        step = name[len(prefix) :] if prefix and name.startswith(prefix) else name
        results = value.get("results")
        if isinstance(results, list):
            candidates = [(r, r.get("item")) for r in results if isinstance(r, Mapping)]
        else:
            candidates = [(value, None)]
        for result, item in candidates:
            if not result.get("changed") or result.get("skipped"):
                continue
            files = [s for s in (_summarize_diff(d) for d in _diff_items(result.get("diff"))) if s]
            entries.append({"step": step, "item": _item_label(item), "files": files})
    return entries


def _step_label(change: Mapping[str, Any]) -> str:
    step = str(change.get("step") or "a step")
    step = step[: -len("_result")] if step.endswith("_result") and len(step) > len("_result") else step
    return f"{step} ({change['item']})" if change.get("item") else step


def describe_changes(changes: Sequence[Mapping[str, Any]]) -> str:
    """One line for people: per file the lines added and removed and the keys or names changed
    (several steps changing one file are added up), then the changes without a diff."""
    files: dict[str, dict[str, Any]] = {}
    others: list[str] = []
    for change in changes:
        summaries = change.get("files") or []
        if not summaries:
            others.append(_step_label(change))
        for summary in summaries:
            if summary.get("note"):
                others.append(f"{_step_label(change)}: {summary['note']}")
                continue
            where = str(summary.get("file") or _step_label(change))
            entry = files.setdefault(where, {"added": 0, "removed": 0, "names": []})
            entry["added"] += int(summary.get("added") or 0)
            entry["removed"] += int(summary.get("removed") or 0)
            entry["names"] += [n for n in summary.get("names") or [] if n not in entry["names"]]
    parts = []
    for where, entry in files.items():
        names = entry["names"]
        shown = ", ".join(names[:_MAX_TOKENS])
        if len(names) > _MAX_TOKENS:
            shown += f", +{len(names) - _MAX_TOKENS} more"
        parts.append(f"{where} (+{entry['added']}/-{entry['removed']}{': ' + shown if shown else ''})")
    return "; ".join(dict.fromkeys(parts + others))


# ---------------------------------------------------------------------------
# Checks of one host


def _check(
    check_id: str,
    name: str,
    kind: str,
    status: str,
    message: str,
    *,
    client_error: Any = None,
    fix: Optional[str] = None,
    details: Optional[Mapping[str, Any]] = None,
) -> dict[str, Any]:
    return {
        "id": check_id,
        "name": name,
        "kind": kind,
        "status": status,
        "message": message,
        "client_error": client_error,
        "meaning": CLIENT_ERRORS.get(str(client_error)) if client_error is not None else None,
        "fix": fix,
        "details": dict(details or {}),
    }


def _role_check(entry: Mapping[str, Any], host: str) -> dict[str, Any]:
    role = entry.get("role")
    if not isinstance(role, str) or not role:
        raise IcaClientError(f"cannot build the report: a role entry of host {host} has no role name")
    check_id = f"role:{role}"
    changes = list(entry.get("changes") or [])
    details = {"would_change": entry.get("would_change"), "changes": changes}
    if entry.get("error"):
        return _check(
            check_id,
            role,
            "role",
            "error",
            f"the role failed in check mode: {entry['error']}",
            fix=f"run the role {role} with --check --diff on the host and correct what it names",
            details=details,
        )
    would_change = entry.get("would_change")
    if would_change is None:
        would_change = bool(changes)
    elif isinstance(would_change, str):
        would_change = would_change.strip().lower() in ("true", "yes", "on", "1")
    if not would_change:
        return _check(check_id, role, "role", "pass", "in the desired state: check mode predicts no change")
    what = describe_changes(changes) or "the role reports a change"
    fix = f"run playbooks/site.yml (role {role}) against the host"
    if entry.get("enforced", True):
        return _check(check_id, role, "role", "fail", f"would change: {what}", fix=fix, details=details)
    return _check(
        check_id,
        role,
        "role",
        "warn",
        f"would change (not enforced on this host, so reported only): {what}",
        details=details,
    )


def _keystore_check(audit: Mapping[str, Any]) -> dict[str, Any]:
    if audit.get("error"):
        return _check(
            "keystore", "keystore audit", "keystore", "error", f"the audit failed: {audit['error']}"
        )
    problems = [p for p in audit.get("problems") or [] if isinstance(p, Mapping)]
    summary = audit.get("summary") or {}
    details = {"summary": summary, "problems": problems}
    if not problems:
        count = summary.get("certificates") if isinstance(summary, Mapping) else None
        text = f"{count} certificates, no problem" if count is not None else "no problem"
        return _check("keystore", "keystore audit", "keystore", "pass", text, details=details)
    listed = "; ".join(f"{p.get('file')}: {p.get('message') or p.get('problem')}" for p in problems)
    blocking = [p for p in problems if p.get("problem") not in _KEYSTORE_WARNINGS]
    codes = sorted({str(p.get("problem")) for p in problems})
    error = 79 if "key_over_4096" in codes else 70 if "expired" in codes else None
    return _check(
        "keystore",
        "keystore audit",
        "keystore",
        "fail" if blocking else "warn",
        f"{len(problems)} problem(s): {listed}",
        client_error=error,
        fix="correct the keystore with the icaclient_keystore role (icaclient_keystore_remove, then rehash)"
        if blocking
        else None,
        details=details,
    )


def _split_fix(message: str) -> Optional[str]:
    """The probe's sentence is "<what was found>: <what fixes it>"."""
    head, sep, tail = message.rpartition(": ")
    return tail.strip() if sep and head and tail.strip() else None


def _probe_check(result: Mapping[str, Any]) -> dict[str, Any]:
    target = str(result.get("target"))
    message = str(result.get("message") or "")
    details = {
        key: result.get(key)
        for key in ("tls_version", "tls_versions_accepted", "tls_window", "path", "subject", "days_left")
        if result.get(key) is not None
    }
    if result.get("ok"):
        warnings = [str(w) for w in result.get("warnings") or []]
        if warnings:
            return _check(
                f"probe:{target}", target, "probe", "warn", "; ".join([message, *warnings]), details=details
            )
        return _check(f"probe:{target}", target, "probe", "pass", message, details=details)
    error = result.get("client_error")
    return _check(
        f"probe:{target}",
        target,
        "probe",
        "error" if error == "error" else "fail",
        message or "the probe failed without a message",
        client_error=error,
        fix=_split_fix(message),
        details=details,
    )


def host_checks(raw: Optional[Mapping[str, Any]], host: str = "?") -> list[dict[str, Any]]:
    """The checks of one host from what the compliance play collected for it.

    ``raw``: ``roles`` (list of ``role``, ``enforced``, ``would_change``, ``changes``,
    ``error``), ``keystore`` (``problems``, ``summary`` or ``error``; None: not audited),
    ``probes`` (``results`` of connection_probe, or ``error``; None: no targets); or only
    ``unreachable``, the connection's message, for a host that did not answer. None for a host
    that left the play before its result was recorded (unreachable or failed).
    """
    if raw is None:
        return [
            _check(
                "host",
                "host",
                "host",
                "error",
                "no result: the host was unreachable or failed before its checks were recorded "
                "(see the play recap)",
            )
        ]
    if not isinstance(raw, Mapping):
        raise IcaClientError(f"cannot build the report: the result of host {host} is not a mapping")
    if raw.get("unreachable") is not None:
        return [
            _check(
                "host",
                "host",
                "host",
                "error",
                f"unreachable: {str(raw['unreachable']).strip()}; no check could run on it",
            )
        ]
    checks = [_role_check(entry, host) for entry in raw.get("roles") or [] if isinstance(entry, Mapping)]
    keystore = raw.get("keystore")
    if isinstance(keystore, Mapping):
        checks.append(_keystore_check(keystore))
    probes = raw.get("probes")
    if isinstance(probes, Mapping):
        if probes.get("error"):
            checks.append(
                _check("probe", "connection probe", "probe", "error", f"the probe failed: {probes['error']}")
            )
        for result in probes.get("results") or []:
            if isinstance(result, Mapping):
                checks.append(_probe_check(result))
    return checks


def _counts(checks: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    counts = {status: 0 for status in STATUSES}
    for check in checks:
        counts[check["status"]] += 1
    return counts


def _host_status(counts: Mapping[str, int]) -> str:
    if counts["error"] or counts["fail"]:
        return "fail"
    return "warn" if counts["warn"] else "pass"


def build_report(
    *, hosts: Mapping[str, Optional[Mapping[str, Any]]], title: str, generated: str
) -> dict[str, Any]:
    """The whole report (schema ``icaclient-compliance/1``), hosts sorted by name."""
    host_entries = []
    columns: dict[str, dict[str, str]] = {}
    for name in sorted(hosts, key=str):
        checks = host_checks(hosts[name], str(name))
        for check in checks:
            columns.setdefault(check["id"], {"id": check["id"], "name": check["name"], "kind": check["kind"]})
        counts = _counts(checks)
        host_entries.append(
            {"host": str(name), "status": _host_status(counts), "counts": counts, "checks": checks}
        )
    order = {"host": 0, "role": 1, "keystore": 2, "probe": 3}
    ordered = sorted(
        columns.values(), key=lambda c: order.get(c["kind"], 9)
    )  # stable: first-seen order within a kind
    totals = _counts([check for entry in host_entries for check in entry["checks"]])
    summary = {
        "hosts": len(host_entries),
        "hosts_passed": sum(1 for e in host_entries if e["status"] == "pass"),
        "hosts_warned": sum(1 for e in host_entries if e["status"] == "warn"),
        "hosts_failed": sum(1 for e in host_entries if e["status"] == "fail"),
        "checks": sum(totals.values()),
        "passed": totals["pass"],
        "warnings": totals["warn"],
        "failed": totals["fail"] + totals["error"],
        "errors": totals["error"],
    }
    return {
        "schema": SCHEMA,
        "title": title,
        "generated": generated,
        "summary": summary,
        "columns": ordered,
        "hosts": host_entries,
    }


def failures(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every failing check (fail or error), as host, check, status, client_error, message, fix."""
    return [
        {
            "host": entry["host"],
            "check": check["name"],
            "status": check["status"],
            "client_error": check["client_error"],
            "message": check["message"],
            "fix": check["fix"],
        }
        for entry in report["hosts"]
        for check in entry["checks"]
        if check["status"] in ("fail", "error")
    ]


# ---------------------------------------------------------------------------
# Renderings


def render_json(report: Mapping[str, Any]) -> str:
    return json.dumps(report, indent=2, sort_keys=False, ensure_ascii=False) + "\n"


def _xml_text(value: Any) -> str:
    return _XML_INVALID.sub("\ufffd", "" if value is None else str(value))


def _check_text(check: Mapping[str, Any]) -> str:
    lines = [check["message"]]
    if check.get("meaning"):
        lines.insert(0, check["meaning"])
    if check.get("fix"):
        lines.append(f"fix: {check['fix']}")
    return "\n".join(lines)


def render_junit(report: Mapping[str, Any]) -> str:
    """JUnit XML: one testsuite per host, one testcase per check; fail -> <failure>, error -> <error>."""
    summary = report["summary"]
    root = ET.Element(
        "testsuites",
        {
            "name": _xml_text(report["title"]),
            "tests": str(summary["checks"]),
            "failures": str(summary["failed"] - summary["errors"]),
            "errors": str(summary["errors"]),
            "skipped": "0",
            "timestamp": _xml_text(report["generated"]),
        },
    )
    for entry in report["hosts"]:
        counts = entry["counts"]
        suite = ET.SubElement(
            root,
            "testsuite",
            {
                "name": _xml_text(entry["host"]),
                "hostname": _xml_text(entry["host"]),
                "tests": str(sum(counts.values())),
                "failures": str(counts["fail"]),
                "errors": str(counts["error"]),
                "skipped": "0",
                "timestamp": _xml_text(report["generated"]),
            },
        )
        for check in entry["checks"]:
            case = ET.SubElement(
                suite,
                "testcase",
                {
                    "classname": _xml_text(f"icaclient.compliance.{check['kind']}"),
                    "name": _xml_text(check["name"]),
                },
            )
            if check["status"] in ("fail", "error"):
                error = check.get("client_error")
                element = ET.SubElement(
                    case,
                    "failure" if check["status"] == "fail" else "error",
                    {
                        "message": _xml_text(check["message"]),
                        "type": _xml_text(f"client_error_{error}" if error is not None else check["kind"]),
                    },
                )
                element.text = _xml_text(_check_text(check))
            else:
                out = ET.SubElement(case, "system-out")
                prefix = "warning: " if check["status"] == "warn" else ""
                out.text = _xml_text(prefix + check["message"])
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5rem;color:#1b1f24;background:#fff}
h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1.1rem;margin:1.6rem 0 .5rem}
.meta{color:#57606a;margin:0 0 1rem}
.totals span{display:inline-block;margin-right:1rem;font-weight:600}
table{border-collapse:collapse;font-size:.9rem}
th,td{border:1px solid #d0d7de;padding:.35rem .5rem;vertical-align:top;text-align:left}
th{background:#f6f8fa;max-width:14rem;word-break:break-all}
td.host{font-weight:600;white-space:nowrap}
.pass{background:#dafbe1}.warn{background:#fff8c5}.fail{background:#ffebe9}.error{background:#ffd8d3}
.none{background:#f6f8fa;color:#8c959f}
.badge{font-weight:700;text-transform:uppercase;font-size:.75rem}
.small{font-size:.8rem;color:#424a53;max-width:22rem}
ul.findings{padding-left:1.2rem}ul.findings li{margin:.4rem 0}
.fix{color:#0a3069}
code{font-family:ui-monospace,monospace;font-size:.85em}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def render_html(report: Mapping[str, Any], *, comment: Optional[str] = None) -> str:
    """One self-contained page (inline CSS, no script, no external asset); every value escaped."""
    summary = report["summary"]
    columns = report["columns"]
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
        f'<p class="meta">Generated {_e(report["generated"])} &middot; schema {_e(report["schema"])}</p>',
        '<p class="totals">'
        f"<span>{summary['hosts']} host(s): {summary['hosts_passed']} compliant, "
        f"{summary['hosts_warned']} with warnings, {summary['hosts_failed']} failing</span>"
        f"<span>{summary['checks']} checks: {summary['passed']} passed, {summary['warnings']} warnings, "
        f"{summary['failed']} failed</span></p>",
        "<table>",
        "<thead><tr><th>Host</th>"
        + "".join(f'<th title="{_e(c["id"])}">{_e(c["name"])}</th>' for c in columns)
        + "</tr></thead>",
        "<tbody>",
    ]
    for entry in report["hosts"]:
        by_id = {check["id"]: check for check in entry["checks"]}
        cells = [f'<td class="host {_e(entry["status"])}">{_e(entry["host"])}</td>']
        for column in columns:
            check = by_id.get(column["id"])
            if check is None:
                cells.append('<td class="none">&ndash;</td>')
                continue
            label = check["status"]
            if check.get("client_error") is not None:
                label += f" {check['client_error']}"
            cells.append(
                f'<td class="{_e(check["status"])}"><span class="badge">{_e(label)}</span>'
                f'<div class="small">{_e(check["message"])}</div></td>'
            )
        out.append("<tr>" + "".join(cells) + "</tr>")
    out += ["</tbody>", "</table>"]
    findings = [
        (entry["host"], check)
        for entry in report["hosts"]
        for check in entry["checks"]
        if check["status"] in ("fail", "error", "warn")
    ]
    if findings:
        out.append("<h2>Findings</h2>")
        out.append('<ul class="findings">')
        for host, check in findings:
            parts = [f'<span class="badge {_e(check["status"])}">{_e(check["status"])}</span>']
            parts.append(f"<strong>{_e(host)}</strong> &middot; {_e(check['name'])}")
            if check.get("meaning"):
                parts.append(f"<br>{_e(check['meaning'])}")
            parts.append(f"<br>{_e(check['message'])}")
            if check.get("fix"):
                parts.append(f'<br><span class="fix">Fix: {_e(check["fix"])}</span>')
            out.append("<li>" + " ".join(parts) + "</li>")
        out.append("</ul>")
    out += ["</body>", "</html>", ""]
    return "\n".join(out)


def render_text(report: Mapping[str, Any], *, paths: Optional[Mapping[str, str]] = None) -> str:
    """A few lines for the console: totals, every finding, and where the files are."""
    summary = report["summary"]
    lines = [
        f"{summary['hosts']} host(s): {summary['hosts_passed']} compliant, {summary['hosts_warned']} with "
        f"warnings, {summary['hosts_failed']} failing; {summary['checks']} checks: {summary['passed']} "
        f"passed, {summary['warnings']} warnings, {summary['failed']} failed"
    ]
    for entry in report["hosts"]:
        lines.append(f"{entry['host']}: {entry['status'].upper()}")
        for check in entry["checks"]:
            status = check["status"].upper()
            error = (
                f" [client error {check['client_error']}]" if check.get("client_error") is not None else ""
            )
            lines.append(f"  {status:<5} {check['name']}{error}: {check['message']}")
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
    if os.path.exists(dest) and not os.path.isdir(dest):
        raise IcaClientError(f"cannot write the report into {dest}: it exists and is not a folder")
    paths = {name: os.path.join(dest, FILES[name]) for name in formats}
    changed = False
    for name in formats:
        data = renderers[name]().encode("utf-8")
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
            raise IcaClientError(f"cannot write the report into {dest}: {exc.strerror}") from exc
        changed = atomic_write(paths[name], data, mode=0o644) or changed
    return paths, changed
