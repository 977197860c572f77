# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test helper: certificates built byte by byte, with names no X.509 library would write.

The subject hash must agree with OpenSSL on every certificate OpenSSL loads,
including names that ``cryptography`` refuses to build (unsorted multi-valued
RDNs, control characters in a PrintableString, VisibleString, odd BMPStrings).
So this helper writes the DER itself (deliberately independent of the reader
under test) and signs the result with one small ECDSA key.
"""

from __future__ import annotations

import base64
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Optional, Union

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

# One member of an RDN: (dotted OID, value TLV bytes)
Member = tuple[str, bytes]


def tlv(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        header = bytes((tag, length))
    else:
        octets = length.to_bytes((length.bit_length() + 7) // 8, "big")
        header = bytes((tag, 0x80 | len(octets))) + octets
    return header + content


def oid(dotted: str) -> bytes:
    arcs = [int(arc) for arc in dotted.split(".")]
    body = [40 * arcs[0] + arcs[1], *arcs[2:]]
    out = bytearray()
    for arc in body:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        out.extend(reversed(chunk))
    return tlv(0x06, bytes(out))


def name(rdns: Sequence[Sequence[Member]]) -> bytes:
    """A Name; members are written in the order given (unsorted SETs on purpose)."""
    return tlv(0x30, b"".join(tlv(0x31, b"".join(tlv(0x30, oid(o) + v) for o, v in rdn)) for rdn in rdns))


def raw_name(rdns_der: Sequence[bytes]) -> bytes:
    return tlv(0x30, b"".join(rdns_der))


_ECDSA_SHA256 = tlv(0x30, oid("1.2.840.10045.4.3.2"))


@dataclass
class Signer:
    key: ec.EllipticCurvePrivateKey
    spki: bytes

    @classmethod
    def new(cls) -> Signer:
        key = ec.generate_private_key(ec.SECP256R1())
        spki = key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return cls(key, spki)

    def certificate(
        self,
        subject: bytes,
        *,
        issuer: Optional[bytes] = None,
        serial: int = 1,
        spki: Optional[bytes] = None,
    ) -> bytes:
        """A v3 certificate (no extensions) with the given raw subject and issuer Names."""
        tbs = tlv(
            0x30,
            tlv(0xA0, tlv(0x02, b"\x02"))
            + tlv(0x02, serial.to_bytes((serial.bit_length() + 8) // 8, "big"))
            + _ECDSA_SHA256
            + (subject if issuer is None else issuer)
            + tlv(0x30, tlv(0x17, b"250101000000Z") + tlv(0x17, b"491231235959Z"))
            + subject
            + (spki or self.spki),
        )
        signature = self.key.sign(tbs, ec.ECDSA(hashes.SHA256()))
        return tlv(0x30, tbs + _ECDSA_SHA256 + tlv(0x03, b"\x00" + signature))


def pem(der: bytes, label: str = "CERTIFICATE") -> bytes:
    text = base64.b64encode(der)
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    return b"-----BEGIN %s-----\n%s\n-----END %s-----\n" % (label.encode(), b"\n".join(lines), label.encode())


# --- random names that exercise OpenSSL's canonicalisation ------------------------------------

UTF8, BMP, UNIVERSAL, PRINTABLE, T61, IA5, NUMERIC = 0x0C, 0x1E, 0x1C, 0x13, 0x14, 0x16, 0x12
CANONICALISED = (UTF8, BMP, UNIVERSAL, PRINTABLE, T61, IA5)

ATTRIBUTE_OIDS = [
    "2.5.4.3",  # commonName
    "2.5.4.10",  # organizationName
    "2.5.4.11",  # organizationalUnitName
    "2.5.4.6",  # countryName
    "2.5.4.7",  # localityName
    "2.5.4.8",  # stateOrProvinceName
    "2.5.4.5",  # serialNumber
    "1.2.840.113549.1.9.1",  # emailAddress
    "0.9.2342.19200300.100.1.25",  # domainComponent
    "1.3.6.1.4.1.55555.7",  # unknown private OID
    "2.999.1234567",  # unknown, multi-byte arc
]

_WORDS = ["Acme", "ROOT", "ca", "Trust", "Services", "GmbH", "sub", "Example", "Q", "x1"]
_WHITESPACE = [" ", "  ", "\t", " \t ", "\n", "\r\n", "\x0b", "\x0c", "   "]
_NON_ASCII = ["é", "Ä", "ß", "Ω", "Ж", "中文", "İ", "\u00a0", "\u2003", "Ǆ", "ﬀ"]
_NON_BMP = ["\U0001f600", "\U0001d538"]
_LATIN1_EXTRA = ["é", "Ä", "ß", "\u00a0", "ÿ", "\x85", "\x01", "\x7f"]


def random_text(rng: random.Random, *, latin1: bool, bmp_only: bool) -> str:
    parts: list[str] = []
    if rng.random() < 0.3:
        parts.append(rng.choice(_WHITESPACE))
    for index in range(rng.randint(1, 4)):
        if index:
            parts.append(rng.choice(_WHITESPACE) if rng.random() < 0.6 else " ")
        word = rng.choice(_WORDS)
        if rng.random() < 0.3:
            word = word.swapcase()
        parts.append(word)
        if rng.random() < 0.3:
            pool = _LATIN1_EXTRA if latin1 else _NON_ASCII + ([] if bmp_only else _NON_BMP)
            parts.append(rng.choice(pool))
    if rng.random() < 0.3:
        parts.append(rng.choice(_WHITESPACE))
    return "".join(parts)


def random_value(rng: random.Random) -> tuple[bytes, bool]:
    """A value TLV and whether OpenSSL is expected to load a name holding it (for the report only)."""
    roll = rng.random()
    if roll < 0.9:
        tag = rng.choice((*CANONICALISED, NUMERIC))
        if tag == NUMERIC:
            return tlv(tag, rng.choice([b"0123", b" 12 34 ", b"  9", b"AbC 1"])), True
        if tag in (PRINTABLE, T61, IA5):
            return tlv(tag, random_text(rng, latin1=True, bmp_only=True).encode("latin-1")), True
        if tag == BMP:
            return tlv(tag, random_text(rng, latin1=False, bmp_only=True).encode("utf-16-be")), True
        if tag == UNIVERSAL:
            return tlv(tag, random_text(rng, latin1=False, bmp_only=False).encode("utf-32-be")), True
        return tlv(tag, random_text(rng, latin1=False, bmp_only=False).encode("utf-8")), True
    # The rest: types and encodings at the edge of what OpenSSL accepts
    return rng.choice(EDGE_VALUES)


# (value TLV, does OpenSSL load a certificate whose name holds it)
EDGE_VALUES: list[tuple[bytes, bool]] = [
    (tlv(0x03, b"\x00\xa5\x5a"), True),  # BIT STRING
    (tlv(0x03, b"\x04\xa5\x5f"), True),  # BIT STRING with set padding bits (OpenSSL clears them)
    (tlv(0x03, b"\x05"), True),  # empty BIT STRING claiming unused bits
    (tlv(0x03, b"\x09\x00"), False),  # more than 7 unused bits
    (tlv(0x30, tlv(0x0C, b"In A Sequence")), True),
    (tlv(0x0D, b"\x01\x02"), True),  # RELATIVE-OID: an "unknown" type OpenSSL copies
    (tlv(0x1A, b"Visible"), False),  # VisibleString
    (tlv(0x04, b"octets"), False),
    (tlv(0x02, b"\x05"), False),
    (tlv(0x80, b"context"), False),
    (tlv(0x1E, b"\x00A\x00"), False),  # odd BMPString
    (tlv(0x1E, b"\xd8\x3d\xde\x00"), False),  # surrogate pair in a BMPString
    (tlv(0x1E, b"\xdc\x00"), False),  # lone surrogate
    (tlv(0x1C, b"\x00\x11\x00\x00"), False),  # beyond U+10FFFF
    (tlv(0x1C, b"\x00\x00\x00"), False),  # UniversalString not a multiple of 4
    (tlv(0x0C, b"\xc0\xaf"), False),  # overlong UTF-8
    (tlv(0x0C, b"\xed\xa0\x80"), False),  # UTF-8 encoded surrogate
    (tlv(0x0C, b"\xf4\x90\x80\x80"), False),  # UTF-8 beyond U+10FFFF
    (tlv(0x0C, b""), True),  # empty UTF8String
    (tlv(0x13, b"   "), True),  # only whitespace
    (tlv(0x2C, tlv(0x04, b"Con") + tlv(0x04, b"  Structed")), True),  # constructed UTF8String
]


def random_subject(rng: random.Random) -> tuple[bytes, bool]:
    """A random subject Name and whether OpenSSL is expected to load it."""
    if rng.random() < 0.02:
        return name([]), True
    rdns: list[list[Member]] = []
    loads = True
    for _ in range(rng.randint(1, 5)):
        if rng.random() < 0.04:
            rdns.append([])  # empty RDN: dropped by the canonical encoding
            continue
        members = []
        for _ in range(1 if rng.random() < 0.75 else rng.randint(2, 3)):
            value, ok = random_value(rng)
            loads = loads and ok
            members.append((rng.choice(ATTRIBUTE_OIDS), value))
        rdns.append(members)
    return name(rdns), loads


def subject_variants(rdns: Sequence[Sequence[tuple[str, int, Union[str, bytes]]]]) -> bytes:
    """A Name from (OID, tag, text) triples; text is encoded as the tag requires."""
    encoded = []
    for rdn in rdns:
        members = []
        for dotted, tag, text in rdn:
            if isinstance(text, bytes):
                content = text
            elif tag == BMP:
                content = text.encode("utf-16-be")
            elif tag == UNIVERSAL:
                content = text.encode("utf-32-be")
            elif tag in (PRINTABLE, T61, IA5, NUMERIC):
                content = text.encode("latin-1")
            else:
                content = text.encode("utf-8")
            members.append((dotted, tlv(tag, content)))
        encoded.append(members)
    return name(encoded)
