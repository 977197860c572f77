# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""The handshakes of one target beyond the first: the wider suite offers that tell a cipher
mismatch from a refused version, a handshake repeated, and the judgement through the system store.
"""

from __future__ import annotations

from typing import Any

from .._icaroot import FEATURES
from .options import ProbeOptions
from .target import Target
from .tls import ANY_SUITE, UNCONFIRMED_SUITES, UNTRUSTED_CODES, Attempt, TlsContexts
from .trust import cert_facts
from .verdict import ProbeResult

# OpenSSL reasons of a handshake that found no cipher suite in common.
_CIPHER_REASONS = frozenset(("SSLV3_ALERT_HANDSHAKE_FAILURE", "NO_SHARED_CIPHER", "NO_CIPHERS_AVAILABLE"))


def attempt_version(
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


def again(
    contexts: TlsContexts,
    opener: Any,
    attempt: Attempt,
    target: Target,
    options: ProbeOptions,
    *,
    verify: bool,
    system_store: bool = False,
) -> Attempt:
    """The handshake of ``attempt`` once more (its version and suites), verifying or not."""
    return contexts.attempt(
        opener,
        attempt.version,
        server_hostname=target.host,
        verify=verify,
        timeout=options.tls_timeout,
        system_store=system_store,
        suites=attempt.suites,
    )


def through_system_store(
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
    second = again(contexts, opener, verifying, target, options, verify=True, system_store=True)
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
