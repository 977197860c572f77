# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""A minimal DER reader: just enough X.509 to reach the raw bytes of names.

PRIVATE: this is not a public API of the collection.

Why not a library: OpenSSL's subject hash is taken over its own canonical
re-encoding of the Name, and that canonical form needs the raw RDN SETs and
AttributeTypeAndValue members exactly as they sit in the certificate. No
library available to us exposes them: ``cryptography`` decodes names into
Python strings (losing the string type and the order inside multi-valued
RDNs) and refuses names that OpenSSL loads (unsorted SETs, control characters
in PrintableString). So we walk the DER ourselves.

The reader is strict where a lax reader would be a hazard: every length is
checked against its enclosing element, nothing may trail inside a SEQUENCE we
walk, indefinite lengths and high tag numbers are refused. It accepts one
thing that is not DER because OpenSSL accepts it too: a long-form length with
leading zero bytes (so a certificate OpenSSL loads also gets its hash here).
"""

from __future__ import annotations

from collections.abc import Iterator

from .._errors import IcaClientError

# Universal tags (the identifier octet as it appears in DER)
TAG_BOOLEAN = 0x01
TAG_INTEGER = 0x02
TAG_BIT_STRING = 0x03
TAG_OCTET_STRING = 0x04
TAG_OID = 0x06
TAG_UTF8STRING = 0x0C
TAG_SEQUENCE = 0x30
TAG_SET = 0x31
TAG_NUMERICSTRING = 0x12
TAG_PRINTABLESTRING = 0x13
TAG_T61STRING = 0x14
TAG_IA5STRING = 0x16
TAG_UTCTIME = 0x17
TAG_GENERALIZEDTIME = 0x18
TAG_VISIBLESTRING = 0x1A
TAG_UNIVERSALSTRING = 0x1C
TAG_BMPSTRING = 0x1E

_CONSTRUCTED = 0x20
# OpenSSL refuses times shorter than YYMMDDHHMMSSZ / YYYYMMDDHHMMSSZ
_MIN_TIME_LENGTH = {TAG_UTCTIME: 13, TAG_GENERALIZEDTIME: 15}
_CLASS_MASK = 0xC0

# One AttributeTypeAndValue: (OID content bytes, value identifier octet, value
# content bytes, the whole value TLV as it appears in the input).
Attribute = tuple[bytes, int, bytes, bytes]


class DerError(IcaClientError):
    """The bytes are not the DER structure we expected."""


def read_header(data: bytes, pos: int, end: int) -> tuple[int, int, int]:
    """Read the TLV header at ``pos``; return (identifier octet, content start, content end).

    The element must fit inside ``end``.
    """
    if pos + 2 > end:
        raise DerError(f"truncated DER: element header at offset {pos} runs past the end")
    tag = data[pos]
    if tag & 0x1F == 0x1F:
        raise DerError(f"unsupported DER: high tag number at offset {pos}")
    first = data[pos + 1]
    if first < 0x80:
        start = pos + 2
        length = first
    else:
        count = first & 0x7F
        if count == 0:
            raise DerError(f"not DER: indefinite length at offset {pos}")
        if count > 4:
            raise DerError(f"bad DER: length of {count} octets at offset {pos}")
        start = pos + 2 + count
        if start > end:
            raise DerError(f"truncated DER: length octets at offset {pos} run past the end")
        length = int.from_bytes(data[pos + 2 : start], "big")
    stop = start + length
    if stop > end:
        raise DerError(
            f"truncated DER: element at offset {pos} claims {length} bytes, only {end - start} remain"
        )
    return tag, start, stop


def expect(data: bytes, pos: int, end: int, tag: int, what: str) -> tuple[int, int]:
    """Read the element at ``pos`` that must carry ``tag``; return (content start, content end)."""
    # The common cases (the tag we expect, a length in up to two octets) are decided
    # here without a second call; everything else, errors included, goes to read_header
    if data[pos : pos + 1] == _TAG_BYTES[tag] and pos + 4 <= end:
        length = data[pos + 1]
        if length < 0x80:
            start = pos + 2
        elif length == 0x81:
            length, start = data[pos + 2], pos + 3
        elif length == 0x82:
            length, start = data[pos + 2] << 8 | data[pos + 3], pos + 4
        else:
            start = end  # other forms: read_header decides
        if start < end and start + length <= end:
            return start, start + length
    found, start, stop = read_header(data, pos, end)
    if found != tag:
        raise DerError(f"bad DER: expected {what} (tag 0x{tag:02x}) at offset {pos}, found tag 0x{found:02x}")
    return start, stop


_TAG_BYTES = [bytes((tag,)) for tag in range(256)]


def children(data: bytes, start: int, end: int) -> list[tuple[int, int, int, int]]:
    """The elements that exactly fill [start, end): (identifier, element start, content start, content end).

    The hot loop of every walk here (a rehash reads thousands of certificates),
    so the header parsing of :func:`read_header` is repeated inline.
    """
    elements = []
    pos = start
    while pos < end:
        if pos + 2 > end:
            raise DerError(f"truncated DER: element header at offset {pos} runs past the end")
        tag = data[pos]
        length = data[pos + 1]
        if tag & 0x1F == 0x1F or length >= 0x80:
            tag, content, stop = read_header(data, pos, end)
        else:
            content = pos + 2
            stop = content + length
            if stop > end:
                raise DerError(
                    f"truncated DER: element at offset {pos} claims {length} bytes, {end - content} remain"
                )
        elements.append((tag, pos, content, stop))
        pos = stop
    return elements


def iter_elements(data: bytes, start: int, end: int) -> Iterator[tuple[int, int, int, int]]:
    """Yield (identifier, element start, content start, content end) for each element in [start, end)."""
    return iter(children(data, start, end))


def encode_length(length: int) -> bytes:
    """The DER (minimal) encoding of a content length."""
    if length < 0x80:
        return bytes((length,))
    octets = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(octets),)) + octets


def encode_tlv(tag: int, content: bytes) -> bytes:
    """One DER element: identifier, minimal length, content."""
    length = len(content)
    if length < 0x80:
        return bytes((tag, length)) + content
    return bytes((tag,)) + encode_length(length) + content


def first_element(data: bytes) -> tuple[bytes, bytes]:
    """Split ``data`` into its first complete DER element and whatever follows it."""
    _tag, _start, stop = read_header(data, 0, len(data))
    return data[:stop], data[stop:]


def check_oid(content: bytes, offset: int = 0) -> None:
    """Refuse an OBJECT IDENTIFIER encoding that OpenSSL refuses (empty, unfinished or padded arcs)."""
    if not content or content[-1] & 0x80:
        raise DerError(f"bad DER: malformed OBJECT IDENTIFIER at offset {offset}")
    if 0x80 not in content:
        return
    previous = 0
    for octet in content:
        # 0x80 opening a sub-identifier is a non-minimal (padded) arc
        if octet == 0x80 and not previous & 0x80:
            raise DerError(f"bad DER: OBJECT IDENTIFIER with a padded arc at offset {offset}")
        previous = octet


def _signed_outer(data: bytes, what: str) -> tuple[int, int]:
    """Walk ``SEQUENCE { tbs SEQUENCE, AlgorithmIdentifier, BIT STRING }``; return tbs content bounds.

    Bytes after the outer SEQUENCE are not our business (OpenSSL's d2i ignores them too);
    callers that care use :func:`first_element`.
    """
    start, stop = expect(data, 0, len(data), TAG_SEQUENCE, what)
    tbs_start, tbs_stop = expect(data, start, stop, TAG_SEQUENCE, f"to-be-signed part of the {what}")
    pos = expect(data, tbs_stop, stop, TAG_SEQUENCE, "signature algorithm")[1]
    if expect(data, pos, stop, TAG_BIT_STRING, "signature")[1] != stop:
        raise DerError(f"bad DER: unexpected bytes at the end of the {what}")
    return tbs_start, tbs_stop


# After the subject public key info, each at most once and in this order:
# [1] issuerUniqueID, [2] subjectUniqueID, [3] extensions
_TBS_OPTIONAL_RANK = {0x81: 1, 0x82: 2, 0xA3: 3}


def certificate_names(cert_der: bytes) -> tuple[bytes, bytes]:
    """Return the raw DER (header included) of (issuer, subject) of an X.509 certificate.

    Walks Certificate -> tbsCertificate and checks the order and tags of every
    tbsCertificate field, so that a structure OpenSSL would refuse is refused here.
    """
    data = cert_der
    pos, end = _signed_outer(data, "certificate")
    if data[pos : pos + 1] == b"\xa0":  # [0] EXPLICIT Version
        version_start, version_end = expect(data, pos, end, 0xA0, "version")
        if expect(data, version_start, version_end, TAG_INTEGER, "version")[1] != version_end:
            raise DerError("bad DER: extra bytes after the certificate version")
        pos = version_end
    pos = expect(data, pos, end, TAG_INTEGER, "serial number")[1]
    pos = expect(data, pos, end, TAG_SEQUENCE, "signature algorithm")[1]
    issuer_at = pos
    pos = expect(data, pos, end, TAG_SEQUENCE, "issuer name")[1]
    issuer_end = pos
    validity_start, pos = expect(data, pos, end, TAG_SEQUENCE, "validity")
    _check_validity(data, validity_start, pos)
    subject_at = pos
    pos = expect(data, pos, end, TAG_SEQUENCE, "subject name")[1]
    subject_end = pos
    pos = expect(data, pos, end, TAG_SEQUENCE, "subject public key info")[1]
    rank = 0
    while pos < end:
        tag, _start, stop = read_header(data, pos, end)
        next_rank = _TBS_OPTIONAL_RANK.get(tag, 0)
        if next_rank <= rank:
            raise DerError(
                f"bad DER: unexpected element with tag 0x{tag:02x} at offset {pos} in the certificate"
            )
        rank = next_rank
        pos = stop
    return data[issuer_at:issuer_end], data[subject_at:subject_end]


def _check_validity(data: bytes, start: int, end: int) -> None:
    times = 0
    for tag, _at, time_start, time_stop in children(data, start, end):
        minimum = _MIN_TIME_LENGTH.get(tag)
        if minimum is None or time_stop - time_start < minimum:
            raise DerError(
                f"bad DER: validity holds tag 0x{tag:02x} of {time_stop - time_start} bytes, not a time"
            )
        times += 1
    if times != 2:
        raise DerError(f"bad DER: validity holds {times} times, not 2")


_CRL_FIELD_RANK = {TAG_UTCTIME: 1, TAG_GENERALIZEDTIME: 1, TAG_SEQUENCE: 3, 0xA0: 4}


def crl_issuer(crl_der: bytes) -> bytes:
    """Return the raw DER (header included) of the issuer Name of an X.509 CRL.

    Walks CertificateList -> tbsCertList and checks the order and tags of its fields.
    """
    data = crl_der
    pos, end = _signed_outer(data, "CRL")
    if pos < end and data[pos] == TAG_INTEGER:  # optional version
        pos = read_header(data, pos, end)[2]
    pos = expect(data, pos, end, TAG_SEQUENCE, "signature algorithm")[1]
    issuer_at = pos
    pos = expect(data, pos, end, TAG_SEQUENCE, "issuer name")[1]
    issuer_end = pos
    # thisUpdate, then optional nextUpdate, revokedCertificates and [0] crlExtensions, in order
    rank = 0
    for tag, at, start, stop in children(data, pos, end):
        next_rank = _CRL_FIELD_RANK.get(tag, 0)
        if next_rank == 1 and rank == 1:
            next_rank = 2  # the second time is nextUpdate
        if next_rank <= rank or (rank == 0 and next_rank != 1):
            raise DerError(f"bad DER: unexpected element with tag 0x{tag:02x} at offset {at} in the CRL")
        if next_rank <= 2 and stop - start < _MIN_TIME_LENGTH[tag]:
            raise DerError(f"bad DER: CRL time at offset {at} is too short")
        rank = next_rank
    if rank == 0:
        raise DerError("bad DER: the CRL lacks its thisUpdate time")
    return data[issuer_at:issuer_end]


def name_rdns(name_der: bytes) -> list[list[Attribute]]:
    """Split a Name (``SEQUENCE OF SET OF AttributeTypeAndValue``) into its RDNs.

    Each RDN is the list of its members in input order; an empty SET gives an
    empty list. Each member is (OID content, value identifier, value content,
    value TLV bytes). Values keep their encoding; the caller decides what each
    string type means.
    """
    data = name_der
    start, end = expect(data, 0, len(data), TAG_SEQUENCE, "Name")
    if end != len(data):
        raise DerError(f"bad DER: {len(data) - end} bytes after the Name")
    rdns: list[list[Attribute]] = []
    for tag, at, set_start, set_end in children(data, start, end):
        if tag != TAG_SET:
            raise DerError(f"bad DER: expected an RDN SET (tag 0x31) at offset {at}, found tag 0x{tag:02x}")
        rdns.append(
            [
                (data[oid_start:oid_end], tag, data[value_start:value_end], data[oid_end:value_end])
                for oid_start, oid_end, tag, value_start, value_end in iter_attributes(
                    data, set_start, set_end
                )
            ]
        )
    return rdns


def iter_attributes(data: bytes, start: int, end: int) -> list[tuple[int, int, int, int, int]]:
    """The AttributeTypeAndValue members of one RDN SET's content [start, end).

    Each is (OID content start, OID content end, value identifier, value content
    start, value content end); the value TLV is ``data[oid_end:value_end]``.
    """
    members = []
    for tag, at, atv_start, atv_end in children(data, start, end):
        if tag != TAG_SEQUENCE:
            raise DerError(
                f"bad DER: expected AttributeTypeAndValue (tag 0x30) at offset {at}, found tag 0x{tag:02x}"
            )
        parts = children(data, atv_start, atv_end)
        if len(parts) != 2 or parts[0][0] != TAG_OID:
            raise DerError(f"bad DER: the AttributeTypeAndValue at offset {at} is not an OID and a value")
        (_oid_tag, _oid_at, oid_start, oid_end), (value_tag, _value_at, value_start, value_end) = parts
        check_oid(data[oid_start:oid_end], at)
        members.append((oid_start, oid_end, value_tag, value_start, value_end))
    return members


def collect_constructed(data: bytes, start: int, end: int, depth: int = 0) -> bytes:
    """Concatenate the primitive pieces of a constructed (BER-style) string, as OpenSSL does."""
    if depth > 5:
        raise DerError("bad DER: constructed string nested too deeply")
    pieces = []
    for tag, _at, cstart, cend in iter_elements(data, start, end):
        if tag & _CLASS_MASK:
            raise DerError("bad DER: constructed string holds a non-universal piece")
        if tag & _CONSTRUCTED:
            pieces.append(collect_constructed(data, cstart, cend, depth + 1))
        else:
            pieces.append(data[cstart:cend])
    return b"".join(pieces)
