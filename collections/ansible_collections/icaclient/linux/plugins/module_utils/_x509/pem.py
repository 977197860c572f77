# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""PEM framing without ``cryptography``, following OpenSSL's PEM reader.

PRIVATE: this is not a public API of the collection.

It agrees with OpenSSL on which files load (:func:`pem_blocks`), and writes the one
normalised form the keystore stores (:func:`der_to_pem`).
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import NamedTuple, Optional

from .._errors import IcaClientError


class PemError(IcaClientError):
    """The text is not PEM that OpenSSL would read."""


class PemBlock(NamedTuple):
    label: str
    der: bytes
    # RFC 1421 header lines (Proc-Type, DEK-Info), b"" when there are none
    headers: bytes = b""


# The BEGIN line: at the start of a line, anything ending in "-----", then any
# trailing bytes OpenSSL strips (everything up to and including the space).
_BEGIN = re.compile(rb"^-----BEGIN (.*)-----[\x00-\x09\x0b-\x20]*$", re.M)
_LINE_TRAILER = bytes(range(0x21))
_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/="
_BASE64_LINES = _BASE64_ALPHABET + b"\n"
_UTF8_BOM = b"\xef\xbb\xbf"


def pem_blocks_with_headers(data: bytes) -> list[PemBlock]:
    """Every PEM block in ``data``, in order, with its header lines.

    Text outside the blocks is ignored, as OpenSSL ignores it. Raises
    :class:`PemError` where OpenSSL's reader fails: a BEGIN line without its
    END line, an END line with another label, more than one blank line in a
    block, base64 that does not decode.
    """
    single = single_plain_block(data)
    if single is not None:
        return [single]
    if data.startswith(_UTF8_BOM):
        data = data[3:]
    blocks: list[PemBlock] = []
    pos = 0
    while True:
        begin = _BEGIN.search(data, pos)
        if begin is None:
            return blocks
        label = begin.group(1)
        label_text = label.decode("latin-1")
        end_at = data.find(b"\n-----END ", begin.end())
        if end_at < 0:
            raise PemError(f"PEM block {label_text} has no END line")
        line_end = data.find(b"\n", end_at + 1)
        if line_end < 0:
            line_end = len(data)
        if data[end_at + 1 : line_end].rstrip(_LINE_TRAILER) != b"-----END " + label + b"-----":
            raise PemError(f"PEM block {label_text} ends with a mismatched END line")
        body = data[begin.end() + 1 : end_at]
        headers = b""
        if (
            body.translate(None, _BASE64_LINES)
            or b"\n\n" in body
            or body.startswith(b"\n")
            or body.endswith(b"\n")
        ):
            # Not just base64 lines: strip each line as OpenSSL does, find the header
            lines = [line.rstrip(_LINE_TRAILER) for line in body.split(b"\n")] if body else []
            if b"" in lines:
                blank = lines.index(b"")
                if b"" in lines[blank + 1 :]:
                    raise PemError(f"PEM block {label_text} has more than one blank line")
                headers = b"\n".join(lines[:blank])
                lines = lines[blank + 1 :]
            text = b"".join(lines).translate(None, b" \t")
            if text.translate(None, _BASE64_ALPHABET):
                raise PemError(f"PEM block {label_text} holds characters that are not base64")
        else:
            text = body.replace(b"\n", b"")  # the common case: nothing but base64 lines
        blocks.append(PemBlock(label_text, _decode_base64(text, label_text), headers))
        pos = line_end


def single_plain_block(data: bytes) -> Optional[PemBlock]:
    """The fast lane for the usual file: one block, nothing around it, LF line ends.

    Returns None for anything else, which then takes the general path above
    (and gets the same answer, only slower).
    """
    if not data.startswith(b"-----BEGIN ") or data.count(b"-----BEGIN ") != 1:
        return None
    line_end = data.find(b"\n")
    if line_end < 16 or data[line_end - 5 : line_end] != b"-----":
        return None
    label = data[11 : line_end - 5]
    end_line = b"\n-----END " + label + b"-----"
    end_at = data.find(end_line, line_end)
    if end_at < 0 or data[end_at + len(end_line) :] not in (b"", b"\n"):
        return None
    body = data[line_end + 1 : end_at]
    if (
        body.translate(None, _BASE64_LINES)
        or body.find(b"\n\n") >= 0
        or body.startswith(b"\n")
        or body.endswith(b"\n")
    ):
        return None
    label_text = label.decode("latin-1")
    return PemBlock(label_text, _decode_base64(body.replace(b"\n", b""), label_text))


def _decode_base64(text: bytes, label: str) -> bytes:
    """Decode base64 already stripped of whitespace, refusing what OpenSSL's decoder refuses."""
    data = text.rstrip(b"=")
    if len(text) % 4 or len(text) - len(data) > 2 or b"=" in data:
        raise PemError(f"PEM block {label} has malformed base64 padding")
    try:
        return binascii.a2b_base64(text)
    except binascii.Error as exc:  # pragma: no cover - the checks above leave nothing for it
        raise PemError(f"PEM block {label} does not decode: {exc}") from exc


def pem_blocks(data: bytes) -> list[tuple[str, bytes]]:
    """Every PEM block in ``data`` as (label, DER), in order.

    Does not use ``cryptography`` (which refuses some names OpenSSL accepts).
    Header lines of a block (legacy encrypted keys) are skipped; see
    :func:`pem_blocks_with_headers`. Raises :class:`IcaClientError` on malformed PEM.
    """
    return [(block.label, block.der) for block in pem_blocks_with_headers(data)]


def der_to_pem(der: bytes) -> str:
    """Normalised PEM text: one CERTIFICATE block, 64-column base64, LF line ends."""
    text = base64.b64encode(der).decode("ascii")
    lines = [text[i : i + 64] for i in range(0, len(text), 64)]
    return "-----BEGIN CERTIFICATE-----\n" + "\n".join(lines) + "\n-----END CERTIFICATE-----\n"
