# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""What the prober knows about certificates and the keystore: facts, the keystore index, a what-if overlay."""

from __future__ import annotations

import datetime
import hashlib
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Callable, Optional

from .._errors import IcaClientError
from .._icaroot import Keystore
from .._x509.encoding import colon_hex
from .._x509.facts import key_facts, utc_time

try:
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID

    HAS_CRYPTOGRAPHY = True
except ImportError:  # pragma: no cover - exercised on hosts without the library
    HAS_CRYPTOGRAPHY = False


@dataclass(frozen=True)
class CertFacts:
    """What a user needs to know about one certificate of a chain."""

    subject: str
    issuer: str
    not_after: Optional[datetime.datetime]
    key_type: str
    key_bits: Optional[int]
    self_issued: bool

    def days_left(self, now: datetime.datetime) -> Optional[int]:
        if self.not_after is None:
            return None
        return (self.not_after - now).days

    def label(self) -> str:
        return self.subject or "(empty subject)"


@dataclass(frozen=True)
class KeystoreEntry:
    """One certificate file of the keystore, and whether a hash link makes it visible to OpenSSL."""

    path: str
    linked: bool
    issuer: bytes
    issuer_text: str
    self_issued: bool


@dataclass(frozen=True)
class TrustOverlay:
    """Proposed keystore changes, judged in memory: nothing is written to the keystore.

    ``added``: DER certificates trusted as if they were in the keystore (hash-linked);
    ``removed``: SHA-256 fingerprints (colon hex, upper case) of keystore certificates
    the probe no longer trusts; ``labels``: what each change is, for the result.
    """

    added: tuple[bytes, ...] = ()
    removed: frozenset[str] = frozenset()
    labels: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.removed)


def make_trust_overlay(*, add: Sequence[str] = (), remove: Sequence[str] = ()) -> TrustOverlay:
    """The overlay for certificates to add (PEM or DER content, bundles split) and to remove.

    A removal is a SHA-256 fingerprint (colons optional) or the certificate itself (PEM).
    Raises IcaClientError naming the entry that is neither.
    """
    from .._x509.certs import load_certificates
    from .._x509.encoding import normalise_fingerprint

    added: list[bytes] = []
    labels: list[str] = []
    for position, text in enumerate(add, 1):
        for info in _load(text, what=f"certificate to add #{position}", loader=load_certificates):
            added.append(info.der)
            labels.append(f"add {info.subject} (sha256 {info.fingerprint_sha256})")
    removed: set[str] = set()
    for position, text in enumerate(remove, 1):
        if "-----BEGIN" in text:
            for info in _load(text, what=f"certificate to remove #{position}", loader=load_certificates):
                removed.add(info.fingerprint_sha256)
                labels.append(f"remove {info.subject} (sha256 {info.fingerprint_sha256})")
            continue
        try:
            fingerprint = normalise_fingerprint(text)
        except IcaClientError as exc:
            raise IcaClientError(
                f"cannot read certificate to remove #{position}: {exc.message} or a PEM certificate"
            ) from None
        removed.add(fingerprint)
        labels.append(f"remove sha256 {fingerprint}")
    return TrustOverlay(tuple(added), frozenset(removed), tuple(labels))


def _load(text: str, *, what: str, loader: Callable[..., list[Any]]) -> list[Any]:
    try:
        return loader(text.encode("utf-8", "surrogateescape"))
    except IcaClientError as exc:
        raise IcaClientError(f"cannot read the {what}: {exc.message}") from None


# ---------------------------------------------------------------------------
# Certificates


def cert_facts(der: bytes) -> CertFacts:
    """Subject, issuer, expiry and key of one DER certificate (``key_bits`` None when unreadable)."""
    if not HAS_CRYPTOGRAPHY:
        return CertFacts("", "", None, "unknown", None, False)
    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return CertFacts("(unparsable certificate)", "", None, "unknown", None, False)
    subject = _name(cert, "subject")
    issuer = _name(cert, "issuer")
    key_type, bits, _public_key = key_facts(cert)
    return CertFacts(
        subject=subject,
        issuer=issuer,
        not_after=utc_time(cert, "not_valid_after"),
        key_type=key_type,
        key_bits=bits,
        self_issued=cert.issuer.public_bytes() == cert.subject.public_bytes() if _names_ok(cert) else False,
    )


def chain_entries(
    ders: Sequence[bytes], now: datetime.datetime, known: Optional[dict[bytes, CertFacts]] = None
) -> list[dict[str, Any]]:
    """The chain a server presented, the leaf first: per certificate its subject, issuer,
    SHA-256 fingerprint (colon hex), notAfter (ISO 8601, UTC) and the days left at ``now``.
    ``known``: facts already read, by DER (the leaf and the verified chain), not read again."""
    entries = []
    for der in ders:
        facts = (known or {}).get(der) or cert_facts(der)
        entries.append(
            {
                "subject": facts.subject,
                "issuer": facts.issuer,
                "fingerprint": colon_hex(hashlib.sha256(der).digest()),
                "not_after": facts.not_after.strftime("%Y-%m-%dT%H:%M:%SZ") if facts.not_after else None,
                "days_left": facts.days_left(now),
            }
        )
    return entries


def purpose_problem(der: bytes) -> Optional[str]:
    """Why OpenSSL refuses a server certificate's purpose: ``extended_key_usage``, ``key_usage`` or None.

    OpenSSL reports both as "unsupported certificate purpose"; the client numbers them
    apart (81 and 84, [P] shared/DOMAIN.md), so the certificate's extensions decide.
    """
    if not HAS_CRYPTOGRAPHY:
        return None
    try:
        cert = x509.load_der_x509_certificate(der)
        extensions = cert.extensions
    except ValueError:
        return None
    try:
        usages = extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
        if (
            ExtendedKeyUsageOID.SERVER_AUTH not in usages
            and ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE not in usages
        ):
            return "extended_key_usage"
    except x509.ExtensionNotFound:
        pass
    try:
        key_usage = extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return None
    if not (key_usage.digital_signature or key_usage.key_encipherment or key_usage.key_agreement):
        return "key_usage"
    return None


def issuer_der(der: bytes) -> Optional[bytes]:
    """The DER issuer name of a certificate (to look its issuer up in the keystore)."""
    if not HAS_CRYPTOGRAPHY:
        return None
    try:
        return x509.load_der_x509_certificate(der).issuer.public_bytes()
    except ValueError:
        return None


def _names_ok(cert: Any) -> bool:
    try:
        cert.issuer.public_bytes()
        cert.subject.public_bytes()
    except ValueError:
        return False
    return True


def _name(cert: Any, which: str) -> str:
    try:
        return getattr(cert, which).rfc4514_string()
    except ValueError:
        return "(unreadable name)"


def _keystore_certs(keystore: Keystore) -> Iterator[tuple[str, bool, bytes, str]]:
    """(file, hash-linked, DER, SHA-256 colon hex) for every certificate of the keystore.

    Read through the keystore's own folder scanner (the one reader of keystore
    folders), imported here because only a failing verification or an overlay needs it.
    """
    from .._keystore.folder import scan_folder

    for folder in (keystore.cacerts, keystore.intcerts):
        try:
            state = scan_folder(folder)
        except IcaClientError:
            continue
        linked_targets = {os.path.realpath(os.path.join(folder, target)) for target in state.links.values()}
        for stored in state.files:
            linked = stored.effective and os.path.realpath(stored.path) in linked_targets
            for info in stored.certs:
                yield stored.path, linked, info.der, info.fingerprint_sha256


def _index_keystore(keystore: Keystore, overlay: TrustOverlay) -> dict[bytes, list[KeystoreEntry]]:
    """Subject DER -> keystore files holding a certificate with that subject (removed ones left out)."""
    index: dict[bytes, list[KeystoreEntry]] = {}
    if not HAS_CRYPTOGRAPHY:
        return index
    for path, linked, der, fingerprint in _keystore_certs(keystore):
        if fingerprint in overlay.removed:
            continue
        try:
            cert = x509.load_der_x509_certificate(der)
            subject = cert.subject.public_bytes()
            issuer = cert.issuer.public_bytes()
        except ValueError:
            continue
        entry = KeystoreEntry(path, linked, issuer, _name(cert, "issuer"), subject == issuer)
        index.setdefault(subject, []).append(entry)
    return index
