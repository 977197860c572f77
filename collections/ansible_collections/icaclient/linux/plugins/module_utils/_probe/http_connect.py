# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""HTTP CONNECT through the client's ``Secure`` proxy: no authentication, Basic or NTLM."""

from __future__ import annotations

import base64
import binascii
import socket
import threading
import time
from typing import Any, Optional

from .proxy import (
    _MAX_DRAIN,
    _MAX_HEAD,
    CONNECT,
    PROXY,
    PROXY_AUTH,
    PathError,
    ProxySpec,
    _Deadline,
    _join_host_port,
    _tcp_connect,
    ntlm_available,
    require_ntlm,
)

# Which scheme answered a proxy's first 407, per proxy, so that later probes through the same
# proxy skip the unauthenticated round trip.
_AUTH_MEMO: dict[tuple[str, int, str], str] = {}
_AUTH_MEMO_LOCK = threading.Lock()


class _HttpAnswer:
    def __init__(self, status: int, reason: str, headers: list[tuple[str, str]], reusable: bool) -> None:
        self.status = status
        self.reason = reason
        self.headers = headers
        self.reusable = reusable

    def values(self, name: str) -> list[str]:
        folded = name.lower()
        return [value for key, value in self.headers if key.lower() == folded]

    def schemes(self) -> list[str]:
        found = []
        for value in self.values("proxy-authenticate"):
            scheme = value.strip().split(" ", 1)[0].lower()
            if scheme and scheme not in found:
                found.append(scheme)
        return found

    def challenge(self, scheme: str) -> Optional[bytes]:
        for value in self.values("proxy-authenticate"):
            parts = value.strip().split(None, 1)
            if parts and parts[0].lower() == scheme and len(parts) == 2:
                try:
                    return base64.b64decode(parts[1].strip(), validate=True)
                except (binascii.Error, ValueError):
                    return None
        return None


def _http_connect(
    proxy: ProxySpec, host: str, port: int, connect_timeout: float, proxy_timeout: float
) -> socket.socket:
    target = _join_host_port(host, port)
    auth = proxy.auth if proxy.username else "none"
    memo_key = (proxy.host, proxy.port, proxy.username or "")
    if auth == "auto":
        with _AUTH_MEMO_LOCK:
            auth = _AUTH_MEMO.get(memo_key, "auto")
    if auth == "ntlm":
        require_ntlm()
    sock = _tcp_connect(proxy.host, proxy.port, connect_timeout, what=proxy.describe())
    # The handshake budget starts once the proxy accepted the connection (connect has its own).
    deadline = time.monotonic() + proxy_timeout
    try:
        io = _Deadline(sock, deadline, proxy.describe())
        if auth in ("none", "auto"):
            answer = _connect_request(io, target, None)
            if answer.status == 200:
                return sock
            if answer.status not in (401, 407):
                raise _refusal(proxy, target, answer)
            if auth == "none":
                raise PathError(
                    PROXY_AUTH,
                    f"the {proxy.describe()} requires authentication ({_offered(answer)}) and no proxy "
                    "credentials were given",
                )
            schemes = answer.schemes()
            if "ntlm" in schemes and ntlm_available():
                auth = "ntlm"
            elif "basic" in schemes:
                auth = "basic"
            elif "ntlm" in schemes:
                raise PathError(
                    PROXY_AUTH,
                    f"the {proxy.describe()} asks for NTLM, which needs the Python library pyspnego on this host",
                )
            else:
                raise PathError(
                    PROXY_AUTH,
                    f"the {proxy.describe()} offers only {_offered(answer)}, which the client does not use",
                )
            with _AUTH_MEMO_LOCK:
                _AUTH_MEMO[memo_key] = auth
            if not answer.reusable:
                sock.close()
                sock = _tcp_connect(proxy.host, proxy.port, connect_timeout, what=proxy.describe())
                io = _Deadline(sock, deadline, proxy.describe())
        if auth == "basic":
            _connect_basic(io, proxy, target)
        else:
            _connect_ntlm(io, proxy, target)
    except BaseException:
        sock.close()
        raise
    return sock


def _connect_basic(io: _Deadline, proxy: ProxySpec, target: str) -> None:
    token = base64.b64encode(f"{proxy.username}:{proxy.password or ''}".encode()).decode("ascii")
    _accepted(_connect_request(io, target, "Basic " + token), proxy, target, "Basic")


def _accepted(answer: Any, proxy: ProxySpec, target: str, scheme: str) -> None:
    """The proxy's answer to a CONNECT with credentials: 200 goes on, 401 or 407 rejects the
    credentials, anything else is a refusal."""
    if answer.status == 200:
        return
    if answer.status in (401, 407):
        raise PathError(
            PROXY_AUTH, f"the {proxy.describe()} rejected the {scheme} credentials of user {proxy.username}"
        )
    raise _refusal(proxy, target, answer)


def _connect_ntlm(io: _Deadline, proxy: ProxySpec, target: str) -> None:
    context = _ntlm_client(proxy)
    try:
        negotiate = context.step()
    except Exception as exc:  # pyspnego raises its own hierarchy; the message holds no secret
        raise PathError(
            PROXY_AUTH, f"cannot build the NTLM negotiate message: {type(exc).__name__}"
        ) from None
    answer = _connect_request(io, target, "NTLM " + base64.b64encode(negotiate).decode("ascii"))
    if answer.status == 200:
        return
    if answer.status not in (401, 407):
        raise _refusal(proxy, target, answer)
    challenge = answer.challenge("ntlm")
    if challenge is None:
        raise PathError(
            PROXY_AUTH,
            f"the {proxy.describe()} answered the NTLM negotiate message without an NTLM challenge",
        )
    if not answer.reusable:
        raise PathError(
            PROXY_AUTH,
            f"the {proxy.describe()} closed the connection after its NTLM challenge (NTLM needs one connection)",
        )
    try:
        authenticate = context.step(challenge)
    except Exception as exc:
        raise PathError(
            PROXY_AUTH, f"cannot answer the NTLM challenge of the {proxy.describe()}: {type(exc).__name__}"
        ) from None
    token = base64.b64encode(authenticate or b"").decode("ascii")
    _accepted(_connect_request(io, target, "NTLM " + token), proxy, target, "NTLM")


def _ntlm_client(proxy: ProxySpec) -> Any:
    require_ntlm()
    import spnego

    return spnego.client(proxy.username, proxy.password, hostname=proxy.host, service="HTTP", protocol="ntlm")


def _connect_request(io: _Deadline, target: str, authorization: Optional[str]) -> _HttpAnswer:
    lines = [f"CONNECT {target} HTTP/1.1", f"Host: {target}", "Proxy-Connection: keep-alive"]
    if authorization:
        lines.append("Proxy-Authorization: " + authorization)
    io.send(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    answer = _read_head(io)
    if answer.status != 200:
        _drain_body(io, answer)
    return answer


def _read_head(io: _Deadline) -> _HttpAnswer:
    # Read exactly the head: what follows a 200 belongs to the tunnel, so peek before consuming.
    head = bytearray()
    while True:
        chunk = io.recv(4096, socket.MSG_PEEK)
        if not chunk:
            if not head:
                raise PathError(PROXY, f"the {io.what} closed the connection without answering CONNECT")
            raise PathError(PROXY, f"the {io.what} closed the connection in the middle of its answer")
        tail = bytes(head[-3:])
        position = (tail + chunk).find(b"\r\n\r\n")
        if position >= 0:
            head += io.exact(position + 4 - len(tail))
            break
        head += io.exact(len(chunk))
        if len(head) > _MAX_HEAD:
            raise PathError(PROXY, f"the {io.what} sent an answer head larger than {_MAX_HEAD} bytes")
    lines = bytes(head).decode("latin-1").split("\r\n")
    status_line = lines[0].split(" ", 2)
    if len(status_line) < 2 or not status_line[0].startswith("HTTP/") or not status_line[1].isdigit():
        raise PathError(PROXY, f"the {io.what} does not speak HTTP (answered {lines[0][:40]!r})")
    headers = []
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers.append((name.strip(), value.strip()))
    answer = _HttpAnswer(int(status_line[1]), status_line[2] if len(status_line) > 2 else "", headers, True)
    tokens = ",".join(answer.values("connection") + answer.values("proxy-connection")).lower()
    if "close" in tokens or (status_line[0] == "HTTP/1.0" and "keep-alive" not in tokens):
        answer.reusable = False
    return answer


def _drain_body(io: _Deadline, answer: _HttpAnswer) -> None:
    if "chunked" in ",".join(answer.values("transfer-encoding")).lower():
        total = 0
        while True:
            size_line = _read_line(io)
            try:
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
            except ValueError:
                answer.reusable = False
                return
            if size == 0:
                while _read_line(io):
                    pass
                return
            total += size
            if total > _MAX_DRAIN:
                answer.reusable = False
                return
            io.exact(size + 2)
    lengths = answer.values("content-length")
    if not lengths:
        answer.reusable = False
        return
    try:
        length = int(lengths[0])
    except ValueError:
        answer.reusable = False
        return
    if length > _MAX_DRAIN:
        answer.reusable = False
        return
    if length:
        io.exact(length)


def _read_line(io: _Deadline) -> bytes:
    line = bytearray()
    while not line.endswith(b"\r\n"):
        line += io.exact(1)
        if len(line) > 4096:
            raise PathError(PROXY, f"the {io.what} sent a malformed chunked body")
    return bytes(line[:-2])


def _offered(answer: _HttpAnswer) -> str:
    schemes = [scheme.upper() if scheme == "ntlm" else scheme.capitalize() for scheme in answer.schemes()]
    return ", ".join(schemes) if schemes else "no scheme named"


def _refusal(proxy: ProxySpec, target: str, answer: _HttpAnswer) -> PathError:
    text = f"the {proxy.describe()} answered {answer.status} {answer.reason}".rstrip()
    if answer.status in (502, 503, 504):
        return PathError(CONNECT, f"{text} to CONNECT {target}: it cannot reach the target")
    return PathError(PROXY, f"{text} to CONNECT {target}")
