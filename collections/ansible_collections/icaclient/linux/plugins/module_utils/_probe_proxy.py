# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
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

import base64
import binascii
import fnmatch
import ipaddress
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Optional
from urllib.parse import urlsplit

from ._errors import IcaClientError

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
    answer = _connect_request(io, target, "Basic " + token)
    if answer.status == 200:
        return
    if answer.status in (401, 407):
        raise PathError(
            PROXY_AUTH, f"the {proxy.describe()} rejected the Basic credentials of user {proxy.username}"
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
    answer = _connect_request(io, target, "NTLM " + base64.b64encode(authenticate or b"").decode("ascii"))
    if answer.status == 200:
        return
    if answer.status in (401, 407):
        raise PathError(
            PROXY_AUTH, f"the {proxy.describe()} rejected the NTLM credentials of user {proxy.username}"
        )
    raise _refusal(proxy, target, answer)


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


def _join_host_port(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
