# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""The one table of the client's SSL error numbers: what each means and what fixes it.

Modules and the CLI use it through the engine.

Every "SSL error N" the Citrix Workspace app for Linux can show for something
the prober or the keystore audit can observe lives here, once: the prober's
verdicts (``_probe``, ``_probe.tls``), the keystore audit's problem texts
(``_keystore``) and the compliance report (``_report``) read it. Each entry
carries the confidence of the fact as ``shared/DOMAIN.md`` marks it: ``C``
confirmed, ``P`` probable (the numbers come from the client SDK's ``sslerr.h``
and Windows/Mac documents; the Linux client is believed to share them), ``U``
unconfirmed.

Also here: which OpenSSL verify code (``X509_V_ERR_*``) becomes which client
number, and the failure names of the network path, which are not client
numbers (the client shows its own generic message for them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Union

__all__ = [
    "CLIENT_ERRORS",
    "PATH_FAILURES",
    "VERIFY_CODES",
    "ClientErrorInfo",
    "describe",
    "lookup",
]


@dataclass(frozen=True)
class ClientErrorInfo:
    """One client error: its number, the words a user sees, its meaning, the usual fix and its mark."""

    number: int
    title: str
    meaning: str
    fix: str
    mark: str  # "C", "P" or "U" as in shared/DOMAIN.md

    @property
    def shown(self) -> str:
        """What the report shows for the number: ``SSL error 61: <title>``."""
        return f"SSL error {self.number}: {self.title}"


def _table(*entries: ClientErrorInfo) -> dict[int, ClientErrorInfo]:
    return {entry.number: entry for entry in entries}


#: Client error number -> what it means and what fixes it.
CLIENT_ERRORS: dict[int, ClientErrorInfo] = _table(
    ClientErrorInfo(
        4,
        "network error",
        "the connection was closed or reset before any TLS answer",
        "check that the service runs and that no firewall, IPS or load balancer resets the connection",
        "P",
    ),
    ClientErrorInfo(
        47,
        "handshake failure (no TLS version or cipher in common)",
        "the server offers no TLS version inside the client's window, or no cipher suite the client offers",
        "enable TLS 1.2 and an ECDHE suite on the server, or widen MinimumTLS/MaximumTLS",
        "P",
    ),
    ClientErrorInfo(
        59,
        "the certificate does not name the server",
        "the server certificate's names do not include the name the client connects to",
        "connect with a name the certificate covers, or reissue it with that name",
        "P",
    ),
    ClientErrorInfo(
        60,
        "the server certificate is self-signed",
        "the server sends a self-signed certificate that is not in the keystore",
        "replace it with one issued by a trusted CA, or add it to the keystore's cacerts",
        "P",
    ),
    ClientErrorInfo(
        61,
        "the issuer of the server certificate is not trusted",
        "no root the client trusts anchors the chain (You have not chosen to trust the issuer...)",
        "add the issuing root to the keystore's cacerts (intermediates to intcerts) and rehash",
        "P",
    ),
    ClientErrorInfo(
        62,
        "the keystore cannot get the issuer's root",
        "the chain is completed from the keystore's intermediates but ends at no trusted root",
        "add the root to the keystore's cacerts and rehash",
        "P",
    ),
    ClientErrorInfo(
        63,
        "a self-signed certificate in the chain",
        "the server sends a root the client does not trust",
        "add that root to the keystore's cacerts if you trust it",
        "P",
    ),
    ClientErrorInfo(
        64,
        "a signature in the chain does not verify",
        "a certificate's signature does not match its issuer's key",
        "the server or the keystore holds a wrong issuer certificate: replace it",
        "P",
    ),
    ClientErrorInfo(
        68,
        "a certificate in the chain is not yet valid",
        "a certificate's validity starts in the future (often a wrong clock on the endpoint)",
        "set the endpoint's clock (NTP), or wait until the certificate becomes valid",
        "P",
    ),
    ClientErrorInfo(
        70,
        "a certificate in the chain has expired",
        "a certificate's validity has ended (or the endpoint's clock is wrong)",
        "renew the certificate; check the endpoint's clock",
        "P",
    ),
    ClientErrorInfo(
        76,
        "a certificate has been revoked",
        "the issuer revoked a certificate of the chain",
        "reissue the certificate",
        "P",
    ),
    ClientErrorInfo(
        77,
        "the revocation check failed",
        "the revocation status could not be obtained under SSLCertificateRevocationCheckPolicy",
        "make the CRL/OCSP responder reachable, or relax the revocation policy",
        "P",
    ),
    ClientErrorInfo(
        79,
        "a key in the chain is too long",
        "a key of the chain (the server's included) is over 4096 bits, which the client does not support",
        "reissue the certificate with a key of at most 4096 bits",
        "C",
    ),
    ClientErrorInfo(
        81,
        "bad extended key usage",
        "the server certificate's extended key usage does not allow TLS server authentication",
        "reissue it with the serverAuth extended key usage",
        "P",
    ),
    ClientErrorInfo(
        84,
        "bad key usage",
        "the server certificate's key usage does not allow a TLS server (digitalSignature/keyEncipherment)",
        "reissue it with digitalSignature (and keyEncipherment for RSA) in its key usage",
        "P",
    ),
    ClientErrorInfo(
        85,
        "unsupported critical extension",
        "a certificate of the chain carries a critical extension the client does not know "
        "(seen with TLS-inspecting proxy CAs)",
        "reissue the certificate without the critical extension, or mark it non-critical",
        "P",
    ),
)

#: Failures of the network path and of the probe: names, not client numbers.
PATH_FAILURES: dict[str, str] = {
    "connect": "cannot connect",
    "timeout": "no answer in time",
    "proxy": "the proxy refused the tunnel",
    "proxy_auth": "the proxy refused the credentials",
    "verify": "the chain does not verify",
    "error": "the probe failed",
}

#: OpenSSL verify code (``X509_V_ERR_*``) -> client error number. Codes not listed keep the
#: ``verify`` failure name with OpenSSL's own words. Code 26 (invalid purpose) is 81 or 84
#: depending on the certificate: :mod:`._probe` decides from the leaf's extensions.
VERIFY_CODES: dict[int, int] = {
    2: 62,  # unable to get issuer certificate
    7: 64,  # certificate signature failure
    9: 68,  # certificate is not yet valid
    10: 70,  # certificate has expired
    18: 60,  # self-signed certificate
    19: 63,  # self-signed certificate in chain
    20: 61,  # unable to get local issuer certificate
    21: 61,  # unable to verify the first certificate
    26: 81,  # unsupported certificate purpose (EKU; 84 when the key usage is the cause)
    34: 85,  # unhandled critical extension
    62: 59,  # hostname mismatch
    64: 59,  # IP address mismatch
}


def lookup(number: Union[int, str, None]) -> Optional[ClientErrorInfo]:
    """The table entry of a client error number (an int or its decimal text), None otherwise."""
    if isinstance(number, bool) or number is None:
        return None
    if isinstance(number, str):
        if not number.isdigit():
            return None
        number = int(number)
    return CLIENT_ERRORS.get(number)


def describe(error: Union[int, str, None]) -> Optional[str]:
    """What a report shows for a verdict's ``client_error``: ``SSL error N: ...`` or the path failure."""
    info = lookup(error)
    if info is not None:
        return info.shown
    if isinstance(error, str):
        return PATH_FAILURES.get(error)
    return None
