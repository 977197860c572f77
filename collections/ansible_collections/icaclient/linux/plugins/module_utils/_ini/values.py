# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""One value of a known key: how a YAML value is written, and whether the client accepts it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Optional

from .._errors import IcaClientError
from .._icaroot import parse_version
from .schema import BOOLEAN_WORDS, SCHEMA, key_spec, normalize_tls


def ini_value(key: str, value: Any, *, path: str, schema: Optional[Mapping[str, Any]] = None) -> str:
    """Turn a value from YAML/JSON into the text written to the ini file.

    A YAML boolean is written in the key's own words (``True``/``False`` or
    ``On``/``Off``); for a key the schema does not know it is refused, because
    ``SmartCard: yes`` would otherwise become ``True`` where the client expects ``On``.
    """
    if isinstance(value, bool):
        spec = key_spec(key, schema)
        words = spec.get("bool_words") if spec else None
        if not words:
            raise IcaClientError(
                f"cannot set {key} in {path}: a YAML boolean is ambiguous for this key; "
                "quote the value as the client expects it (for example 'True', 'On' or '1')"
            )
        return str(words[0] if value else words[1])
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value
    raise IcaClientError(f"cannot set {key} in {path}: a value must be a string, a number or a boolean")


_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
_IPV4 = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")


def _check_int(spec: Mapping[str, Any], value: str, _ctx: Mapping[str, Any]) -> Optional[str]:
    low, high = spec.get("min"), spec.get("max")
    if not re.fullmatch(r"[+-]?\d+", value.strip()):
        return f"must be an integer{_range_text(low, high)}"
    number = int(value)
    if (low is not None and number < low) or (high is not None and number > high):
        return f"must be an integer{_range_text(low, high)}"
    return None


def _range_text(low: Optional[int], high: Optional[int]) -> str:
    if low is not None and high is not None:
        return f" from {low} to {high}"
    if low is not None:
        return f" of at least {low}"
    if high is not None:
        return f" of at most {high}"
    return ""


def _check_choice(spec: Mapping[str, Any], value: str, _ctx: Mapping[str, Any]) -> Optional[str]:
    choices = list(spec.get("choices") or [])
    if value.lower() in (choice.lower() for choice in choices):
        return None
    return f"must be one of {', '.join(choices)}"


def _check_bool(spec: Mapping[str, Any], value: str, _ctx: Mapping[str, Any]) -> Optional[str]:
    if value.lower() in BOOLEAN_WORDS:
        return None
    return "must be a boolean (True/False, On/Off, Yes/No, 1/0)"


def _check_string(spec: Mapping[str, Any], value: str, _ctx: Mapping[str, Any]) -> Optional[str]:
    if spec.get("nonempty") and not value:
        return "must not be empty"
    return None


def _check_url(spec: Mapping[str, Any], value: str, _ctx: Mapping[str, Any]) -> Optional[str]:
    schemes = [s.lower() for s in spec.get("schemes") or ["http", "https"]]
    match = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)://(\S*)$", value)
    if (
        not match
        or match.group(1).lower() not in schemes
        or (match.group(1).lower() != "file" and not match.group(2))
    ):
        return f"must be a URL ({', '.join(s + '://' for s in schemes)})"
    return None


def _split_host_port(value: str) -> tuple[str, Optional[str]]:
    if value.startswith("["):  # [IPv6]:port
        close = value.find("]")
        if close < 0:
            return value, None
        rest = value[close + 1 :]
        return value[: close + 1], (rest[1:] if rest.startswith(":") else rest if rest else None)
    if value.count(":") == 1:
        host, port = value.split(":")
        return host, port
    return value, None


def _port_problem(port: Optional[str]) -> Optional[str]:
    if port is None:
        return None
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        return f"port {port!r} must be an integer from 1 to 65535"
    return None


def _host_problem(host: str) -> Optional[str]:
    if not host or any(ch.isspace() for ch in host):
        return "needs a host name or address without blanks"
    if host.startswith("["):
        return None
    if _IPV4.match(host):
        return None if all(int(part) <= 255 for part in host.split(".")) else "is not a valid IPv4 address"
    labels = host.rstrip(".").split(".")
    if not all(_LABEL.match(label) for label in labels):
        return "is not a valid host name"
    return None


def _check_hostport(spec: Mapping[str, Any], value: str, _ctx: Mapping[str, Any]) -> Optional[str]:
    if not value:
        return None
    host, port = _split_host_port(value)
    return _host_problem(host) or _port_problem(port)


def _check_relay(spec: Mapping[str, Any], value: str, _ctx: Mapping[str, Any]) -> Optional[str]:
    host, port = _split_host_port(value)
    if port is None and value.count(":") > 1 and not value.startswith("["):
        return "must be *:PORT or HOST:PORT"
    port_problem = _port_problem(port) if port is not None else None
    if port_problem:
        return port_problem
    if host == "*":
        return None if port is not None else "must be *:PORT (for example *:443)"
    min_labels = int(spec.get("min_labels") or 1)
    if _IPV4.match(host) or host.startswith("["):
        if min_labels > 1:
            return (
                f"must name the gateway by its fully qualified domain name (host, intermediate domain, "
                f"top-level domain: at least {min_labels} labels), not an IP address"
            )
        return None
    problem = _host_problem(host)
    if problem:
        return problem
    labels = [label for label in host.rstrip(".").split(".") if label]
    if len(labels) < min_labels:
        return (
            f"must be a fully qualified domain name with at least {min_labels} labels (host, intermediate "
            f"domain, top-level domain), such as gateway.example.com; {host!r} has {len(labels)}"
        )
    return None


def _check_tls(spec: Mapping[str, Any], value: str, ctx: Mapping[str, Any]) -> Optional[str]:
    schema = ctx["schema"]
    tls = schema["tls"]
    version = normalize_tls(value, schema)
    if version is None:
        accepted = list(tls["versions"]) + list(tls["aliases"])
        return f"must be a TLS version ({', '.join(accepted)})"
    if version in tls.get("tls13_versions", []) and not _tls13_allowed(ctx):
        minimum = tls.get("tls13_min_client_version")
        how = "set allow_tls13" + (f" or use a client version >= {minimum}" if minimum else "")
        return f"TLS {version} is not enabled for this client ({how})"
    return None


def _version_tuple(text: str) -> tuple[int, ...]:
    """A TLS version (``1.2``) as numbers, to order MinimumTLS and MaximumTLS."""
    return tuple(int(part) for part in re.findall(r"\d+", str(text)))


def _tls13_allowed(ctx: Mapping[str, Any]) -> bool:
    if ctx.get("allow_tls13"):
        return True
    minimum = ctx["schema"]["tls"].get("tls13_min_client_version")
    client = ctx.get("client_version")
    if not (minimum and client):
        return False
    # One reading of versions (_icaroot): "2309" is 23.9, not a version above every 23.x.
    have, need = parse_version(str(client)), parse_version(str(minimum))
    return bool(have and need and have >= need)


_CHECKS = {
    "string": _check_string,
    "choice": _check_choice,
    "int": _check_int,
    "bool": _check_bool,
    "url": _check_url,
    "hostport": _check_hostport,
    "relay": _check_relay,
    "tls": _check_tls,
}


def check_value(
    key: str,
    value: str,
    *,
    schema: Optional[Mapping[str, Any]] = None,
    allow_tls13: bool = False,
    client_version: Optional[str] = None,
) -> Optional[str]:
    """The problem with ``key=value`` in words, or None when the value is acceptable or the key unknown."""
    schema = schema or SCHEMA
    spec = key_spec(key, schema)
    if spec is None:
        return None
    check = _CHECKS[spec.get("type", "string")]
    ctx = {"schema": schema, "allow_tls13": allow_tls13, "client_version": client_version}
    return check(spec, value, ctx)
