# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""Reading X.509: the one layer the keystore, the rehash and the prober read certificates through.

PRIVATE: this is not a public API of the collection.

:mod:`.der` (a minimal DER reader), :mod:`.pem` (PEM framing, without ``cryptography``),
:mod:`.subject_hash` (OpenSSL's subject hash), :mod:`.names` (names rendered from the raw
DER), :mod:`.tbs` (raw certificate pieces), :mod:`.facts` (key and validity facts),
:mod:`.certs` (loading certificates), :mod:`.checks` (judging them for the keystore) and
:mod:`.encoding` (fingerprints, times, slugs).
"""
