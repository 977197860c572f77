# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""The cipher suites the client offers for TLS 1.2 and below, per ``SSLCiphers`` value: one table.

``SSLCiphers`` in ``[WFClient]`` takes ``ALL`` (the default), ``COM`` or ``GOV``
[C, shared/DOMAIN.md]. Since 19.03 a server must offer at least one of the ECDHE
suites the client offers, or the user sees error 47 [C for the suites' existence
in the Linux client; P for the exact list per value: the per-value membership
below is the one published for the Android client, CTX261028].

Each row carries its confidence. The prober offers the confirmed rows (``C``/``P``)
first; a server that agrees with the client only on an unconfirmed row (``U``:
suites the client may well offer but no source lists, the ECDSA ones for example)
passes with a warning, never a 47: a gateway is not failed on an unconfirmed fact.
TLS 1.3 suites are not governed by ``SSLCiphers`` here: TLS 1.3 is judged by the
client's version window alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

__all__ = [
    "SSL_CIPHERS_DEFAULT",
    "SSL_CIPHERS_VALUES",
    "SUITES",
    "Suite",
    "by_openssl_name",
    "openssl_list",
    "suites_for",
]

SSL_CIPHERS_VALUES = ("ALL", "COM", "GOV")
SSL_CIPHERS_DEFAULT = "ALL"


@dataclass(frozen=True)
class Suite:
    """One TLS 1.0-1.2 cipher suite: IANA and OpenSSL names, code, the SSLCiphers values offering it."""

    iana: str
    openssl: str
    code: int
    values: tuple[str, ...]
    mark: str  # "C", "P" (the prober fails a server without one of them) or "U" (warn only)

    @property
    def confirmed(self) -> bool:
        return self.mark in ("C", "P")

    def label(self) -> str:
        return f"{self.iana} (0x{self.code:04x})"


SUITES: tuple[Suite, ...] = (
    # [C Windows/Mac, P Linux]; GOV/COM membership [P] from CTX261028. TLS 1.2 only.
    Suite(
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "ECDHE-RSA-AES256-GCM-SHA384", 0xC030, ("ALL", "GOV"), "P"
    ),
    Suite("TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384", "ECDHE-RSA-AES256-SHA384", 0xC028, ("ALL", "GOV"), "P"),
    # [C Windows/Mac, P Linux]; COM [P]. TLS 1.0 to 1.2: the one suite for TLS 1.0 and 1.1.
    Suite("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "ECDHE-RSA-AES128-SHA", 0xC013, ("ALL", "COM"), "P"),
    # [U] not listed by any source found; offered by most TLS libraries the client could use.
    Suite(
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "ECDHE-RSA-AES128-GCM-SHA256",
        0xC02F,
        SSL_CIPHERS_VALUES,
        "U",
    ),
    Suite(
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        0xC02C,
        SSL_CIPHERS_VALUES,
        "U",
    ),
    Suite(
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        0xC02B,
        SSL_CIPHERS_VALUES,
        "U",
    ),
    Suite(
        "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
        "ECDHE-ECDSA-AES256-SHA384",
        0xC024,
        SSL_CIPHERS_VALUES,
        "U",
    ),
    Suite("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "ECDHE-ECDSA-AES128-SHA", 0xC009, SSL_CIPHERS_VALUES, "U"),
)


def suites_for(value: str, *, confirmed: bool) -> tuple[Suite, ...]:
    """The suites the client offers for ``SSLCiphers=value`` (confirmed rows, or the unconfirmed ones)."""
    folded = value.strip().upper()
    return tuple(suite for suite in SUITES if folded in suite.values and suite.confirmed is confirmed)


def openssl_list(suites: tuple[Suite, ...]) -> str:
    """An OpenSSL cipher string offering exactly ``suites``."""
    return ":".join(suite.openssl for suite in suites)


def by_openssl_name(name: str) -> Optional[Suite]:
    for suite in SUITES:
        if suite.openssl == name:
            return suite
    return None
