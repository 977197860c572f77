# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""Running the probes: the thread pool, the path, one handshake per TLS version, the verdict."""

from __future__ import annotations

import datetime
import socket
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import Optional

from .._client_errors import CLIENT_ERRORS
from .._display import escape_controls
from .._x509.facts import MAX_KEY_BITS
from .handshakes import again, attempt_version, through_system_store
from .options import (
    _NETWORK_REASONS,
    _UTC,
    EXPIRY_WARNING_DAYS,
    KEYSTORE,
    SYSTEM_STORE,
    ProbeOptions,
    prepare,
)
from .path import open_path
from .proxy import TIMEOUT, PathError, ProxySpec
from .target import _KIND_LABEL, Target
from .tls import (
    TLS_VERSIONS,
    UNCONFIRMED_SUITES,
    UNTRUSTED_CODES,
    Attempt,
    TlsContexts,
    describe_reason,
    is_not_tls,
)
from .trust import cert_facts, chain_entries
from .verdict import (
    ProbeResult,
    _cipher_message,
    _Failed,
    _path_message,
    _trust_failure,
    _unconfirmed_warning,
    _window_message,
    expiry_warning,
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
    for entry in result.chain:
        entry["subject"] = escape_controls(entry["subject"])
        entry["issuer"] = escape_controls(entry["issuer"])


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
        attempt = attempt_version(
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
        extra = again(contexts, opener, verifying, target, options, verify=False)
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
        known = dict(zip(with_leaf.chain, chain))
        known[with_leaf.leaf] = leaf
        result.chain = chain_entries(with_leaf.presented or [with_leaf.leaf], now, known)
        if result.days_left is not None and 0 <= result.days_left < EXPIRY_WARNING_DAYS:
            result.warnings.append(expiry_warning(result.days_left))
    hint = ""
    if verifying is not None and not verifying.verified and verifying.verify_code in UNTRUSTED_CODES:
        # Only a chain the keystore does not anchor depends on the system store (and so on the
        # client's version): only its verdict carries what is unknown about them.
        result.warnings.extend(options.trust_warnings)
        verifying, hint = through_system_store(verifying, target, opener, options, contexts, result)
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
