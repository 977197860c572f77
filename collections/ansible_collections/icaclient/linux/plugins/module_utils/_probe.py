# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection prober: walk the path the client would take and say what it would say.

One engine, two faces (the ``connection_probe`` module and the ``icaprobe`` CLI).
For each target:

1. the path: direct, or through the proxy the client is configured with (or an
   explicit one): SOCKS4, SOCKS5, HTTP CONNECT (:mod:`._probe_proxy`);
2. for TLS targets, one handshake per TLS version, each version alone, judged
   against the client's [MinimumTLS, MaximumTLS] window; the first handshake that
   reaches the server's certificate also verifies it against the ICA keystore
   (:mod:`._probe_tls`), so trust costs no extra handshake in the common case;
3. a verdict: ``ok``, the client's error number (or a failure name for the
   path), and one sentence saying what is wrong and what fixes it.

Verdict order (the first that applies): the path (``connect``, ``timeout``,
``proxy``, ``proxy_auth``), no TLS at all (47 or ``timeout``), no accepted
version inside the window (47), the chain (61, 62, 63, 60, 64, 70, 59 or
``verify``), a key over 4096 bits (79).

A handshake that times out ends the probe of that target (a server that does
not answer one version will not answer the next); versions not tried then are
listed in ``tls_versions_untested``.

Targets run on a thread pool with a bounded submission window: at most
``2 * concurrency`` targets are in flight or waiting, results are yielded as
they complete, and the target iterable is consumed lazily, so memory does not
grow with the number of targets.
"""

from __future__ import annotations

import dataclasses
import datetime
import math
import os
import socket
import ssl
import time
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Optional, Union
from urllib.parse import urlsplit

from ._client_ciphers import by_openssl_name, suites_for
from ._client_errors import CLIENT_ERRORS
from ._display import escape_controls
from ._errors import IcaClientError
from ._icaroot import FEATURES, ClientVersion, feature, given_version, read_client_version
from ._probe_proxy import (
    CONNECT,
    PROXY,
    PROXY_AUTH,
    PROXY_AUTHS,
    TIMEOUT,
    PathError,
    ProxySpec,
    open_path,
    parse_proxy_url,
    require_ntlm,
)
from ._probe_settings import ClientSettings, read_client_settings
from ._probe_tls import (
    ANY_SUITE,
    MAX_KEY_BITS,
    TLS_VERSIONS,
    UNCONFIRMED_SUITES,
    UNTRUSTED_CODES,
    VERIFY_ERRORS,
    Attempt,
    CertFacts,
    Keystore,
    TlsContexts,
    TrustOverlay,
    cert_facts,
    describe_reason,
    is_not_tls,
    issuer_der,
    make_trust_overlay,
    purpose_problem,
)

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
DEFAULT_ICAROOT = "/opt/Citrix/ICAClient"
MAX_CONCURRENCY = 1024
MAX_TIMEOUT = 3600.0
TRUST_SYSTEM_STORE = ("auto", "yes", "no")
# What a TLS attempt ends with when the peer drops the connection without a word of TLS.
_NETWORK_REASONS = frozenset(("closed", "connection reset by peer", "broken pipe"))
KEYSTORE = "keystore"
SYSTEM_STORE = "system_store"
DIRECT_WORDS = ("direct", "none")
VERIFY = "verify"
EXPIRY_WARNING_DAYS = 30
_UTC = datetime.timezone.utc

ClientError = Union[int, str, None]


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


@dataclass(frozen=True)
class ProbeOptions:
    """What every probe of a run shares. Timeouts are per phase, in seconds."""

    keystore: Keystore
    settings: ClientSettings
    connect_timeout: float = 5.0
    proxy_timeout: float = 5.0
    tls_timeout: float = 5.0
    concurrency: int = 32
    now: Optional[datetime.datetime] = None
    #: A system store consulted only to tell the user what a 2309+ client would do (the
    #: client at hand does not trust it, or its version is unknown).
    system_store_hint: Optional[str] = None
    #: Said on every verdict that depends on the system store (unknown version, missing store).
    trust_warnings: tuple[str, ...] = ()
    #: Proposed keystore changes judged in memory (a what-if); empty: the keystore as it is.
    overlay: TrustOverlay = dataclasses.field(default_factory=TrustOverlay)


@dataclass
class ProbeResult:
    """The verdict on one target. ``client_error`` is the number the client shows (int), a
    failure name (``connect``, ``timeout``, ``proxy``, ``proxy_auth``, ``verify``, ``error``)
    or None when ``ok``. ``path`` is the network path (``direct`` or the proxy's URL, never
    with credentials); ``url_path`` the path of an https target."""

    index: int
    target: str
    kind: str
    host: str
    port: int
    url_path: str
    path: str = "direct"
    ok: bool = False
    client_error: ClientError = None
    message: str = ""
    tls_versions_accepted: list[str] = field(default_factory=list)
    tls_versions_refused: list[str] = field(default_factory=list)
    tls_versions_untested: list[str] = field(default_factory=list)
    tls_version: Optional[str] = None
    tls_window: list[str] = field(default_factory=list)
    trusted: Optional[bool] = None
    trusted_by: Optional[str] = None
    client_version: Optional[str] = None
    subject: Optional[str] = None
    issuer: Optional[str] = None
    not_after: Optional[str] = None
    days_left: Optional[int] = None
    key_bits: Optional[int] = None
    key_type: Optional[str] = None
    warnings: list[str] = field(default_factory=list)
    elapsed: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "kind": self.kind,
            "host": self.host,
            "port": self.port,
            "url_path": self.url_path,
            "path": self.path,
            "ok": self.ok,
            "client_error": self.client_error,
            "message": self.message,
            "tls_versions_accepted": list(self.tls_versions_accepted),
            "tls_versions_refused": list(self.tls_versions_refused),
            "tls_versions_untested": list(self.tls_versions_untested),
            "tls_version": self.tls_version,
            "tls_window": list(self.tls_window),
            "trusted": self.trusted,
            "trusted_by": self.trusted_by,
            "client_version": self.client_version,
            "subject": self.subject,
            "issuer": self.issuer,
            "not_after": self.not_after,
            "days_left": self.days_left,
            "key_bits": self.key_bits,
            "key_type": self.key_type,
            "warnings": list(self.warnings),
            "elapsed": round(self.elapsed, 3),
        }


class _Failed(Exception):
    def __init__(self, client_error: ClientError, message: str) -> None:
        super().__init__(message)
        self.client_error = client_error
        self.message = message


# ---------------------------------------------------------------------------
# Running


def make_options(
    *,
    icaroot: Optional[str] = None,
    keystore: Optional[str] = None,
    user_home: Optional[str] = None,
    proxy: Optional[str] = None,
    proxy_username: Optional[str] = None,
    proxy_password: Optional[str] = None,
    proxy_auth: Optional[str] = None,
    min_tls: Optional[str] = None,
    max_tls: Optional[str] = None,
    timeout: float = 5.0,
    concurrency: int = 32,
    client_version: Optional[str] = None,
    trust_system_store: str = "auto",
    system_store: Optional[str] = None,
    ssl_ciphers: Optional[str] = None,
    trust_add: Sequence[str] = (),
    trust_remove: Sequence[str] = (),
) -> ProbeOptions:
    """The options both faces (module and CLI) build from what the user gave.

    - ``icaroot`` (default ``/opt/Citrix/ICAClient``): the keystore is
      ``<icaroot>/keystore``; the window and proxy come from the client's files
      (``<icaroot>/config`` and ``<user_home>/.ICAClient``, ``user_home``
      defaulting to the home of the user running the probe).
    - ``keystore``: a folder holding ``cacerts/`` and ``intcerts/``, instead of an
      installed client; then only ``user_home``'s files are read, when given.
    - ``proxy``: a URL (overrides the configured proxy) or ``direct``.
      ``proxy_username``/``proxy_password``/``proxy_auth`` without ``proxy`` apply to
      the configured proxy.
    - ``client_version`` (``23.9.0.24`` or ``2309``): the client's version, instead of
      ``<icaroot>/pkginf/Ver.core.*``; unknown when neither says it.
    - ``trust_system_store``: ``auto`` trusts the system store besides the keystore for
      2309+ clients (the keystore alone below, and for an unknown version, with a
      warning), ``yes``/``no`` decide; ``system_store`` is its folder (default OpenSSL's).
    - ``ssl_ciphers`` (``ALL``, ``COM``, ``GOV``): instead of the client's ``SSLCiphers``.
    - ``trust_add``/``trust_remove``: certificates (PEM content; a removal may also be a
      SHA-256 fingerprint) the keystore would gain or lose, judged in memory: what a
      change would do before it is rolled out, with nothing written on the endpoint.
    """
    if icaroot and keystore:
        raise IcaClientError("give the client's icaroot or a keystore folder, not both")
    timeout = _seconds(timeout)
    concurrency = _count(concurrency)
    if proxy_auth is not None and proxy_auth not in PROXY_AUTHS:
        raise IcaClientError(
            f"unknown proxy authentication {proxy_auth!r}: use one of {', '.join(PROXY_AUTHS)}"
        )
    if keystore:
        store = Keystore(keystore)
        config_root = None
        home = user_home
    else:
        config_root = icaroot or DEFAULT_ICAROOT
        if not os.path.isdir(config_root):
            raise IcaClientError(
                f"the client's ICAROOT {config_root} does not exist: give the folder the client is installed in "
                "(icaroot) or a keystore folder (keystore)"
            )
        store = Keystore.of_icaroot(config_root)
        home = user_home or os.path.expanduser("~")
    version = given_version(client_version) if client_version else read_client_version(config_root)
    trust, folder, hint, trust_warnings = _trust_plan(version, trust_system_store, system_store)
    explicit: Optional[ProxySpec] = None
    direct = False
    if proxy and proxy.strip().lower() in DIRECT_WORDS:
        direct = True
    elif proxy:
        explicit = parse_proxy_url(
            proxy, username=proxy_username, password=proxy_password, auth=proxy_auth or "auto"
        )
    overlay = make_trust_overlay(add=trust_add, remove=trust_remove)
    settings = read_client_settings(
        icaroot=config_root,
        user_home=home,
        min_tls=min_tls,
        max_tls=max_tls,
        proxy=explicit,
        direct=direct,
        ssl_ciphers=ssl_ciphers,
    )
    configured = settings.proxy
    if explicit is None and configured is not None and (proxy_username or proxy_password or proxy_auth):
        configured = dataclasses.replace(
            configured,
            username=proxy_username or configured.username,
            password=proxy_password if proxy_password else configured.password,
            auth=proxy_auth or configured.auth,
        )
        if configured.auth in ("basic", "ntlm") and not configured.username:
            raise IcaClientError(f"proxy authentication {configured.auth} needs a proxy username")
        settings = dataclasses.replace(settings, proxy=configured)
    settings = dataclasses.replace(
        settings,
        client_version=version,
        trust_system_store=trust,
        system_store=folder,
        sources=(*settings.sources, f"client version {version.label()} ({version.source})"),
        trust_changes=overlay.labels,
    )
    return ProbeOptions(
        keystore=store,
        settings=settings,
        connect_timeout=timeout,
        proxy_timeout=timeout,
        tls_timeout=timeout,
        concurrency=concurrency,
        system_store_hint=hint,
        trust_warnings=trust_warnings,
        overlay=overlay,
    )


def _seconds(value: Any) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise IcaClientError(f"timeout must be a number of seconds, not {str(value)[:40]!r}") from None
    # NaN compares false with everything: test for the good range, not the bad one.
    if not (math.isfinite(seconds) and 0 < seconds <= MAX_TIMEOUT):
        raise IcaClientError(
            f"timeout must be a positive, finite number of seconds (at most {MAX_TIMEOUT:g}), not {value}"
        )
    return seconds


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str, float)):
        raise IcaClientError(f"concurrency must be a whole number, not {str(value)[:40]!r}")
    try:
        count = int(value)
    except (TypeError, ValueError, OverflowError):
        raise IcaClientError(f"concurrency must be a whole number, not {str(value)[:40]!r}") from None
    if isinstance(value, float) and count != value:
        raise IcaClientError(f"concurrency must be a whole number, not {value}")
    if not 1 <= count <= MAX_CONCURRENCY:
        raise IcaClientError(f"concurrency must be between 1 and {MAX_CONCURRENCY}, not {value}")
    return count


def default_system_store() -> str:
    """OpenSSL's default certificate folder on this host (``SSL_CERT_DIR`` when set)."""
    paths = ssl.get_default_verify_paths()
    return paths.capath or paths.openssl_capath


def _trust_plan(
    version: ClientVersion, mode: str, system_store: Optional[str]
) -> tuple[bool, Optional[str], Optional[str], tuple[str, ...]]:
    """(trust the system store, its folder when trusted, a folder to consult for a hint, warnings).

    From 2309 the client also trusts the system certificate path, on by default
    [C feature, U the key that turns it off and the exact paths: shared/DOMAIN.md].
    """
    if mode not in TRUST_SYSTEM_STORE:
        raise IcaClientError(
            f"trust_system_store must be one of {', '.join(TRUST_SYSTEM_STORE)}, not {str(mode)[:20]!r}"
        )
    if system_store is not None and not os.path.isdir(system_store):
        raise IcaClientError(
            f"the system store {system_store} is not a folder: give the folder of hashed certificates "
            "the endpoint's OpenSSL uses (for example /etc/ssl/certs)"
        )
    folder = system_store or default_system_store()
    present = os.path.isdir(folder)
    release = FEATURES["system_store"].release
    if mode == "no":
        return False, None, None, ()
    has = True if mode == "yes" else feature(version, "system_store")
    if has:
        if not present:
            return (
                True,
                None,
                None,
                (f"the system store {folder} does not exist: the keystore alone was used",),
            )
        return True, folder, None, ()
    if has is None:
        warning = (
            f"the client's version is unknown ({version.source}): the chain was judged against the keystore "
            f"alone, but clients {release} and later also trust the system store {folder}; give "
            "client_version (or trust_system_store) to judge as the endpoint's client does"
        )
        return False, None, folder if present else None, (warning,)
    return False, None, folder if present else None, ()


def prepare(options: ProbeOptions) -> TlsContexts:
    """Check what a run needs before any target is probed (raises IcaClientError)."""
    proxy = options.settings.proxy
    if proxy is not None and proxy.kind == "http" and proxy.auth == "ntlm":
        require_ntlm()
    folder = (
        options.settings.system_store if options.settings.trust_system_store else options.system_store_hint
    )
    return TlsContexts(
        options.keystore,
        system_store=folder,
        ssl_ciphers=options.settings.ssl_ciphers,
        overlay=options.overlay,
    )


def iter_probes(
    targets: Iterable[Target], *, options: ProbeOptions, contexts: Optional[TlsContexts] = None
) -> Iterator[ProbeResult]:
    """Probe every target; yield results as they complete (``result.index`` is the input position)."""
    contexts = contexts or prepare(options)
    workers = max(1, int(options.concurrency))
    window = 2 * workers
    source = enumerate(targets)
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="icaprobe")
    pending: set[Future] = set()
    try:
        exhausted = False
        while True:
            while not exhausted and len(pending) < window:
                try:
                    index, target = next(source)
                except StopIteration:
                    exhausted = True
                    break
                pending.add(
                    pool.submit(probe_target, target, options=options, contexts=contexts, index=index)
                )
            if not pending:
                return
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True)


def probe_all(targets: Iterable[Target], *, options: ProbeOptions) -> list[ProbeResult]:
    """Every result, in target order."""
    results = list(iter_probes(targets, options=options))
    results.sort(key=lambda result: result.index)
    return results


def probe_target(
    target: Target, *, options: ProbeOptions, contexts: TlsContexts, index: int = 0
) -> ProbeResult:
    """Probe one target. Never raises: an unexpected error becomes a failed result."""
    started = time.monotonic()
    settings = options.settings
    result = ProbeResult(index, target.text, target.kind, target.host, target.port, target.path)
    result.client_version = settings.client_version.text if settings.client_version else None
    proxy = settings.proxy
    if proxy is not None and proxy.bypasses(target.host):
        proxy = None
        result.path = "direct (ProxyBypassList)"
    elif proxy is not None:
        result.path = proxy.url()
    try:
        if target.tls:
            _probe_tls(target, proxy, options, contexts, result)
        else:
            _probe_tcp(target, proxy, options, result)
        result.ok = True
    except _Failed as failed:
        result.client_error = failed.client_error
        result.message = failed.message
    except Exception as exc:  # one bad target must not end a run of thousands
        result.client_error = "error"
        result.message = f"the probe itself failed: {type(exc).__name__}: {exc}"
    result.warnings.extend(settings.warnings)
    secret = proxy.password if proxy is not None else None
    if secret:
        result.message = result.message.replace(secret, "********")
        result.warnings = [warning.replace(secret, "********") for warning in result.warnings]
    _escape_result(result)
    result.elapsed = time.monotonic() - started
    return result


def _escape_result(result: ProbeResult) -> None:
    """Everything a server sent (names, alerts, proxy answers) with control characters escaped."""
    for name in ("target", "host", "url_path", "message", "subject", "issuer", "key_type"):
        value = getattr(result, name)
        if isinstance(value, str):
            setattr(result, name, escape_controls(value))
    result.warnings = [escape_controls(warning) for warning in result.warnings]


def _via(proxy: Optional[ProxySpec]) -> str:
    return f" through the {proxy.describe()}" if proxy is not None else ""


def _open(target: Target, proxy: Optional[ProxySpec], options: ProbeOptions) -> socket.socket:
    try:
        return open_path(
            target.host,
            target.port,
            proxy=proxy,
            connect_timeout=options.connect_timeout,
            proxy_timeout=options.proxy_timeout,
        )
    except PathError as exc:
        raise _Failed(exc.failure, _path_message(exc, proxy)) from None


def _path_message(exc: PathError, proxy: Optional[ProxySpec]) -> str:
    fixes = {
        CONNECT: "check the address, the port and the firewalls on the way",
        TIMEOUT: "check that the host is up and that no firewall drops the traffic",
        PROXY: "check the proxy settings (ProxyType, ProxyHost, ProxyPort) and the proxy's rules",
        PROXY_AUTH: "check ProxyUsername and the proxy password, and the schemes the proxy allows",
    }
    return f"{exc.message}: {fixes.get(exc.failure, 'check the path')}"


def _probe_tcp(
    target: Target, proxy: Optional[ProxySpec], options: ProbeOptions, result: ProbeResult
) -> None:
    sock = _open(target, proxy, options)
    sock.close()
    result.message = (
        f"{_KIND_LABEL[target.kind]} port {target.port} on {target.host} is reachable{_via(proxy)}"
    )


def _attempt_order(window: tuple[str, ...]) -> list[str]:
    inside = [version for version in reversed(TLS_VERSIONS) if version in window]
    outside = [version for version in reversed(TLS_VERSIONS) if version not in window]
    return inside + outside


def _probe_tls(
    target: Target,
    proxy: Optional[ProxySpec],
    options: ProbeOptions,
    contexts: TlsContexts,
    result: ProbeResult,
) -> None:
    settings = options.settings
    window = settings.window()
    result.tls_window = [settings.min_tls, settings.max_tls]

    def opener() -> socket.socket:
        return _open(target, proxy, options)

    attempts: dict[str, Attempt] = {}
    verifying: Optional[Attempt] = None
    with_leaf: Optional[Attempt] = None
    timed_out: Optional[Attempt] = None
    untested = list(contexts.untestable)
    order = [version for version in _attempt_order(window) if version not in contexts.untestable]
    for position, version in enumerate(order):
        attempt = _attempt(
            contexts, opener, version, target, verify=verifying is None, timeout=options.tls_timeout
        )
        attempts[version] = attempt
        if attempt.accepted and verifying is None:
            verifying = attempt
        if attempt.leaf is not None and with_leaf is None:
            with_leaf = attempt
        if attempt.timed_out:
            timed_out = attempt
            untested.extend(order[position + 1 :])
            break

    accepted = [version for version in TLS_VERSIONS if version in attempts and attempts[version].accepted]
    result.tls_versions_accepted = accepted
    result.tls_versions_refused = [
        version for version in TLS_VERSIONS if version in attempts and not attempts[version].accepted
    ]
    result.tls_versions_untested = [version for version in TLS_VERSIONS if version in untested]
    usable = [version for version in accepted if version in window]
    result.tls_version = usable[-1] if usable else None

    if verifying is not None and with_leaf is None:
        # The certificate failed verification and no other version handed it over: fetch it once.
        extra = contexts.attempt(
            opener,
            verifying.version,
            server_hostname=target.host,
            verify=False,
            timeout=options.tls_timeout,
            suites=verifying.suites,
        )
        if extra.leaf is not None:
            with_leaf = extra

    now = options.now or datetime.datetime.now(_UTC)
    chain = [cert_facts(der) for der in (with_leaf.chain if with_leaf else [])]
    leaf = cert_facts(with_leaf.leaf) if with_leaf is not None and with_leaf.leaf else None
    if leaf is not None:
        result.subject = leaf.subject
        result.issuer = leaf.issuer
        result.not_after = leaf.not_after.strftime("%Y-%m-%dT%H:%M:%SZ") if leaf.not_after else None
        result.days_left = leaf.days_left(now)
        result.key_bits = leaf.key_bits
        result.key_type = leaf.key_type
        if result.days_left is not None and 0 <= result.days_left < EXPIRY_WARNING_DAYS:
            result.warnings.append(f"the server certificate expires in {result.days_left} days")
    hint = ""
    if verifying is not None and not verifying.verified and verifying.verify_code in UNTRUSTED_CODES:
        # Only a chain the keystore does not anchor depends on the system store (and so on the
        # client's version): only its verdict carries what is unknown about them.
        result.warnings.extend(options.trust_warnings)
        verifying, hint = _through_system_store(verifying, target, opener, options, contexts, result)
    if verifying is not None:
        result.trusted = bool(verifying.verified)
        if verifying.verified:
            result.trusted_by = SYSTEM_STORE if verifying.system_store else KEYSTORE

    where = f"{target.host}:{target.port}{_via(proxy)}"
    mismatched = [version for version in window if version in attempts and attempts[version].cipher_mismatch]
    if not usable and mismatched:
        raise _Failed(47, _cipher_message(where, mismatched, attempts, settings))
    if result.tls_version is not None and attempts[result.tls_version].suites == UNCONFIRMED_SUITES:
        result.warnings.append(_unconfirmed_warning(attempts[result.tls_version], settings))
    if not accepted:
        if timed_out is not None:
            raise _Failed(
                TIMEOUT,
                f"{where} accepted the connection but completed no TLS handshake within {options.tls_timeout:g} s: "
                "check that a TLS service listens there and is not overloaded",
            )
        reasons = [attempts[version].reason for version in order if version in attempts]
        if reasons and all(reason in _NETWORK_REASONS for reason in reasons):
            raise _Failed(
                4,
                f"{where} accepts the connection but closes or resets it before any TLS answer "
                f"({describe_reason(reasons[0])}): {CLIENT_ERRORS[4].fix}",
            )
        if (
            reasons
            and all(is_not_tls(reason) or reason == "closed" for reason in reasons)
            and any(is_not_tls(reason) for reason in reasons)
        ):
            raise _Failed(
                47,
                f"{where} does not answer with TLS ({describe_reason(reasons[0])}): "
                f"point the client at the {_KIND_LABEL[target.kind]} TLS port",
            )
        if "EXCESSIVE_MESSAGE_SIZE" in reasons:
            raise _Failed(
                47,
                f"{where} sends a certificate chain larger than OpenSSL (and so the client) accepts: "
                "configure the server to send only its certificate and the intermediates",
            )
        tried = ", ".join(version for version in TLS_VERSIONS if version in attempts)
        raise _Failed(
            47,
            f"{where} completed no TLS handshake with any of TLS {tried} ({describe_reason(reasons[0])}): "
            "enable TLS 1.2 on the server",
        )
    if not usable:
        raise _Failed(47, _window_message(where, accepted, settings))
    if verifying is not None and not verifying.verified:
        number, message = _trust_failure(verifying, leaf, chain, target, contexts, with_leaf)
        raise _Failed(number, message + hint)
    oversized = [
        facts for facts in ([leaf] if leaf else []) + chain[1:] if (facts.key_bits or 0) > MAX_KEY_BITS
    ]
    if oversized:
        worst = oversized[0]
        role = "server certificate" if worst is leaf else f"CA certificate {worst.label()}"
        raise _Failed(
            79,
            f"the {role} has a {worst.key_bits}-bit {worst.key_type} key, above the client's "
            f"{MAX_KEY_BITS}-bit limit: reissue it with a key of at most {MAX_KEY_BITS} bits",
        )
    detail = f"TLS {' and '.join(usable)} within the window {settings.min_tls}-{settings.max_tls}"
    if result.days_left is not None:
        store = (
            "the keystore" if result.trusted_by == KEYSTORE else f"the system store {contexts.system_store}"
        )
        detail += f"; chain trusted by {store}, {result.days_left} days left"
    version = settings.client_version
    detail += f" (client {version.label() if version is not None and version.known else 'version unknown'})"
    result.message = f"{where}: {detail}"


# OpenSSL reasons of a handshake that found no cipher suite in common.
_CIPHER_REASONS = frozenset(("SSLV3_ALERT_HANDSHAKE_FAILURE", "NO_SHARED_CIPHER", "NO_CIPHERS_AVAILABLE"))


def _attempt(
    contexts: TlsContexts, opener: Any, version: str, target: Target, *, verify: bool, timeout: float
) -> Attempt:
    """One handshake at ``version`` offering the client's suites; on a cipher failure at TLS 1.2 and
    below, try the suites the table leaves unconfirmed, then any suite (to tell a cipher mismatch
    from a refused version). Costs nothing extra when the server agrees with the client."""
    attempt = contexts.attempt(opener, version, server_hostname=target.host, verify=verify, timeout=timeout)
    if attempt.accepted or version == "1.3" or attempt.reason not in _CIPHER_REASONS:
        return attempt
    unconfirmed = contexts.attempt(
        opener,
        version,
        server_hostname=target.host,
        verify=verify,
        timeout=timeout,
        suites=UNCONFIRMED_SUITES,
    )
    if unconfirmed.accepted:
        return unconfirmed
    wide = contexts.attempt(
        opener, version, server_hostname=target.host, verify=False, timeout=timeout, suites=ANY_SUITE
    )
    if wide.accepted:
        attempt.cipher_mismatch = wide.negotiated_cipher or "a suite the client does not offer"
    return attempt


def _cipher_message(
    where: str, mismatched: list[str], attempts: dict[str, Attempt], settings: ClientSettings
) -> str:
    value = settings.ssl_ciphers
    offered = suites_for(value, confirmed=True)
    versions = " and ".join(mismatched)
    chosen = attempts[mismatched[-1]].cipher_mismatch
    return (
        f"{where} accepts TLS {versions} but no cipher suite the client offers with SSLCiphers={value} "
        f"(the server chose {chosen} from a wider offer): enable at least one of "
        f"{', '.join(suite.label() for suite in offered)} on the server"
    )


def _unconfirmed_warning(attempt: Attempt, settings: ClientSettings) -> str:
    suite = by_openssl_name(attempt.negotiated_cipher or "")
    name = suite.label() if suite is not None else (attempt.negotiated_cipher or "an unconfirmed suite")
    offered = ", ".join(suite.label() for suite in suites_for(settings.ssl_ciphers, confirmed=True))
    return (
        f"at TLS {attempt.version} the server agrees with the client only on {name}, which no source confirms "
        f"the client offers [U]: if users see SSL error 47, enable one of {offered} on the server"
    )


def _through_system_store(
    verifying: Attempt,
    target: Target,
    opener: Any,
    options: ProbeOptions,
    contexts: TlsContexts,
    result: ProbeResult,
) -> tuple[Attempt, str]:
    """Judge a chain the keystore does not anchor against the keystore and the system store.

    A client that trusts the system store (2309+) takes that verdict; for one that does not
    (or whose version is unknown) the verdict stays the keystore's, and the message says
    what a 2309+ client would do. Returns the attempt that decides and a hint for the message.
    """
    folder = contexts.system_store
    if folder is None:
        return verifying, ""
    second = contexts.attempt(
        opener,
        verifying.version,
        server_hostname=target.host,
        verify=True,
        timeout=options.tls_timeout,
        system_store=True,
        suites=verifying.suites,
    )
    if not second.accepted or second.verify_code in UNTRUSTED_CODES:
        return verifying, ""
    release = FEATURES["system_store"].release
    if options.settings.trust_system_store:
        if second.verified:
            root = cert_facts(second.chain[-1]).label() if second.chain else "its root"
            result.warnings.append(
                f"the chain is trusted only through the system store {folder}, not the keystore: clients "
                f"before {release} fail it with SSL error 61; add the root {root} to "
                f"{contexts.keystore.cacerts} and rehash to serve them too"
            )
        return second, ""
    version = options.settings.client_version
    who = (
        f"this client ({version.label()}) does not"
        if version is not None and version.known
        else "whether this client does is unknown"
    )
    return verifying, (
        f"; clients {release} and later also trust the system store {folder}, which anchors this chain "
        f"({who})"
    )


def _window_message(where: str, accepted: list[str], settings: ClientSettings) -> str:
    offered = " and ".join(accepted)
    only = "only " if len(accepted) < len(TLS_VERSIONS) else ""
    if TLS_VERSIONS.index(accepted[-1]) < TLS_VERSIONS.index(settings.min_tls):
        return (
            f"{where} offers {only}TLS {offered}, below MinimumTLS={settings.min_tls}: enable TLS "
            f"{settings.min_tls} or later on the server (lowering MinimumTLS weakens every connection)"
        )
    return (
        f"{where} offers {only}TLS {offered}, above MaximumTLS={settings.max_tls}: raise MaximumTLS to "
        f"{accepted[0]} if this client version supports it, or enable TLS {settings.max_tls} on the server"
    )


def _trust_failure(
    verifying: Attempt,
    leaf: Optional[CertFacts],
    chain: list[CertFacts],
    target: Target,
    contexts: TlsContexts,
    with_leaf: Optional[Attempt],
) -> tuple[ClientError, str]:
    code = verifying.verify_code or 0
    number, cause = VERIFY_ERRORS.get(code, (None, verifying.verify_message or f"verify error {code}"))
    keystore = contexts.keystore.path
    subject = leaf.label() if leaf else "the server certificate"
    top = chain[-1] if chain else leaf
    top_der = (
        with_leaf.chain[-1] if with_leaf and with_leaf.chain else with_leaf.leaf if with_leaf else None
    ) or b""
    missing = top.issuer if top else "its issuer"
    if code in (20, 21, 2):
        unlinked: list[str] = []
        passed = 0
        if top_der:
            missing, unlinked, passed = contexts.missing_issuer(issuer_der(top_der) or b"", missing)
        if unlinked:
            return number, (
                f"the issuer {missing} is in {', '.join(unlinked)} but OpenSSL, like the client, cannot find it "
                f"there ({cause}): keep one PEM certificate per file and rehash the keystore (ctx_rehash)"
            )
        if code == 2 or passed:
            return number, (
                f"the keystore completes the chain of {subject} with intermediates but holds no root for it "
                f"({cause}): add the root {missing} to {keystore}/cacerts and rehash"
            )
        short = ", and the server sends no intermediate" if len(chain) <= 1 else ""
        return number, (
            f"the client does not trust {missing}, the issuer of {subject}{short} ({cause}): add the issuing "
            f"root to {keystore}/cacerts (and an intermediate the server does not send to {keystore}/intcerts), "
            "then rehash"
        )
    if code == 18:
        return number, (
            f"the server certificate {subject} is self-signed ({cause}): replace it with one issued by a CA "
            f"in the keystore, or add it to {keystore}/cacerts if you trust it"
        )
    if code == 19:
        # Python < 3.10 cannot show what the server sent: then the root cannot be named.
        root = f"the root {chain[-1].label()}" if len(chain) > 1 else "a self-signed root"
        return number, (
            f"the server sends {root}, which is not in the keystore ({cause}): add that root to "
            f"{keystore}/cacerts if you trust it"
        )
    if code == 9:
        return number, (
            f"a certificate in the chain of {subject} is not valid yet ({cause}): check this endpoint's clock "
            "(NTP; thin clients without a real-time clock often start in the past), or wait until it is valid"
        )
    if code == 10:
        if leaf is not None and leaf.not_after is not None and leaf.not_after < datetime.datetime.now(_UTC):
            when = leaf.not_after.strftime("%Y-%m-%d")
            return number, f"the server certificate {subject} expired on {when} ({cause}): renew it"
        return number, f"a certificate in the chain of {subject} is outside its validity ({cause}): renew it"
    if code == 26:
        problem = purpose_problem(with_leaf.leaf) if with_leaf is not None and with_leaf.leaf else None
        if problem == "key_usage":
            return 84, (
                f"the key usage of {subject} does not allow a TLS server ({cause}): reissue it with "
                "digitalSignature (and keyEncipherment for an RSA key) in its key usage"
            )
        return 81, (
            f"the extended key usage of {subject} does not allow TLS server authentication ({cause}): "
            "reissue it with the serverAuth extended key usage"
        )
    if code == 34:
        return number, (
            f"a certificate in the chain of {subject} carries a critical extension the client does not know "
            f"({cause}): reissue it without that extension or with it non-critical (TLS-inspecting proxy "
            "CAs often add one)"
        )
    if code in (62, 64):
        return number, (
            f"the certificate {subject} does not name {target.host} ({cause}): connect with a name the "
            "certificate covers, or reissue it with that name"
        )
    if code == 7:
        return number, (
            f"a signature in the chain of {subject} does not verify ({cause}): the server or the keystore "
            "holds a wrong issuer certificate"
        )
    return VERIFY, f"OpenSSL rejected the chain of {subject}: {cause} (verify code {code})"


def summarize(results: Iterable[ProbeResult]) -> dict[str, int]:
    total = passed = 0
    for result in results:
        total += 1
        passed += 1 if result.ok else 0
    return {"total": total, "passed": passed, "failed": total - passed}
