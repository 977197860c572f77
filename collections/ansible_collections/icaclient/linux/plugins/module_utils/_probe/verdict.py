# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""The verdict on one target: the result, and the sentences that say what is wrong and what fixes it."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Optional, Union

from .._client_ciphers import by_openssl_name, suites_for
from .options import _UTC, VERIFY
from .proxy import CONNECT, PROXY, PROXY_AUTH, TIMEOUT, PathError, ProxySpec
from .settings import ClientSettings
from .target import Target
from .tls import TLS_VERSIONS, VERIFY_ERRORS, Attempt, TlsContexts
from .trust import CertFacts, issuer_der, purpose_problem

ClientError = Union[int, str, None]


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
    #: The chain the server presented, the leaf first (see :func:`.trust.chain_entries`).
    chain: list[dict[str, Any]] = field(default_factory=list)
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
            "chain": [dict(entry) for entry in self.chain],
            "warnings": list(self.warnings),
            "elapsed": round(self.elapsed, 3),
        }


def expiry_warning(days_left: int) -> str:
    """The warning of a server certificate inside the probe's expiry window (the compliance
    report's expiry forecast says the same per certificate, and drops this one)."""
    return f"the server certificate expires in {days_left} days"


class _Failed(Exception):
    def __init__(self, client_error: ClientError, message: str) -> None:
        super().__init__(message)
        self.client_error = client_error
        self.message = message


def _path_message(exc: PathError, proxy: Optional[ProxySpec]) -> str:
    fixes = {
        CONNECT: "check the address, the port and the firewalls on the way",
        TIMEOUT: "check that the host is up and that no firewall drops the traffic",
        PROXY: "check the proxy settings (ProxyType, ProxyHost, ProxyPort) and the proxy's rules",
        PROXY_AUTH: "check ProxyUsername and the proxy password, and the schemes the proxy allows",
    }
    return f"{exc.message}: {fixes.get(exc.failure, 'check the path')}"


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
