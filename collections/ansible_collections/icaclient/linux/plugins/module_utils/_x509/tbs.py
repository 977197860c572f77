# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""The raw pieces of a certificate ``cryptography`` does not hand out (through the DER reader).

PRIVATE: this is not a public API of the collection.
"""

from __future__ import annotations

from typing import Optional

from .._errors import IcaClientError
from .der import (
    TAG_BIT_STRING,
    TAG_SEQUENCE,
    encode_tlv,
    expect,
    first_element,
    iter_elements,
    read_header,
)


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
