# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""The checks of one host, from what the compliance play collected for it.

A check's status is ``pass``, ``warn`` (reported, not a failure), ``fail`` (the endpoint is not
compliant) or ``error`` (the check itself could not run: counted as a failure). What a client
error number means, and its usual fix, come from the one table in ``_client_errors``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from .._client_errors import describe, lookup
from .._errors import IcaClientError
from .._probe.verdict import expiry_warning
from .changes import describe_changes
from .expiry import CHECK_ID as EXPIRY_CHECK
from .expiry import DEFAULT_DAYS, KIND, covered, expiry_check_fields

STATUSES = ("pass", "warn", "fail", "error")

# Keystore audit problems that are worth a warning but do not break a connection.
_KEYSTORE_WARNINGS = frozenset(("expires_soon", "duplicate", "ignored_name"))


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
        "meaning": describe(client_error) if client_error is not None else None,
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


def _keystore_check(audit: Mapping[str, Any], forecast_files: set[str]) -> dict[str, Any]:
    if audit.get("error"):
        return _check(
            "keystore", "keystore audit", "keystore", "error", f"the audit failed: {audit['error']}"
        )
    # A certificate that expires soon is the expiry check's finding, not a second one here.
    problems = [
        p
        for p in audit.get("problems") or []
        if isinstance(p, Mapping)
        and not (p.get("problem") == "expires_soon" and p.get("file") in forecast_files)
    ]
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


def _table_fix(error: Any) -> Optional[str]:
    info = lookup(error)
    return info.fix if info is not None else None


def _probe_check(result: Mapping[str, Any], forecast_targets: set[str]) -> dict[str, Any]:
    target = str(result.get("target"))
    message = str(result.get("message") or "")
    details = {
        key: result.get(key)
        for key in ("tls_version", "tls_versions_accepted", "tls_window", "path", "subject", "days_left")
        if result.get(key) is not None
    }
    if result.get("ok"):
        # The server certificate's expiry is the expiry check's finding when it covers the target.
        own = (
            expiry_warning(result["days_left"])
            if target in forecast_targets and result.get("days_left")
            else None
        )
        warnings = [str(w) for w in result.get("warnings") or [] if w != own]
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
        fix=_split_fix(message) or _table_fix(error),
        details=details,
    )


def _host_error(message: str) -> list[dict[str, Any]]:
    """The one check of a host whose checks could not run."""
    return [_check("host", "host", "host", "error", message)]


def host_checks(
    raw: Optional[Mapping[str, Any]], host: str = "?", *, expiry_days: int = DEFAULT_DAYS
) -> list[dict[str, Any]]:
    """The checks of one host from what the compliance play collected for it.

    ``raw``: ``roles`` (list of ``role``, ``enforced``, ``would_change``, ``changes``,
    ``error``), ``keystore`` (``problems``, ``summary`` or ``error``; None: not audited),
    ``probes`` (``results`` of connection_probe, or ``error``; None: no targets); or only
    ``unreachable``, the connection's message, for a host that did not answer. None for a host
    that left the play before its result was recorded (unreachable or failed). The keystore's
    ``certificates`` and the probes' server certificates make the ``expiry`` check: expired is a
    failure, within ``expiry_days`` a warning (see :mod:`.expiry`).
    """
    if raw is None:
        return _host_error(
            "no result: the host was unreachable or failed before its checks were recorded (see the play recap)"
        )
    if not isinstance(raw, Mapping):
        raise IcaClientError(f"cannot build the report: the result of host {host} is not a mapping")
    if raw.get("unreachable") is not None:
        return _host_error(f"unreachable: {str(raw['unreachable']).strip()}; no check could run on it")
    checks = [_role_check(entry, host) for entry in raw.get("roles") or [] if isinstance(entry, Mapping)]
    expiry = expiry_check_fields(raw, expiry_days)
    forecast_files, forecast_targets = covered(expiry)
    keystore = raw.get("keystore")
    if isinstance(keystore, Mapping):
        checks.append(_keystore_check(keystore, forecast_files))
    probes = raw.get("probes")
    if isinstance(probes, Mapping):
        if probes.get("error"):
            checks.append(
                _check("probe", "connection probe", "probe", "error", f"the probe failed: {probes['error']}")
            )
        for result in probes.get("results") or []:
            if isinstance(result, Mapping):
                checks.append(_probe_check(result, forecast_targets))
    if expiry is not None:
        checks.append(
            _check(
                EXPIRY_CHECK,
                "certificate expiry",
                KIND,
                expiry["status"],
                expiry["message"],
                fix=expiry["fix"],
                details=expiry["details"],
            )
        )
    return checks
