# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""The network path of a probe: a TCP connection, direct or through a proxy.

Proxies the client speaks: SOCKS4, SOCKS5 (no authentication or username and
password, RFC 1928/1929) and HTTP CONNECT, the client's ``Secure`` proxy (no
authentication, Basic, or NTLM).

The SOCKS and CONNECT handshakes are written here on plain sockets, on
purpose: they are a few dozen lines each, and keeping them here keeps managed
hosts free of extra libraries. python-socks does SOCKS and Basic CONNECT but
is not a dependency we want on every endpoint, and no library we know of does
NTLM over CONNECT (urllib3 raises on a 407 answer to CONNECT). NTLM tokens come
from pyspnego when it is importable; asking for NTLM without it raises
:class:`NtlmUnavailableError`, which the module turns into missing_required_lib.

Every phase has its own time budget: ``connect_timeout`` for the TCP connect
(to the proxy or the target) and ``proxy_timeout`` for the whole proxy
handshake, enforced as a deadline so that a proxy that drips bytes cannot hold
a probe longer than that.

Secrets: the proxy password lives only in :class:`ProxySpec` (excluded from its
repr) and in the request bytes sent to the proxy. Messages and exceptions name
the proxy, the user and the cause, never the password or an encoded header.
"""

from __future__ import annotations

import fnmatch
import socket
import time
from dataclasses import dataclass, field
from typing import Optional
from urllib.parse import urlsplit

from .._errors import IcaClientError

PROXY_KINDS = ("socks4", "socks5", "http")
PROXY_AUTHS = ("auto", "none", "basic", "ntlm")
DEFAULT_PORTS = {"socks4": 1080, "socks5": 1080, "http": 8080}
_SCHEMES = {
    "socks4": "socks4",
    "socks4a": "socks4",
    "socks5": "socks5",
    "socks5h": "socks5",
    "socks": "socks5",
    "http": "http",
    "secure": "http",
    "connect": "http",
}
_KIND_LABEL = {"socks4": "SOCKS4", "socks5": "SOCKS5", "http": "HTTP CONNECT"}

#: Failure names a path can end with (also used as ``client_error`` by the prober).
CONNECT = "connect"
TIMEOUT = "timeout"
PROXY = "proxy"
PROXY_AUTH = "proxy_auth"

_MAX_HEAD = 64 * 1024
_MAX_DRAIN = 1024 * 1024


class NtlmUnavailableError(IcaClientError):
    """NTLM proxy authentication was asked for and pyspnego cannot be imported."""

    library = "pyspnego"


class PathError(Exception):
    """The TCP path to the target could not be opened.

    ``failure`` is one of ``connect``, ``timeout``, ``proxy``, ``proxy_auth``;
    ``message`` is a sentence that names the hop and the cause (never a secret).
    """

    def __init__(self, failure: str, message: str) -> None:
        super().__init__(message)
        self.failure = failure
        self.message = message


@dataclass(frozen=True)
class ProxySpec:
    """A proxy the probe goes through. ``password`` never appears in repr()."""

    kind: str
    host: str
    port: int
    username: Optional[str] = None
    password: Optional[str] = field(default=None, repr=False)
    auth: str = "auto"
    bypass: tuple[str, ...] = ()
    source: str = "explicit"

    def describe(self) -> str:
        """``SOCKS5 proxy 10.0.0.1:1080`` (with the auth scheme and user when given, never the password)."""
        text = f"{_KIND_LABEL[self.kind]} proxy {_join_host_port(self.host, self.port)}"
        if self.username:
            scheme = "" if self.kind != "http" or self.auth == "auto" else f"{self.auth} "
            text += f" ({scheme}user {self.username})"
        return text

    def url(self) -> str:
        """The proxy as a URL without credentials, for reports."""
        return f"{self.kind}://{_join_host_port(self.host, self.port)}"

    def bypasses(self, host: str) -> bool:
        """Whether ``host`` matches the client's ProxyBypassList (``*`` wildcards, ``<local>``)."""
        name = host.lower().rstrip(".")
        for pattern in self.bypass:
            if pattern == "<local>":
                if "." not in name and ":" not in name:
                    return True
            elif fnmatch.fnmatchcase(name, pattern):
                return True
        return False


def parse_proxy_url(
    url: str,
    *,
    username: Optional[str] = None,
    password: Optional[str] = None,
    auth: str = "auto",
    source: str = "explicit",
) -> ProxySpec:
    """``socks4://host:port``, ``socks5://host:port`` or ``http://host:port`` as a :class:`ProxySpec`.

    Credentials never travel in the URL (URLs end up in logs and argv): a URL
    with ``user@`` is refused, and the message does not repeat it.
    """
    text = url.strip()
    if auth not in PROXY_AUTHS:
        raise IcaClientError(f"unknown proxy authentication {auth!r}: use one of {', '.join(PROXY_AUTHS)}")
    if "://" not in text:
        raise IcaClientError(
            f"proxy {text!r} has no scheme: write socks4://HOST:PORT, socks5://HOST:PORT or http://HOST:PORT"
        )
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        if "@" in text:
            raise IcaClientError(
                "the proxy URL cannot be parsed (it holds credentials, which it must not)"
            ) from None
        raise IcaClientError(f"proxy URL {text!r} cannot be parsed: {exc}") from None
    if "@" in parts.netloc:
        raise IcaClientError(
            "the proxy URL must not carry credentials (user:password@): give them as the proxy username and "
            "password options, the environment or a credentials file"
        )
    scheme = parts.scheme.lower()
    kind = _SCHEMES.get(scheme)
    if kind is None:
        raise IcaClientError(
            f"proxy scheme {scheme!r} is not supported: use socks4, socks5 or http (HTTP CONNECT)"
        )
    host = parts.hostname
    if not host:
        raise IcaClientError(f"proxy URL {text!r} has no host")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise IcaClientError(f"proxy URL {text!r} must be SCHEME://HOST[:PORT] without a path")
    if auth == "ntlm" and kind != "http":
        raise IcaClientError(f"NTLM authentication applies to HTTP CONNECT proxies, not {kind}")
    if auth in ("basic", "ntlm") and not username:
        raise IcaClientError(f"proxy authentication {auth} needs a proxy username")
    if kind == "socks4" and password:
        raise IcaClientError(
            "SOCKS4 has no password authentication: use socks5:// for a proxy with a password"
        )
    return ProxySpec(
        kind=kind,
        host=host,
        port=port or DEFAULT_PORTS[kind],
        username=username or None,
        password=password if password else None,
        auth=auth,
        source=source,
    )


def parse_bypass_list(value: str) -> tuple[str, ...]:
    """ProxyBypassList entries (separated by ``;``, ``,`` or blanks), lower-cased."""
    entries = []
    for raw in value.replace(",", ";").replace(" ", ";").split(";"):
        entry = raw.strip().lower()
        if entry.startswith(("http://", "https://")):
            entry = entry.split("://", 1)[1]
        if entry:
            entries.append(entry)
    return tuple(entries)


def ntlm_available() -> bool:
    try:
        import spnego  # noqa: F401  (probing for the optional library)
    except ImportError:
        return False
    return True


def require_ntlm() -> None:
    """Raise :class:`NtlmUnavailableError` when pyspnego cannot be imported."""
    if not ntlm_available():
        raise NtlmUnavailableError(
            "NTLM proxy authentication needs the Python library pyspnego on the host running the probe"
        )


def dns_name_problem(host: str) -> Optional[str]:
    """Why ``host`` cannot be a name to resolve (None when it may be one, or is an address)."""
    try:
        socket.inet_pton(socket.AF_INET6 if ":" in host else socket.AF_INET, host.split("%", 1)[0])
        return None
    except (OSError, ValueError):
        pass
    if len(host.rstrip(".")) > 253:
        return f"the name is {len(host.rstrip('.'))} characters long, above the DNS limit of 253"
    for label in host.rstrip(".").split("."):
        if not label:
            return "the name has an empty label (two dots in a row, or a leading dot)"
        if len(label) > 63 and label.isascii():
            return f"the label {label[:20]}... is {len(label)} characters long, above the DNS limit of 63"
    try:
        host.encode("idna")
    except UnicodeError as exc:
        return f"the name is not a valid internationalized name ({exc.args[-1] if exc.args else exc})"
    return None


def _tcp_connect(host: str, port: int, timeout: float, *, what: str) -> socket.socket:
    problem = dns_name_problem(host)
    if problem is not None:
        raise PathError(CONNECT, f"cannot resolve {host}: {problem}")
    try:
        infos = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise PathError(CONNECT, f"cannot resolve {host}: {exc.strerror or exc}") from None
    except (UnicodeError, ValueError) as exc:  # what the resolver's encoding refuses
        raise PathError(CONNECT, f"cannot resolve {host}: not a name the resolver accepts ({exc})") from None
    deadline = time.monotonic() + timeout
    last: Optional[BaseException] = None
    for family, socktype, proto, _name, address in infos:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        sock = socket.socket(family, socktype, proto)
        sock.settimeout(remaining)
        try:
            sock.connect(address)
        except OSError as exc:
            sock.close()
            last = exc
            continue
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock
    if last is None or isinstance(last, socket.timeout):
        raise PathError(TIMEOUT, f"no answer from {what} within {timeout:g} s (filtered or unreachable)")
    reason = getattr(last, "strerror", None) or str(last)
    raise PathError(CONNECT, f"cannot connect to {what}: {reason.lower()}")


class _Deadline:
    """Receive helpers that respect one deadline for a whole handshake."""

    def __init__(self, sock: socket.socket, deadline: float, what: str) -> None:
        self.sock = sock
        self.deadline = deadline
        self.what = what

    def _arm(self) -> None:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise PathError(TIMEOUT, f"the {self.what} did not finish its handshake in time")
        self.sock.settimeout(remaining)

    def send(self, data: bytes) -> None:
        self._arm()
        try:
            self.sock.sendall(data)
        except socket.timeout:
            raise PathError(TIMEOUT, f"the {self.what} did not finish its handshake in time") from None
        except OSError as exc:
            raise PathError(PROXY, f"the {self.what} closed the connection ({_reason(exc)})") from None

    def recv(self, size: int, flags: int = 0) -> bytes:
        self._arm()
        try:
            return self.sock.recv(size, flags)
        except socket.timeout:
            raise PathError(TIMEOUT, f"the {self.what} did not finish its handshake in time") from None
        except OSError as exc:
            raise PathError(PROXY, f"the {self.what} closed the connection ({_reason(exc)})") from None

    def exact(self, size: int) -> bytes:
        chunks = []
        left = size
        while left:
            chunk = self.recv(left)
            if not chunk:
                raise PathError(PROXY, f"the {self.what} closed the connection in the middle of its answer")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)


def _reason(exc: BaseException) -> str:
    return (getattr(exc, "strerror", None) or str(exc) or type(exc).__name__).lower()


# -- SOCKS -------------------------------------------------------------------------------------------


def _join_host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
