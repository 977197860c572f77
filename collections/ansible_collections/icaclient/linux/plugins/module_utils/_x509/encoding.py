# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""How certificate facts are written: fingerprints, times, serials and file-name slugs.

PRIVATE: this is not a public API of the collection.
"""

from __future__ import annotations

import datetime
import re
import unicodedata

from .._errors import IcaClientError

_UTC = datetime.timezone.utc


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
