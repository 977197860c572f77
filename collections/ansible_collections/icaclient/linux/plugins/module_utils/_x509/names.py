# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""Name strings decoded from the raw DER (one decoder, for the subject hash and for display), and
names rendered from it, for the names ``cryptography`` refuses.

PRIVATE: this is not a public API of the collection.
"""

from __future__ import annotations

from .._errors import IcaClientError
from .der import (
    TAG_BMPSTRING,
    TAG_IA5STRING,
    TAG_NUMERICSTRING,
    TAG_PRINTABLESTRING,
    TAG_T61STRING,
    TAG_UNIVERSALSTRING,
    TAG_UTF8STRING,
    TAG_VISIBLESTRING,
    DerError,
    collect_constructed,
    name_rdns,
)

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
# String types of one byte a character, read as Latin-1 (as OpenSSL converts them to UTF-8).
ONE_BYTE_STRINGS = frozenset(
    (TAG_NUMERICSTRING, TAG_PRINTABLESTRING, TAG_T61STRING, TAG_IA5STRING, TAG_VISIBLESTRING)
)
STRING_TYPES = ONE_BYTE_STRINGS | {TAG_UTF8STRING, TAG_BMPSTRING, TAG_UNIVERSALSTRING}


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
                        return _value_string(tag, content, _tlv)
                    except (ValueError, DerError):
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


def decode_string(number: int, content: bytes) -> str:
    """The text of a name value of universal string type ``number`` (its content, primitive), read
    as OpenSSL reads it to hash and to print a name. The one decoder of name strings: the subject
    hash canonicalises what it returns, :func:`render_name` shows it.

    UTF8String strictly; the one-byte types as Latin-1; BMPString as UTF-16 without surrogates;
    UniversalString as UTF-32. :class:`DerError` when the bytes are not valid for the type;
    ValueError for a type that is not a string type.
    """
    if number == TAG_UTF8STRING:
        try:
            return content.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DerError(f"name value is not valid UTF-8: {exc.reason}") from exc
    if number in ONE_BYTE_STRINGS:
        return content.decode("latin-1")
    if number == TAG_BMPSTRING:
        if len(content) % 2:
            raise DerError("name value BMPString has an odd length")
        try:
            decoded = content.decode("utf-16-be")
        except UnicodeDecodeError as exc:
            raise DerError("name value BMPString holds a surrogate") from exc
        if 2 * len(decoded) != len(content):
            # UTF-16 paired two surrogates: BMPString has no surrogates, OpenSSL refuses them
            raise DerError("name value BMPString holds a surrogate pair")
        return decoded
    if number == TAG_UNIVERSALSTRING:
        if len(content) % 4:
            raise DerError("name value UniversalString length is not a multiple of 4")
        try:
            return content.decode("utf-32-be")
        except UnicodeDecodeError as exc:
            raise DerError("name value UniversalString holds an invalid code point") from exc
    raise ValueError("not a string type")


def _value_string(tag: int, content: bytes, tlv: bytes) -> str:
    """:func:`decode_string` of a value as it appears in a name (a constructed string joined first)."""
    if tag & 0xC0:
        raise ValueError("not a universal type")
    if tag & 0x20:
        content = collect_constructed(tlv, len(tlv) - len(content), len(tlv))
    return decode_string(tag & 0x1F, content)


def _value_text(tag: int, content: bytes, tlv: bytes) -> str:
    # a value OpenSSL cannot read as a string (other types, malformed bytes) is shown as its DER
    try:
        text = _value_string(tag, content, tlv)
    except (ValueError, DerError):
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
