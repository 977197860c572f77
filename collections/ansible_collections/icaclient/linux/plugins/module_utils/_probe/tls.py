# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""TLS for the prober: one handshake per version, trust judged by the client's keystore.

How trust is judged (decided, and why):

- The chain is verified by OpenSSL itself, through an ``ssl.SSLContext`` whose
  store is the ICA keystore and nothing else: ``cacerts`` and ``intcerts`` are
  both loaded as hash directories (``capath``), exactly the subject-hash links
  ``ctx_rehash`` makes. That is how the client's keystore works: OpenSSL takes
  an intermediate from the store to complete a chain the server left short,
  but a path is trusted only when it ends at a self-signed certificate in the
  store, so intcerts never act as trust anchors on their own. A certificate
  copied into the keystore but not rehashed is invisible to OpenSSL, and so to
  the probe, as it is to the client. The system store is never loaded.
- OpenSSL's verify code (``SSLCertVerificationError.verify_code``) becomes the
  client's error number (:data:`VERIFY_ERRORS`); the hostname check is
  OpenSSL's too (code 62, the client's 59).
- Key sizes, expiry and days left come from the certificates, read with
  ``cryptography``: the leaf from ``getpeercert(binary_form=True)`` and the rest
  of the chain from the ssl object's verified (or, without verification,
  received) chain where the running Python offers it (3.10+; on 3.9 only the
  leaf is checked). Every key must be at most 4096 bits, the leaf's included
  (the client's error 79).

Versions: each of 1.0, 1.1, 1.2 and 1.3 is tried alone (minimum = maximum).
OpenSSL 3 refuses 1.0/1.1 at its default security level, so those contexts use
``ALL:@SECLEVEL=0``, as the client's own bundled OpenSSL allows them. A version
the local OpenSSL cannot speak at all is reported as untested, not as refused.
"""

from __future__ import annotations

import os
import socket
import ssl
import threading
import warnings
from dataclasses import dataclass, field
from typing import Callable, Optional

from .._client_ciphers import SSL_CIPHERS_DEFAULT, openssl_list, suites_for
from .._client_errors import VERIFY_CODES
from .._errors import IcaClientError
from .._icaroot import Keystore
from .trust import KeystoreEntry, TrustOverlay, _index_keystore, _keystore_certs

TLS_VERSIONS = ("1.0", "1.1", "1.2", "1.3")
CLIENT_SUITES = "client"
UNCONFIRMED_SUITES = "unconfirmed"
ANY_SUITE = "any"
_SSL_VERSIONS = {
    "1.0": ssl.TLSVersion.TLSv1,
    "1.1": ssl.TLSVersion.TLSv1_1,
    "1.2": ssl.TLSVersion.TLSv1_2,
    "1.3": ssl.TLSVersion.TLSv1_3,
}
_HAS_VERSION = {
    "1.0": getattr(ssl, "HAS_TLSv1", True),
    "1.1": getattr(ssl, "HAS_TLSv1_1", True),
    "1.2": getattr(ssl, "HAS_TLSv1_2", True),
    "1.3": getattr(ssl, "HAS_TLSv1_3", True),
}

# OpenSSL's words for the verify codes the client numbers (the numbers live in _client_errors).
_VERIFY_CAUSES = {
    2: "unable to get issuer certificate",
    7: "certificate signature failure",
    9: "certificate is not yet valid",
    10: "certificate has expired",
    18: "self-signed certificate",
    19: "self-signed certificate in chain",
    20: "unable to get local issuer certificate",
    21: "unable to verify the first certificate",
    26: "unsupported certificate purpose",
    34: "unhandled critical extension",
    62: "hostname mismatch",
    64: "IP address mismatch",
}
#: OpenSSL verify code -> (client error number, short cause). Codes not listed keep
#: ``verify`` as their failure name with OpenSSL's own words.
VERIFY_ERRORS: dict[int, tuple[int, str]] = {
    code: (number, _VERIFY_CAUSES[code]) for code, number in VERIFY_CODES.items()
}
#: Verify codes that mean "no trusted anchor": another store may still trust the chain.
UNTRUSTED_CODES = frozenset((2, 18, 19, 20, 21))

# OpenSSL reasons that mean "whatever answered is not a TLS server".
_NOT_TLS_REASONS = {
    "WRONG_VERSION_NUMBER",
    "PACKET_LENGTH_TOO_LONG",
    "RECORD_LAYER_FAILURE",
    "HTTP_REQUEST",
    "HTTPS_PROXY_REQUEST",
    "UNKNOWN_PROTOCOL",
    "RECORD_LENGTH_MISMATCH",
    "WRONG_SSL_VERSION",
}
_REASON_WORDS = {
    "TLSV1_ALERT_PROTOCOL_VERSION": "the server refused this version (protocol_version alert)",
    "UNSUPPORTED_PROTOCOL": "the server answered with another version",
    "SSLV3_ALERT_HANDSHAKE_FAILURE": "the server sent a handshake_failure alert (no common cipher or version)",
    "NO_PROTOCOLS_AVAILABLE": "the local OpenSSL cannot offer this version",
    "EXCESSIVE_MESSAGE_SIZE": "the server sent a handshake message larger than OpenSSL accepts "
    "(an oversized certificate chain)",
    "WRONG_VERSION_NUMBER": "the answer is not TLS",
    "PACKET_LENGTH_TOO_LONG": "the answer is not TLS",
    "RECORD_LAYER_FAILURE": "the answer is not TLS",
    "UNEXPECTED_EOF_WHILE_READING": "the server closed the connection",
    "NO_CIPHERS_AVAILABLE": "the local OpenSSL has no cipher for this version",
}


@dataclass
class Attempt:
    """One handshake at one version."""

    version: str
    accepted: bool = False
    verified: Optional[bool] = None  # None: not a verifying attempt (or never got to the certificate)
    verify_code: Optional[int] = None
    verify_message: str = ""
    reason: str = ""  # OpenSSL reason (or "timeout", "closed") when not accepted
    timed_out: bool = False
    leaf: Optional[bytes] = None
    chain: list[bytes] = field(default_factory=list)
    #: The certificates the server sent, the leaf first (``chain`` is the verified path when verifying).
    presented: list[bytes] = field(default_factory=list)
    negotiated_cipher: Optional[str] = None
    system_store: bool = False  # verified against the keystore and the system store together
    suites: str = "client"  # the suite list offered (CLIENT_SUITES, UNCONFIRMED_SUITES, ANY_SUITE)
    cipher_mismatch: Optional[str] = None  # refused the client's suites, took this one from a wider offer


class TlsContexts:
    """The SSL contexts of one probe run (shared by every worker: SSLContext is thread-safe)."""

    def __init__(
        self,
        keystore: Keystore,
        *,
        system_store: Optional[str] = None,
        ssl_ciphers: str = SSL_CIPHERS_DEFAULT,
        overlay: Optional[TrustOverlay] = None,
    ) -> None:
        if not os.path.isdir(keystore.cacerts):
            raise IcaClientError(
                f"cannot probe against the keystore {keystore.path}: {keystore.cacerts} does not exist "
                "(give the client's ICAROOT or a folder holding cacerts/ and intcerts/)"
            )
        self.keystore = keystore
        self.system_store = system_store
        self.ssl_ciphers = ssl_ciphers
        self.overlay = overlay or TrustOverlay()
        #: With removals the keystore is loaded as content (its hash-linked certificates
        #: but the removed ones), since a folder of hash links cannot be filtered.
        self._anchors: Optional[bytes] = None
        if self.overlay.removed:
            self._anchors = b"".join(
                der
                for _path, linked, der, fingerprint in _keystore_certs(keystore)
                if linked and fingerprint not in self.overlay.removed
            )
        #: Suite lists for TLS 1.0-1.2: what the client offers (confirmed rows of the table),
        #: the unconfirmed rows, and anything the local OpenSSL can speak (to tell "no suite in
        #: common" from "version refused").
        self.suite_lists = {
            CLIENT_SUITES: openssl_list(suites_for(ssl_ciphers, confirmed=True)),
            UNCONFIRMED_SUITES: openssl_list(suites_for(ssl_ciphers, confirmed=False)),
            ANY_SUITE: "ALL",
        }
        self.untestable = tuple(version for version in TLS_VERSIONS if not _HAS_VERSION[version])
        self._contexts: dict[tuple[str, str, str], ssl.SSLContext] = {}
        for version in TLS_VERSIONS:
            if version in self.untestable:
                continue
            self._contexts[(version, "verify", CLIENT_SUITES)] = self._context(version, verify=True)
            self._contexts[(version, "plain", CLIENT_SUITES)] = self._context(version, verify=False)
            if system_store:
                self._contexts[(version, "system", CLIENT_SUITES)] = self._context(
                    version, verify=True, system_store=system_store
                )
        self._keystore_names: Optional[dict[bytes, list[KeystoreEntry]]] = None
        self._lock = threading.Lock()

    def _get(self, version: str, mode: str, suites: str) -> ssl.SSLContext:
        key = (version, mode, suites)
        context = self._contexts.get(key)
        if context is None:  # the rarer lists are made when a server first needs them
            with self._lock:
                context = self._contexts.get(key)
                if context is None:
                    context = self._context(
                        version,
                        verify=mode != "plain",
                        system_store=self.system_store if mode == "system" else None,
                        suites=suites,
                    )
                    self._contexts[key] = context
        return context

    def _context(
        self, version: str, *, verify: bool, system_store: Optional[str] = None, suites: str = CLIENT_SUITES
    ) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        with warnings.catch_warnings():
            # Python deprecates TLS 1.0/1.1; the probe must still find servers that offer only them.
            warnings.simplefilter("ignore", DeprecationWarning)
            context.minimum_version = _SSL_VERSIONS[version]
            context.maximum_version = _SSL_VERSIONS[version]
        if version != "1.3":
            # TLS 1.0-1.2 offer the suites of the client's SSLCiphers; TLS 1.3 has its own.
            # OpenSSL 3 refuses 1.0/1.1 at its default security level; the client's own OpenSSL allows them.
            listed = self.suite_lists[suites]
            try:
                context.set_ciphers(f"{listed}:@SECLEVEL=0" if version in ("1.0", "1.1") else listed)
            except ssl.SSLError:
                raise IcaClientError(
                    f"cannot probe as the client does: the local OpenSSL has none of the cipher suites {listed} "
                    f"(SSLCiphers={self.ssl_ciphers})"
                ) from None
        if verify:
            context.check_hostname = True
            context.verify_mode = ssl.CERT_REQUIRED
            if self._anchors is not None:
                if self._anchors:
                    context.load_verify_locations(cadata=self._anchors)
            else:
                context.load_verify_locations(capath=self.keystore.cacerts)
                if os.path.isdir(self.keystore.intcerts):
                    context.load_verify_locations(capath=self.keystore.intcerts)
            if self.overlay.added:
                context.load_verify_locations(cadata=b"".join(self.overlay.added))
            if system_store:
                # 2309+ clients build one chain from the keystore and the system store together.
                context.load_verify_locations(capath=system_store)
        else:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def attempt(
        self,
        open_socket: Callable[[], socket.socket],
        version: str,
        *,
        server_hostname: str,
        verify: bool,
        timeout: float,
        system_store: bool = False,
        suites: str = CLIENT_SUITES,
    ) -> Attempt:
        """One handshake at ``version`` over a fresh path from ``open_socket`` (which may raise PathError).

        ``system_store``: verify against the keystore and the system store together (needs
        the contexts to have been made with a ``system_store`` folder).
        """
        result = Attempt(version, system_store=system_store, suites=suites)
        mode = "system" if system_store else "verify" if verify else "plain"
        context = self._get(version, mode, suites)
        sock = open_socket()
        try:
            sock.settimeout(timeout)
            # do_handshake honours the socket timeout as a deadline for the whole handshake,
            # so a server that drips bytes cannot hold the probe longer than ``timeout``.
            tls = context.wrap_socket(sock, server_hostname=server_hostname, do_handshake_on_connect=False)
        except OSError as exc:
            sock.close()
            result.reason = _reason_of(exc)
            return result
        try:
            tls.do_handshake()
        except ssl.SSLCertVerificationError as exc:
            result.accepted = True
            result.verified = False
            result.verify_code = exc.verify_code
            result.verify_message = exc.verify_message or ""
        except socket.timeout:
            result.timed_out = True
            result.reason = "timeout"
        except ssl.SSLError as exc:
            result.reason = exc.reason or type(exc).__name__
        except OSError as exc:
            result.reason = _reason_of(exc)
        else:
            result.accepted = True
            result.verified = True if verify else None
            result.leaf = tls.getpeercert(binary_form=True)
            result.chain = _chain_of(tls, verified=verify)
            result.presented = _chain_of(tls, verified=False) if verify else result.chain
            cipher = tls.cipher()
            result.negotiated_cipher = cipher[0] if cipher else None
        finally:
            tls.close()
        return result

    def keystore_entries(self, name_der: bytes) -> list[KeystoreEntry]:
        """Keystore files (linked or not) holding a certificate whose subject is ``name_der``."""
        with self._lock:
            if self._keystore_names is None:
                self._keystore_names = _index_keystore(self.keystore, self.overlay)
            return list(self._keystore_names.get(name_der, []))

    def missing_issuer(self, name_der: bytes, name_text: str) -> tuple[str, list[str], int]:
        """Walk up from the issuer ``name_der`` through hash-linked keystore certificates.

        Returns the first issuer OpenSSL cannot find through a hash link (as text), the
        keystore files that hold it without a usable link (empty when it is absent), and
        how many linked keystore certificates the walk passed on the way.
        """
        seen = set()
        passed = 0
        while name_der not in seen:
            seen.add(name_der)
            entries = self.keystore_entries(name_der)
            linked = [entry for entry in entries if entry.linked]
            if not linked or linked[0].self_issued:
                return name_text, [entry.path for entry in entries if not entry.linked], passed
            passed += 1
            name_der, name_text = linked[0].issuer, linked[0].issuer_text
        return name_text, [], passed


def _chain_of(tls: ssl.SSLSocket, *, verified: bool) -> list[bytes]:
    # Public in Python 3.13 (SSLSocket.get_verified_chain), private on the ssl object since 3.10.
    name = "get_verified_chain" if verified else "get_unverified_chain"
    getter = getattr(tls, name, None) or getattr(getattr(tls, "_sslobj", None), name, None)
    if getter is None:
        return []
    try:
        chain = getter() or []
    except (ssl.SSLError, ValueError):
        return []
    ders = []
    for cert in chain:
        if isinstance(cert, bytes):
            ders.append(cert)
        else:
            ders.append(cert.public_bytes(ssl._ssl.ENCODING_DER))  # type: ignore[attr-defined]
    return ders


def _reason_of(exc: BaseException) -> str:
    if isinstance(exc, (ConnectionResetError, BrokenPipeError, ssl.SSLEOFError, ssl.SSLZeroReturnError)):
        return "closed"
    return (getattr(exc, "strerror", None) or type(exc).__name__).lower()


def describe_reason(reason: str) -> str:
    """A few words for an OpenSSL reason code such as ``TLSV1_ALERT_PROTOCOL_VERSION``."""
    if reason == "closed":
        return "the server closed the connection"
    if reason == "timeout":
        return "no answer in time"
    if reason in _REASON_WORDS:
        return _REASON_WORDS[reason]
    return reason.replace("_", " ").lower()


def is_not_tls(reason: str) -> bool:
    return reason in _NOT_TLS_REASONS
