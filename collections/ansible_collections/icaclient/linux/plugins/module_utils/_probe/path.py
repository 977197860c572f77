# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""Opening the path of a probe: direct, through SOCKS4/SOCKS5, or an HTTP CONNECT proxy."""

from __future__ import annotations

import ipaddress
import socket
import struct
import time
from typing import Optional

from .http_connect import _http_connect
from .proxy import (
    CONNECT,
    PROXY,
    PROXY_AUTH,
    TIMEOUT,
    PathError,
    ProxySpec,
    _Deadline,
    _join_host_port,
    _tcp_connect,
    dns_name_problem,
)

# ---------------------------------------------------------------------------
# Opening the path


def open_path(
    host: str,
    port: int,
    *,
    proxy: Optional[ProxySpec],
    connect_timeout: float,
    proxy_timeout: float,
) -> socket.socket:
    """A connected TCP socket to ``host:port``, direct or tunnelled through ``proxy``.

    Raises :class:`PathError` naming the hop that failed. A name no resolver could take
    is refused before any hop (a proxy would only answer with a less precise error).
    """
    problem = dns_name_problem(host)
    if problem is not None:
        raise PathError(CONNECT, f"cannot resolve {host}: {problem}")
    if proxy is None:
        return _tcp_connect(host, port, connect_timeout, what=f"{_join_host_port(host, port)}")
    if proxy.kind == "http":
        return _http_connect(proxy, host, port, connect_timeout, proxy_timeout)
    sock = _tcp_connect(proxy.host, proxy.port, connect_timeout, what=proxy.describe())
    try:
        deadline = time.monotonic() + proxy_timeout
        if proxy.kind == "socks5":
            _socks5(sock, proxy, host, port, deadline)
        else:
            _socks4(sock, proxy, host, port, connect_timeout, deadline)
    except BaseException:
        sock.close()
        raise
    return sock


_SOCKS5_REPLIES = {
    1: (PROXY, "general SOCKS server failure"),
    2: (PROXY, "connection not allowed by its rules"),
    3: (CONNECT, "network unreachable"),
    4: (CONNECT, "host unreachable"),
    5: (CONNECT, "connection refused"),
    6: (TIMEOUT, "TTL expired"),
    7: (PROXY, "command not supported"),
    8: (PROXY, "address type not supported"),
}


def _socks5(sock: socket.socket, proxy: ProxySpec, host: str, port: int, deadline: float) -> None:
    io = _Deadline(sock, deadline, proxy.describe())
    methods = b"\x00\x02" if proxy.username else b"\x00"
    io.send(b"\x05" + bytes([len(methods)]) + methods)
    version, method = io.exact(2)
    if version != 5:
        raise PathError(PROXY, f"the {proxy.describe()} does not speak SOCKS5 (answered version {version})")
    if method == 0xFF:
        if proxy.username:
            raise PathError(PROXY_AUTH, f"the {proxy.describe()} accepts none of our authentication methods")
        raise PathError(
            PROXY_AUTH, f"the {proxy.describe()} requires authentication and no proxy credentials were given"
        )
    if method == 2:
        if not proxy.username:
            raise PathError(PROXY_AUTH, f"the {proxy.describe()} requires a username and password")
        user = proxy.username.encode("utf-8")
        secret = (proxy.password or "").encode("utf-8")
        if len(user) > 255 or len(secret) > 255:
            raise PathError(PROXY_AUTH, "SOCKS5 usernames and passwords are limited to 255 bytes")
        io.send(b"\x01" + bytes([len(user)]) + user + bytes([len(secret)]) + secret)
        _sub_version, status = io.exact(2)
        if status != 0:
            raise PathError(
                PROXY_AUTH, f"the {proxy.describe()} rejected the username and password (status {status})"
            )
    elif method != 0:
        raise PathError(
            PROXY, f"the {proxy.describe()} chose an authentication method we did not offer ({method})"
        )
    io.send(b"\x05\x01\x00" + _socks5_address(host) + struct.pack("!H", port))
    head = io.exact(4)
    if head[0] != 5:
        raise PathError(PROXY, f"the {proxy.describe()} sent a malformed SOCKS5 reply")
    reply = head[1]
    if reply != 0:
        failure, text = _SOCKS5_REPLIES.get(reply, (PROXY, f"reply code {reply}"))
        raise PathError(
            failure, f"the {proxy.describe()} could not connect to {_join_host_port(host, port)}: {text}"
        )
    address_type = head[3]
    if address_type == 1:
        io.exact(4 + 2)
    elif address_type == 4:
        io.exact(16 + 2)
    elif address_type == 3:
        length = io.exact(1)[0]
        io.exact(length + 2)
    else:
        raise PathError(PROXY, f"the {proxy.describe()} sent a malformed SOCKS5 reply")


def _socks5_address(host: str) -> bytes:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        name = host.encode("idna")
        if len(name) > 255:
            raise PathError(CONNECT, f"host name {host} is too long for SOCKS5") from None
        return b"\x03" + bytes([len(name)]) + name
    if address.version == 4:
        return b"\x01" + address.packed
    return b"\x04" + address.packed


_SOCKS4_REPLIES = {
    91: (PROXY, "request rejected or failed"),
    92: (PROXY_AUTH, "request rejected: the proxy cannot reach our identd"),
    93: (PROXY_AUTH, "request rejected: identd reports a different user"),
}


def _socks4(
    sock: socket.socket, proxy: ProxySpec, host: str, port: int, connect_timeout: float, deadline: float
) -> None:
    # SOCKS4 carries an IPv4 address: resolve here, as SOCKS4 clients do (SOCKS4a is not
    # understood by every SOCKS4 server, dante included).
    try:
        infos = socket.getaddrinfo(host, port, socket.AF_INET, socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise PathError(
            CONNECT, f"cannot resolve {host} to an IPv4 address for SOCKS4: {exc.strerror}"
        ) from None
    packed = socket.inet_aton(infos[0][4][0])
    io = _Deadline(sock, deadline, proxy.describe())
    user = (proxy.username or "").encode("utf-8")
    io.send(b"\x04\x01" + struct.pack("!H", port) + packed + user + b"\x00")
    version, code = io.exact(8)[:2]
    if version != 0:
        raise PathError(PROXY, f"the {proxy.describe()} does not speak SOCKS4 (answered version {version})")
    if code != 90:
        failure, text = _SOCKS4_REPLIES.get(code, (PROXY, f"reply code {code}"))
        raise PathError(failure, f"the {proxy.describe()} refused {_join_host_port(host, port)}: {text}")


# -- HTTP CONNECT ------------------------------------------------------------------------------------
