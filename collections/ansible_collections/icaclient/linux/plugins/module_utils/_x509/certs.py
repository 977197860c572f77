# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""Load CA certificates from PEM, DER, CRT, PKCS#7 and bundles, and judge them for the keystore.

PRIVATE: this is not a public API of the collection.

Parsing uses ``cryptography``; nothing shells out to ``openssl``. The subject hash
comes from :mod:`.subject_hash`, computed from the raw DER subject, so it is
OpenSSL's hash even for names ``cryptography`` refuses.

Names ``cryptography`` refuses (a PrintableString with a control character, an
unsorted multi-valued RDN) are names OpenSSL, and so the client, accepts. Such a
certificate is still loaded: its names are swapped for an empty name in a private
copy that ``cryptography`` parses for the key, validity and extensions, while the
subject and issuer shown are rendered from the raw DER (``name_fallback`` is then
True), and the self-signature is checked over the original bytes.

CA rule (``is_ca``): the one OpenSSL's ``X509_check_ca`` applies when the client
builds a chain, so that what we accept is what the client can use. A keyUsage
extension without keyCertSign makes a certificate not a CA; otherwise
basicConstraints decides when present; a version 1 certificate whose subject
equals its issuer is a CA (OpenSSL treats v1 self-issued roots as trust
anchors, and many old roots are v1); a v3 certificate with keyUsage keyCertSign
and no basicConstraints is a CA too. Netscape certificate types are ignored.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any, Optional

from .._errors import IcaClientError
from .der import (
    certificate_names,
)
from .encoding import _hex_serial, colon_hex, iso_utc
from .facts import key_facts, utc_time
from .names import _raw_common_name, render_name
from .pem import der_to_pem, pem_blocks
from .subject_hash import subject_hash_from_cert_der
from .tbs import _first_tlv, _raw_serial, _sanitised_copy, _split_tlvs, _tbs_and_signature

try:
    from cryptography import x509
    from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, padding, rsa
    from cryptography.hazmat.primitives.serialization import pkcs7
    from cryptography.utils import CryptographyDeprecationWarning

    HAS_CRYPTOGRAPHY = True
    CRYPTOGRAPHY_IMPORT_ERROR: Optional[str] = None
except ImportError as _exc:  # pragma: no cover - exercised on hosts without the library
    HAS_CRYPTOGRAPHY = False
    CRYPTOGRAPHY_IMPORT_ERROR = str(_exc)


#: Labels of PEM blocks that hold one X.509 certificate.
CERTIFICATE_LABELS = ("CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE")
PKCS7_LABELS = ("PKCS7", "CMS")

_UTC = datetime.timezone.utc
_OID_PKCS7_SIGNED_DATA = bytes.fromhex("06092a864886f70d010702")


@dataclass(frozen=True)
class CertInfo:
    """One certificate as the keystore sees it. Times are ISO 8601 UTC (``...Z``)."""

    der: bytes
    pem: str
    subject: str
    issuer: str
    subject_cn: str
    fingerprint_sha256: str
    serial: str
    version: int
    not_before: str
    not_after: str
    expired: bool
    not_yet_valid: bool
    days_left: int
    key_type: str
    key_bits: Optional[int]  # None when the key cannot be read or has no size we know
    is_ca: bool
    ca_reason: str
    self_signed: bool
    self_issued: bool
    subject_hash: str
    source_format: str
    position: int = 1
    name_fallback: bool = False
    notes: tuple[str, ...] = field(default=())

    def summary(self) -> dict[str, Any]:
        """The facts a module returns (no DER bytes)."""
        facts = asdict(self)
        del facts["der"]
        facts["notes"] = list(self.notes)
        return facts

    def one_line(self) -> str:
        return f"{self.subject} sha256={self.fingerprint_sha256} not_after={self.not_after}"


# ---------------------------------------------------------------------------
# Loading


def load_certificates(
    data: bytes, *, now: Optional[datetime.datetime] = None, private_keys: Optional[list[str]] = None
) -> list[CertInfo]:
    """Every certificate in ``data`` (PEM with one or more blocks, DER, or PKCS#7).

    Raises IcaClientError stating why when the input is empty, truncated, holds
    something other than certificates, or any certificate in it cannot be
    parsed: a bundle loads whole or not at all. A private key block is refused,
    unless the caller passes a ``private_keys`` list, which then receives the
    labels of the key blocks found (an audit reports them; OpenSSL skips them).
    """
    _require_cryptography()
    if not data.strip():
        raise IcaClientError("the input is empty: no certificate in it", cause="empty")
    when = now or datetime.datetime.now(_UTC)
    if b"-----BEGIN" in data:
        return _load_pem(data, when, private_keys)
    return _load_der(data, when)


def _load_pem(data: bytes, now: datetime.datetime, private_keys: Optional[list[str]]) -> list[CertInfo]:
    begins = [
        m.group(1).decode("ascii", "replace") for m in re.finditer(rb"-----BEGIN ([^-\r\n]*)-----", data)
    ]
    try:
        blocks = pem_blocks(data)
    except IcaClientError as exc:
        raise IcaClientError(
            f"the PEM data is truncated or malformed: {exc.message}", cause="truncated"
        ) from exc
    if len(blocks) < len(begins):
        raise IcaClientError(
            f"the PEM data is truncated: {len(begins)} BEGIN line(s) but {len(blocks)} complete block(s)"
            " (a block has no END line or its base64 is broken)",
            cause="truncated",
        )
    pem_format = "pem"
    ders: list[bytes] = []
    for number, (label, der) in enumerate(blocks, start=1):
        where = f"PEM block {number} of {len(blocks)}"
        if label.endswith("PRIVATE KEY") and private_keys is not None:
            private_keys.append(label)
            continue
        if label.endswith("PRIVATE KEY"):
            raise IcaClientError(
                f"{where} is a {label}: refusing to put key material into the keystore", cause="private_key"
            )
        if label in PKCS7_LABELS:
            ders.extend(_pkcs7_certificates(der, where))
            pem_format = "pkcs7"
            continue
        if label not in CERTIFICATE_LABELS:
            raise IcaClientError(f"{where} is a {label}, not a CERTIFICATE", cause="not_certificate")
        if label == "TRUSTED CERTIFICATE":
            # OpenSSL's "trusted" form appends trust settings after the certificate.
            der = _first_tlv(der, where)
        ders.append(der)
    if not ders:
        raise IcaClientError("the PEM data holds no certificate", cause="empty")
    if len(ders) > 1:
        pem_format = "bundle" if pem_format == "pem" else pem_format
    return [_info(der, pem_format, position, len(ders), now) for position, der in enumerate(ders, start=1)]


def _load_der(data: bytes, now: datetime.datetime) -> list[CertInfo]:
    if data[:1] != b"\x30":
        raise IcaClientError(
            "it is neither PEM (no -----BEGIN line) nor DER (does not start with an ASN.1 SEQUENCE)",
            cause="garbage",
        )
    elements = _split_tlvs(data)
    if elements is None:
        raise IcaClientError(
            f"it is not valid DER: the ASN.1 lengths do not add up to its {len(data)} bytes (truncated?)",
            cause="truncated",
        )
    if len(elements) == 1 and _OID_PKCS7_SIGNED_DATA in elements[0][:32]:
        ders = _pkcs7_certificates(elements[0], "the DER data")
        fmt = "pkcs7"
    else:
        ders = elements
        fmt = "der"
    return [_info(der, fmt, position, len(ders), now) for position, der in enumerate(ders, start=1)]


def _pkcs7_certificates(der: bytes, where: str) -> list[bytes]:
    from cryptography.hazmat.primitives.serialization import Encoding

    try:
        certificates = pkcs7.load_der_pkcs7_certificates(der)
    except ValueError as exc:
        raise IcaClientError(
            f"{where} is not a readable PKCS#7 structure: {exc}", cause="unparsable"
        ) from exc
    if not certificates:
        raise IcaClientError(f"{where} is a PKCS#7 structure without certificates", cause="empty")
    return [cert.public_bytes(Encoding.DER) for cert in certificates]


def _info(der: bytes, source_format: str, position: int, count: int, now: datetime.datetime) -> CertInfo:
    # cryptography warns about what OpenSSL accepts (a negative serial in an old stock root):
    # not the user's business here, and a module must not print to stderr.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CryptographyDeprecationWarning)
        return _info_of(der, source_format, position, count, now)


def _info_of(der: bytes, source_format: str, position: int, count: int, now: datetime.datetime) -> CertInfo:
    where = f"certificate {position} of {count}" if count > 1 else "the certificate"
    cert, fallback = _parse_der(der, where)
    try:
        tbs, signature = _tbs_and_signature(der)
        raw_issuer, raw_subject = certificate_names(der)
        serial = _hex_serial(_raw_serial(der))
    except IcaClientError as exc:
        raise IcaClientError(f"{where} cannot be parsed: {exc.message}", cause="unparsable") from exc
    try:
        subject_hash = subject_hash_from_cert_der(der)
    except IcaClientError as exc:
        raise IcaClientError(
            f"{where} cannot be used: OpenSSL, and so the client, would not load it ({exc.message})",
            cause="unparsable",
        ) from exc
    notes: list[str] = []
    if fallback:
        subject = render_name(raw_subject)
        issuer = render_name(raw_issuer)
        subject_cn = _raw_common_name(raw_subject)
        notes.append("cryptography refuses its names (OpenSSL accepts them): they are shown from the raw DER")
    else:
        subject = _rfc4514(cert.subject, raw_subject)
        issuer = _rfc4514(cert.issuer, raw_issuer)
        subject_cn = _common_name(cert.subject)

    key_type, key_bits, public_key = key_facts(cert)
    self_issued = raw_subject == raw_issuer
    self_signed = (
        self_issued and public_key is not None and _signature_verifies(public_key, cert, tbs, signature)
    )
    version = 1 if cert.version == x509.Version.v1 else 3
    is_ca, ca_reason = _ca_facts(cert, version, self_issued, where)

    not_before = utc_time(cert, "not_valid_before")
    not_after = utc_time(cert, "not_valid_after")
    return CertInfo(
        der=der,
        pem=der_to_pem(der),
        subject=subject,
        issuer=issuer,
        subject_cn=subject_cn,
        fingerprint_sha256=colon_hex(hashlib.sha256(der).digest()),
        serial=serial,
        version=version,
        not_before=iso_utc(not_before),
        not_after=iso_utc(not_after),
        expired=now > not_after,
        not_yet_valid=now < not_before,
        days_left=(not_after - now).days,
        key_type=key_type,
        key_bits=key_bits,
        is_ca=is_ca,
        ca_reason=ca_reason,
        self_signed=self_signed,
        self_issued=self_issued,
        subject_hash=subject_hash,
        source_format=source_format,
        position=position,
        name_fallback=fallback,
        notes=tuple(notes),
    )


def _parse_der(der: bytes, where: str) -> tuple[Any, bool]:
    try:
        return x509.load_der_x509_certificate(der), False
    except (ValueError, x509.InvalidVersion) as exc:
        first_error: Exception = exc
    # cryptography may refuse only the names or the serial; OpenSSL (and the client) accept them.
    try:
        patched = _sanitised_copy(der)
        return x509.load_der_x509_certificate(patched), True
    except (ValueError, IndexError, x509.InvalidVersion, IcaClientError):
        pass
    raise IcaClientError(
        f"{where} cannot be parsed: {_short(first_error)}", cause="unparsable"
    ) from first_error


def _ca_facts(cert: Any, version: int, self_issued: bool, where: str) -> tuple[bool, str]:
    try:
        extensions = cert.extensions
    except (ValueError, x509.DuplicateExtension) as exc:
        raise IcaClientError(
            f"{where} has extensions that cannot be parsed: {_short(exc)}", cause="unparsable"
        ) from exc
    basic = _extension(extensions, x509.BasicConstraints)
    usage = _extension(extensions, x509.KeyUsage)
    if basic is not None and not basic.ca:
        return False, "basicConstraints CA:FALSE"
    if usage is not None and not usage.key_cert_sign:
        return False, "keyUsage without keyCertSign"
    if basic is not None:
        return True, "basicConstraints CA:TRUE"
    if version == 1 and self_issued:
        return True, "version 1 self-issued root (OpenSSL treats it as a CA)"
    if usage is not None:
        return True, "keyUsage keyCertSign without basicConstraints"
    return False, "no basicConstraints extension"


def _extension(extensions: Any, kind: Any) -> Any:
    try:
        return extensions.get_extension_for_class(kind).value
    except x509.ExtensionNotFound:
        return None


def _signature_verifies(public_key: Any, cert: Any, tbs: bytes, signature: bytes) -> bool:
    """Whether ``signature`` over the original ``tbs`` bytes verifies with ``public_key``."""
    try:
        digest = cert.signature_hash_algorithm
    except UnsupportedAlgorithm:
        return False
    params = getattr(cert, "signature_algorithm_parameters", None)
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            pad = params if isinstance(params, padding.AsymmetricPadding) else padding.PKCS1v15()
            public_key.verify(signature, tbs, pad, digest)
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, tbs, ec.ECDSA(digest))
        elif isinstance(public_key, dsa.DSAPublicKey):
            public_key.verify(signature, tbs, digest)
        elif isinstance(public_key, (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey)):
            public_key.verify(signature, tbs)
        else:
            return False
    except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
        return False
    return True


def _rfc4514(name: Any, raw: bytes) -> str:
    try:
        return name.rfc4514_string()
    except (ValueError, UnicodeError):
        return render_name(raw)


def _common_name(name: Any) -> str:
    try:
        for oid in (
            x509.NameOID.COMMON_NAME,
            x509.NameOID.ORGANIZATIONAL_UNIT_NAME,
            x509.NameOID.ORGANIZATION_NAME,
        ):
            values = name.get_attributes_for_oid(oid)
            if values:
                return str(values[0].value)
    except (ValueError, UnicodeError):
        pass
    return ""


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def _require_cryptography() -> None:
    if not HAS_CRYPTOGRAPHY:
        raise IcaClientError(f"the Python library cryptography is required: {CRYPTOGRAPHY_IMPORT_ERROR}")
