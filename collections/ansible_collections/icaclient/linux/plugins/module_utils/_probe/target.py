# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""Probe targets: what the user typed, parsed into a kind, a host, a port and a path."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from .._display import escape_controls
from .._errors import IcaClientError

TARGET_KINDS = ("https", "relay", "ica", "cgp", "tcp")
_TCP_ONLY = ("ica", "cgp", "tcp")
_SCHEME_KINDS = {
    "https": ("https", 443),
    "ssl": ("relay", 443),
    "tls": ("relay", 443),
    "relay": ("relay", 443),
    "ica": ("ica", 1494),
    "cgp": ("cgp", 2598),
    "tcp": ("tcp", None),
}
_BARE_PORT_KINDS = {1494: "ica", 2598: "cgp"}
_KIND_LABEL = {
    "https": "gateway/StoreFront",
    "relay": "SSL Relay",
    "ica": "ICA",
    "cgp": "CGP (session reliability)",
    "tcp": "TCP",
}


@dataclass(frozen=True)
class Target:
    """A parsed target. ``text`` is what the user wrote (reported back unchanged)."""

    text: str
    kind: str
    host: str
    port: int
    path: str = ""

    @property
    def tls(self) -> bool:
        return self.kind not in _TCP_ONLY


def target_secrets(text: str) -> list[str]:
    """The credentials written into a target (``https://user:password@host``), to keep out of logs."""
    authority = _authority(text.strip())
    if "@" not in authority:
        return []
    userinfo = authority.rsplit("@", 1)[0]
    _user, _colon, password = userinfo.partition(":")
    return [secret for secret in (password, userinfo) if secret]


def _authority(raw: str) -> str:
    # Up to the first "/" only, not "?" or "#": a user name such as "a?b" (which urlsplit cuts
    # short) must not leave the password after it in plain sight. An "@" in a query before any
    # "/" is taken for credentials too: refused rather than risk echoing a password.
    rest = raw.split("://", 1)[1] if "://" in raw else raw
    return rest.split("/", 1)[0]


def shown_target(text: str) -> str:
    """``text`` as messages may show it: credentials in it replaced by ``****``, never echoed."""
    raw = text.strip()
    authority = _authority(raw)
    if "@" not in authority:
        return raw
    host = authority.rsplit("@", 1)[1]
    return raw.replace(authority, "****@" + host, 1)


def parse_target(text: str) -> Target:
    """``https://host[:port][/path]``, ``host[:port]`` (SSL Relay, 443; 1494 ICA, 2598 CGP),
    or ``ica://``, ``cgp://``, ``tcp://``, ``ssl://`` with ``host[:port]``.

    Raises IcaClientError naming the target and what is wrong with it; credentials
    written into the target are refused and never shown (``****``).
    """
    if not isinstance(text, str):
        raise IcaClientError(f"a target must be text, not {type(text).__name__}")
    raw = text.strip()
    shown = escape_controls(shown_target(raw))
    if not raw:
        raise IcaClientError("empty target: give https://HOST[:PORT][/PATH], HOST[:PORT] or ica://HOST")
    if any(char.isspace() for char in raw):
        raise IcaClientError(f"target {shown!r} contains blanks")
    if shown != raw:
        if "****@" in shown:
            raise IcaClientError(
                f"target {shown!r} must not carry credentials: give proxy credentials as options, "
                "and never a password in a target"
            )
        raise IcaClientError(f"target {shown!r} contains control characters")
    if "://" in raw:
        scheme = raw.split("://", 1)[0].lower()
        if scheme not in _SCHEME_KINDS:
            hint = " (the client connects to gateways and StoreFront over https)" if scheme == "http" else ""
            raise IcaClientError(
                f"target {shown!r}: scheme {scheme!r} is not one of {', '.join(sorted(_SCHEME_KINDS))}{hint}"
            )
        kind, default_port = _SCHEME_KINDS[scheme]
        url = raw
    else:
        kind, default_port = "", 443
        url = "//" + raw
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise IcaClientError(f"target {shown!r} cannot be parsed: {exc}") from None
    host = parts.hostname
    if not host:
        raise IcaClientError(f"target {shown!r} has no host")
    if not kind:
        if parts.path or parts.query:
            raise IcaClientError(f"target {shown!r}: a path needs https:// in front")
        kind = _BARE_PORT_KINDS.get(port or 443, "relay")
    if kind != "https" and parts.path not in ("", "/"):
        raise IcaClientError(f"target {shown!r}: only https:// targets take a path")
    if port is None:
        if default_port is None:
            raise IcaClientError(f"target {shown!r} needs a port")
        port = default_port
    if port == 0:
        raise IcaClientError(f"target {shown!r}: port 0 is not a port")
    path = parts.path + ("?" + parts.query if parts.query else "") if kind == "https" else ""
    return Target(text=raw, kind=kind, host=host, port=port, path=path)
