# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""Names rendered from the raw DER, for the names ``cryptography`` refuses.

PRIVATE: this is not a public API of the collection.
"""

from __future__ import annotations

from .._errors import IcaClientError
from .der import (
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
