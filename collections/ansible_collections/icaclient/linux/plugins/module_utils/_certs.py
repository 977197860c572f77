# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Load CA certificates from PEM, DER, CRT, PKCS#7 and bundles, and judge them for the keystore.

Parsing uses ``cryptography``; nothing shells out to ``openssl``. The subject hash
comes from :mod:`._subject_hash`, computed from the raw DER subject, so it is
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

import base64
import datetime
import hashlib
import re
import unicodedata
import warnings
from dataclasses import asdict, dataclass, field
from typing import Any, Optional

from ._der import (
    TAG_BIT_STRING,
    TAG_SEQUENCE,
    certificate_names,
    encode_tlv,
    expect,
    first_element,
    iter_elements,
    name_rdns,
    read_header,
)
from ._errors import IcaClientError
from ._subject_hash import pem_blocks, subject_hash_from_cert_der

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

#: The largest RSA/DSA key the client supports (roots, intermediates and servers).
MAX_KEY_BITS = 4096

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
    key_bits: int
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

    key_type, key_bits, public_key = _key_facts(cert)
    self_issued = raw_subject == raw_issuer
    self_signed = (
        self_issued and public_key is not None and _signature_verifies(public_key, cert, tbs, signature)
    )
    version = 1 if cert.version == x509.Version.v1 else 3
    is_ca, ca_reason = _ca_facts(cert, version, self_issued, where)

    not_before = _utc(cert, "not_valid_before")
    not_after = _utc(cert, "not_valid_after")
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


def _key_facts(cert: Any) -> tuple[str, int, Any]:
    try:
        key = cert.public_key()
    except (UnsupportedAlgorithm, ValueError):
        return "unknown", 0, None
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", key.key_size, key
    if isinstance(key, dsa.DSAPublicKey):
        return "DSA", key.key_size, key
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC ({key.curve.name})", key.curve.key_size, key
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519", 256, key
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448", 456, key
    return type(key).__name__, 0, key


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


def _utc(cert: Any, attribute: str) -> datetime.datetime:
    aware = getattr(cert, attribute + "_utc", None)
    if aware is not None:
        return aware
    return getattr(cert, attribute).replace(tzinfo=_UTC)  # cryptography < 42


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


# ---------------------------------------------------------------------------
# Validation for the keystore


def keystore_problems(cert: CertInfo, *, kind: str) -> list[tuple[str, str]]:
    """(code, explanation) for each reason ``cert`` does not belong in the ``kind`` folder.

    Codes: ``not_ca``, ``not_self_signed`` (roots only), ``key_over_4096``,
    ``expired``. The explanation completes "cannot add ... : <explanation>".
    """
    problems: list[tuple[str, str]] = []
    if not cert.is_ca:
        problems.append(
            (
                "not_ca",
                f"it is not a CA certificate ({cert.ca_reason}): a server or client certificate "
                "does not belong in the keystore; add the CA that issued it",
            )
        )
    if kind == "root" and not cert.self_signed:
        if cert.self_issued:
            cause = "its subject equals its issuer but its signature does not verify with its own key"
        else:
            cause = f"it is not self-signed (issued by {cert.issuer}): add it with kind=intermediate"
        problems.append(("not_self_signed", cause))
    if cert.key_type in ("RSA", "DSA") and cert.key_bits > MAX_KEY_BITS:
        problems.append(
            (
                "key_over_4096",
                f"{cert.key_type} key is {cert.key_bits} bits, the client accepts at most {MAX_KEY_BITS}",
            )
        )
    if cert.expired:
        problems.append(("expired", f"it expired on {cert.not_after}"))
    return problems


def check_for_keystore(certs: list[CertInfo], *, kind: str, expired_policy: str, context: str) -> list[str]:
    """Raise IcaClientError (``context: causes``) unless every certificate may go in; return warnings.

    ``expired_policy`` is ``refuse`` or ``warn``. Every certificate is judged
    before the caller writes anything, so a refused bundle changes nothing.
    """
    if kind not in ("root", "intermediate"):
        raise IcaClientError(f"{context}: unknown kind {kind!r}")
    if expired_policy not in ("refuse", "warn"):
        raise IcaClientError(f"{context}: unknown expired policy {expired_policy!r}")
    failures: list[str] = []
    warnings: list[str] = []
    codes: list[str] = []
    for cert in certs:
        label = _describe(cert, len(certs))
        causes = []
        for code, text in keystore_problems(cert, kind=kind):
            if code == "expired" and expired_policy == "warn":
                warnings.append(f"{label} expired on {cert.not_after}; added anyway (expired=warn)")
                continue
            if code == "expired":
                text += " (set expired=warn to add it anyway)"
            causes.append(text)
            codes.append(code)
        if cert.not_yet_valid:
            warnings.append(f"{label} is not valid before {cert.not_before}")
        if kind == "intermediate" and cert.self_signed:
            warnings.append(f"{label} is self-signed: the client trusts it only as a root (kind=root)")
        for note in cert.notes:
            warnings.append(f"{label}: {note}")
        if causes:
            prefix = f"{label}: " if len(certs) > 1 else ""
            failures.append(prefix + "; ".join(causes))
    if failures:
        raise IcaClientError(f"{context}: " + "; ".join(failures), problems=sorted(set(codes)))
    return warnings


def _describe(cert: CertInfo, count: int) -> str:
    if count > 1:
        return f"certificate {cert.position} of {count} ({cert.subject})"
    return f"certificate {cert.subject}"


# ---------------------------------------------------------------------------
# Encoding helpers


def der_to_pem(der: bytes) -> str:
    """Normalised PEM text: one CERTIFICATE block, 64-column base64, LF line ends."""
    text = base64.b64encode(der).decode("ascii")
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"


def colon_hex(digest: bytes) -> str:
    return ":".join(f"{byte:02X}" for byte in digest)


def normalise_fingerprint(value: str) -> str:
    """Accept ``AB:CD...``, ``abcd...`` or ``sha256:ABCD...``; return colon hex upper, or raise."""
    text = value.strip()
    if text.lower().startswith("sha256:") or text.lower().startswith("sha256="):
        text = text[7:]
    digits = re.sub(r"[\s:]", "", text)
    if not re.fullmatch(r"[0-9A-Fa-f]{64}", digits):
        raise IcaClientError(
            f"{value!r} is not a SHA-256 fingerprint (64 hexadecimal digits, colons allowed)"
        )
    return colon_hex(bytes.fromhex(digits))


def iso_utc(moment: datetime.datetime) -> str:
    return moment.astimezone(_UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _hex_serial(number: int) -> str:
    sign = "-" if number < 0 else ""
    digits = f"{abs(number):X}"
    return sign + ("0" + digits if len(digits) % 2 else digits)


def slug(text: str, *, limit: int = 64, keep_case: bool = False) -> str:
    """A file-name-safe, readable form of ``text`` (may be empty), lower-case unless ``keep_case``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    cleaned = re.sub(
        r"[^A-Za-z0-9._]+" if keep_case else r"[^a-z0-9._]+",
        "-",
        ascii_text if keep_case else ascii_text.lower(),
    )
    cleaned = re.sub(r"[-._]{2,}", "-", cleaned).strip("-._")
    return cleaned[:limit].rstrip("-._")


# ---------------------------------------------------------------------------
# DER: the raw pieces cryptography does not hand out (through the shared reader in _der)


def _split_tlvs(data: bytes) -> Optional[list[bytes]]:
    """The top-level SEQUENCEs that exactly fill ``data``, or None."""
    try:
        items = [(tag, data[at:cend]) for tag, at, _cstart, cend in iter_elements(data, 0, len(data))]
    except IcaClientError:
        return None
    if not items or any(tag != TAG_SEQUENCE for tag, _tlv in items):
        return None
    return [tlv for _tag, tlv in items]


def _first_tlv(data: bytes, where: str) -> bytes:
    try:
        return first_element(data)[0]
    except IcaClientError as exc:
        raise IcaClientError(f"{where} is not valid DER: {exc.message}", cause="unparsable") from exc


def _tbs_and_signature(der: bytes) -> tuple[bytes, bytes]:
    """The original to-be-signed bytes and the signature of a DER certificate."""
    outer_start, outer_stop = expect(der, 0, len(der), TAG_SEQUENCE, "certificate")
    _tbs_start, tbs_stop = expect(der, outer_start, outer_stop, TAG_SEQUENCE, "to-be-signed part")
    algorithm_stop = read_header(der, tbs_stop, outer_stop)[2]
    bits_start, bits_stop = expect(der, algorithm_stop, outer_stop, TAG_BIT_STRING, "signature")
    return der[outer_start:tbs_stop], der[bits_start + 1 : bits_stop]  # drop the unused-bits octet


def _tbs_fields(der: bytes) -> tuple[list[bytes], list[bytes], int]:
    """(outer elements, TBS fields, index of the serial number) of a DER certificate."""
    outer_start, outer_stop = expect(der, 0, len(der), TAG_SEQUENCE, "certificate")
    parts = [der[at:cend] for _tag, at, _cs, cend in iter_elements(der, outer_start, outer_stop)]
    tbs_start, tbs_stop = expect(der, outer_start, outer_stop, TAG_SEQUENCE, "to-be-signed part")
    fields = [der[at:cend] for _tag, at, _cs, cend in iter_elements(der, tbs_start, tbs_stop)]
    return parts, fields, (1 if fields[0][0] == 0xA0 else 0)  # the explicit [0] version is optional


def _raw_serial(der: bytes) -> int:
    _parts, fields, serial_at = _tbs_fields(der)
    _tag, start, stop = read_header(fields[serial_at], 0, len(fields[serial_at]))
    return int.from_bytes(fields[serial_at][start:stop], "big", signed=True)


def _sanitised_copy(der: bytes) -> bytes:
    """A copy with empty issuer and subject Names and serial 1, for cryptography to read the rest.

    Only the key, validity, version and extensions of the copy are used; its
    signature no longer matches and is never checked.
    """
    parts, fields, serial_at = _tbs_fields(der)
    fields[serial_at] = b"\x02\x01\x01"
    fields[serial_at + 2] = fields[serial_at + 4] = b"\x30\x00"  # issuer, subject
    return encode_tlv(TAG_SEQUENCE, encode_tlv(TAG_SEQUENCE, b"".join(fields)) + b"".join(parts[1:]))


_SHORT_NAMES = {
    "2.5.4.3": "CN",
    "2.5.4.6": "C",
    "2.5.4.7": "L",
    "2.5.4.8": "ST",
    "2.5.4.9": "STREET",
    "2.5.4.10": "O",
    "2.5.4.11": "OU",
    "2.5.4.5": "serialNumber",
    "2.5.4.4": "SN",
    "2.5.4.42": "GN",
    "2.5.4.12": "title",
    "0.9.2342.19200300.100.1.25": "DC",
    "0.9.2342.19200300.100.1.1": "UID",
    "1.2.840.113549.1.9.1": "emailAddress",
}
_ONE_BYTE_STRINGS = {0x12, 0x13, 0x14, 0x16, 0x1A}  # Numeric, Printable, T61, IA5, Visible


def render_name(raw: bytes) -> str:
    """RFC 4514-like text for a raw DER Name, for names ``cryptography`` refuses.

    Control characters appear as ``\\XX`` so that the text is readable and safe
    to log; values of other types appear as ``#`` plus their DER in hex.
    """
    try:
        rdns = name_rdns(raw)
    except IcaClientError:
        return "#" + raw.hex()
    parts = []
    for members in reversed(rdns):
        texts = []
        for oid, tag, content, tlv in members:
            dotted = _oid_text(oid)
            texts.append(f"{_SHORT_NAMES.get(dotted, dotted)}={_value_text(tag, content, tlv)}")
        parts.append("+".join(texts))
    return ",".join(parts)


def _raw_common_name(raw: bytes) -> str:
    try:
        rdns = name_rdns(raw)
    except IcaClientError:
        return ""
    for wanted in ("2.5.4.3", "2.5.4.11", "2.5.4.10"):
        for members in rdns:
            for oid, tag, content, _tlv in members:
                if _oid_text(oid) == wanted:
                    try:
                        return _decode_value(tag, content)
                    except ValueError:
                        continue
    return ""


def _oid_text(content: bytes) -> str:
    numbers = []
    value = 0
    for byte in content:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            numbers.append(value)
            value = 0
    if not numbers:
        return ""
    first = numbers[0]
    head = [min(first // 40, 2), first - 40 * min(first // 40, 2)]
    return ".".join(str(n) for n in head + numbers[1:])


def _decode_value(tag: int, content: bytes) -> str:
    if tag == 0x0C:
        return content.decode("utf-8", "replace")
    if tag in _ONE_BYTE_STRINGS:
        return content.decode("latin-1")
    if tag == 0x1E:
        return content.decode("utf-16-be", "replace")
    if tag == 0x1C:
        return content.decode("utf-32-be", "replace")
    raise ValueError("not a string type")


def _value_text(tag: int, content: bytes, tlv: bytes) -> str:
    try:
        text = _decode_value(tag, content)
    except ValueError:
        return "#" + tlv.hex()
    escaped = []
    for char in text:
        if ord(char) < 0x20 or ord(char) == 0x7F:
            escaped.append(f"\\{ord(char):02X}")
        elif char in ',+"\\<>;=':
            escaped.append("\\" + char)
        else:
            escaped.append(char)
    return "".join(escaped)


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def _require_cryptography() -> None:
    if not HAS_CRYPTOGRAPHY:
        raise IcaClientError(f"the Python library cryptography is required: {CRYPTOGRAPHY_IMPORT_ERROR}")
