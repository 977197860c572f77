# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""OpenSSL's subject hash (``X509_NAME_hash``, what ``openssl x509 -hash`` prints), in pure Python.

PRIVATE: this is not a public API of the collection.

The hash names the links in a CA folder (``HHHHHHHH.N``), so it has to be
OpenSSL's to the bit. OpenSSL takes SHA-1 over a canonical re-encoding of the
Name, reads the first four bytes little-endian and prints them ``%08x``. The
canonical encoding is:

* each RDN becomes a DER ``SET OF`` its members, members sorted by their
  encoded bytes; empty RDNs vanish; the SETs are concatenated WITHOUT the
  outer ``SEQUENCE`` header;
* values of the string types UTF8String, BMPString, UniversalString,
  PrintableString, T61String, IA5String are converted to UTF-8 (the one-byte
  types read as Latin-1), stripped of leading and trailing ASCII whitespace,
  inner runs of ASCII whitespace become one space, only ``A``-``Z`` are
  lowercased (bytes operations: non-ASCII is left as it is), and the result
  is tagged UTF8String;
* every other value (NumericString, BIT STRING, ...) is copied as it is.

The input is the raw DER taken from the certificate, never a name decoded by
``cryptography``: that library refuses names OpenSSL loads (unsorted
multi-valued RDNs, control characters in a PrintableString), and those
certificates still need OpenSSL's hash. Where OpenSSL refuses a name (a
VisibleString value, a BMPString of odd length, invalid UTF-8, ...) we raise
:class:`IcaClientError`, so "OpenSSL cannot load it" and "we cannot hash it"
agree.
"""

from __future__ import annotations

import hashlib
from typing import Optional

from .der import (
    TAG_BIT_STRING,
    TAG_BMPSTRING,
    TAG_IA5STRING,
    TAG_OID,
    TAG_PRINTABLESTRING,
    TAG_SEQUENCE,
    TAG_SET,
    TAG_T61STRING,
    TAG_UNIVERSALSTRING,
    TAG_UTF8STRING,
    DerError,
    certificate_names,
    children,
    collect_constructed,
    crl_issuer,
    encode_tlv,
    expect,
    iter_attributes,
)
from .names import decode_string

__all__ = [
    "EMPTY_NAME_HASH",
    "canonical_name",
    "cert_issuer_der",
    "cert_subject_der",
    "crl_issuer_der",
    "issuer_hash_from_crl_der",
    "name_hash",
    "subject_hash_from_cert_der",
]

EMPTY_NAME_HASH = "eea339da"

# Universal tag numbers OpenSSL accepts as a name value (its ``B_ASN1_PRINTABLE``
# mask: the string types above plus NumericString, BIT STRING, SEQUENCE and the
# tags it files as "unknown"). VisibleString (26), OCTET STRING, INTEGER, ...
# make OpenSSL refuse the whole certificate.
_ACCEPTED_VALUE_TAGS = frozenset((3, 7, 8, 9, 11, 12, 13, 14, 15, 16, 18, 19, 20, 22, 28, 29, 30))
# String types canonicalised to lower-case UTF8String (NumericString is copied as it is)
_CANONICAL_STRINGS = frozenset(
    (TAG_UTF8STRING, TAG_PRINTABLESTRING, TAG_T61STRING, TAG_IA5STRING, TAG_BMPSTRING, TAG_UNIVERSALSTRING)
)
_SEQUENCE_NUMBER = TAG_SEQUENCE & 0x1F
# String types whose ASCII content is already its UTF-8 form
_ASCII_LANE_TYPES = frozenset((TAG_UTF8STRING, TAG_PRINTABLESTRING, TAG_T61STRING, TAG_IA5STRING))


def _canonical_value(tag: int, content: bytes, tlv: bytes) -> bytes:
    """The canonical DER of one attribute value (see the module docstring)."""
    if tag & 0xC0:
        raise DerError(f"name value with non-universal tag 0x{tag:02x} (OpenSSL refuses it)")
    number = tag & 0x1F
    if number not in _ACCEPTED_VALUE_TAGS:
        raise DerError(f"name value of universal type {number} (OpenSSL refuses it)")
    if number == _SEQUENCE_NUMBER:
        if tag != TAG_SEQUENCE:
            raise DerError("name value SEQUENCE is not constructed")
        # OpenSSL keeps a SEQUENCE value as the bytes it read, header included
        return tlv
    if tag & 0x20:
        # A constructed (BER) string: OpenSSL joins its pieces, then treats it as primitive
        content = collect_constructed(tlv, len(tlv) - len(content), len(tlv))
    if number in _CANONICAL_STRINGS:
        text = decode_string(number, content).encode("utf-8")
    elif number == TAG_BIT_STRING:
        return encode_tlv(TAG_BIT_STRING, _canonical_bit_string(content))
    else:
        # NumericString and the "unknown" types: copied, re-encoded primitive with a DER length
        return encode_tlv(number, content)
    # bytes.split() splits on ASCII whitespace only and bytes.lower() folds only A-Z,
    # exactly OpenSSL's ossl_isspace/ossl_tolower on UTF-8 bytes
    return encode_tlv(TAG_UTF8STRING, b" ".join(text.split()).lower())


def _canonical_bit_string(content: bytes) -> bytes:
    """OpenSSL re-encodes a BIT STRING: unused bits cleared, and zero unused bits when empty."""
    if not content:
        raise DerError("name value BIT STRING is empty")
    unused = content[0]
    if unused > 7:
        raise DerError("name value BIT STRING claims more than 7 unused bits")
    if len(content) == 1:
        return b"\x00"
    return bytes((unused,)) + content[1:-1] + bytes((content[-1] & (0xFF << unused) & 0xFF,))


def canonical_name(name_der: bytes, rdn_cache: Optional[dict[bytes, bytes]] = None) -> bytes:
    """OpenSSL's canonical encoding of a Name (the bytes the subject hash is taken over).

    ``rdn_cache`` maps the raw bytes of an RDN SET to its canonical encoding;
    a folder of certificates repeats most RDNs (C=US, O=...), so a rehash
    passes one dictionary for all of them.
    """
    data = name_der
    start, stop = expect(data, 0, len(data), TAG_SEQUENCE, "Name")
    if stop != len(data):
        raise DerError(f"bad DER: {len(data) - stop} bytes after the Name")
    parts = []
    for tag, at, set_start, set_end in children(data, start, stop):
        if tag != TAG_SET:
            raise DerError(f"bad DER: expected an RDN SET (tag 0x31) at offset {at}, found tag 0x{tag:02x}")
        if rdn_cache is None:
            parts.append(_canonical_rdn(data, set_start, set_end))
            continue
        raw = data[at:set_end]
        canonical = rdn_cache.get(raw)
        if canonical is None:
            canonical = rdn_cache[raw] = _canonical_rdn(data, set_start, set_end)
        parts.append(canonical)
    return b"".join(parts)


def _canonical_rdn(data: bytes, start: int, end: int) -> bytes:
    """The canonical SET of one RDN (members sorted by encoding), or b"" for an empty RDN."""
    # Fast lane for the usual RDN: one member, short lengths, an ASCII string value.
    # Anything else (or anything odd) takes the general path below.
    if end - start > 6 and data[start] == TAG_SEQUENCE and data[start + 1] == end - start - 2 < 0x80:
        oid_length = data[start + 3]
        oid_end = start + 4 + oid_length
        if (
            data[start + 2] == TAG_OID
            and oid_length < 0x80
            and oid_end + 2 <= end
            and data[oid_end] in _ASCII_LANE_TYPES
            and data[oid_end + 1] == end - oid_end - 2 < 0x80
        ):
            oid = data[start + 4 : oid_end]
            value = data[oid_end + 2 : end]
            if oid and value.isascii() and 0x80 not in oid:
                canonical = encode_tlv(TAG_UTF8STRING, b" ".join(value.split()).lower())
                return encode_tlv(TAG_SET, encode_tlv(TAG_SEQUENCE, data[start + 2 : oid_end] + canonical))
    members = [
        encode_tlv(
            TAG_SEQUENCE,
            encode_tlv(TAG_OID, data[oid_start:oid_end])
            + _canonical_value(tag, data[value_start:value_end], data[oid_end:value_end]),
        )
        for oid_start, oid_end, tag, value_start, value_end in iter_attributes(data, start, end)
    ]
    if not members:
        return b""
    if len(members) > 1:
        members.sort()
    return encode_tlv(TAG_SET, b"".join(members))


def _hash_of_canonical(canonical: bytes) -> str:
    # the first four digest bytes read little-endian, printed %08x
    return hashlib.sha1(canonical).digest()[3::-1].hex()


def name_hash(name_der: bytes) -> str:
    """``X509_NAME_hash`` of a DER Name: 8 lowercase hex digits.

    Raises :class:`IcaClientError` when the DER is malformed or OpenSSL would refuse the name.
    """
    return _hash_of_canonical(canonical_name(name_der))


def cert_subject_der(cert_der: bytes) -> bytes:
    """The raw DER of the certificate's subject Name, header included."""
    return certificate_names(cert_der)[1]


def cert_issuer_der(cert_der: bytes) -> bytes:
    """The raw DER of the certificate's issuer Name, header included."""
    return certificate_names(cert_der)[0]


def crl_issuer_der(crl_der: bytes) -> bytes:
    """The raw DER of a CRL's issuer Name, header included."""
    return crl_issuer(crl_der)


def subject_hash_from_cert_der(cert_der: bytes) -> str:
    """What ``openssl x509 -hash`` prints for this DER certificate.

    The issuer Name is checked as well (OpenSSL refuses a certificate whose
    issuer it cannot canonicalise), so an error here means OpenSSL cannot load
    the certificate either.
    """
    issuer, subject = certificate_names(cert_der)
    if issuer != subject:
        canonical_name(issuer)
    return name_hash(subject)


def issuer_hash_from_crl_der(crl_der: bytes) -> str:
    """The hash OpenSSL files a CRL under (``HHHHHHHH.rN``): its issuer's name hash."""
    return name_hash(crl_issuer(crl_der))


class NameHasher:
    """Hashes many certificates, remembering names already seen (issuers repeat).

    Used by the rehash of a whole folder; returns the same values as the
    functions above.
    """

    def __init__(self) -> None:
        self._names: dict[bytes, str] = {}
        self._rdns: dict[bytes, bytes] = {}

    def name(self, name_der: bytes) -> str:
        known = self._names.get(name_der)
        if known is None:
            known = self._names[name_der] = _hash_of_canonical(canonical_name(name_der, self._rdns))
        return known

    def certificate(self, cert_der: bytes) -> str:
        issuer, subject = certificate_names(cert_der)
        names = self._names
        if issuer not in names:
            self.name(issuer)
        known = names.get(subject)
        if known is None:
            known = names[subject] = _hash_of_canonical(canonical_name(subject, self._rdns))
        return known

    def crl(self, crl_der: bytes) -> str:
        return self.name(crl_issuer(crl_der))
