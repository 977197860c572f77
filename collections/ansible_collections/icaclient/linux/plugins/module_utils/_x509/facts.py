# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""Certificate facts both the keystore and the prober report: the key and the validity times.

PRIVATE: this is not a public API of the collection.

One reading for both faces, so that a certificate the keystore modules describe and the
same certificate met in a server's chain are described alike: ``key_type`` is ``RSA``,
``DSA``, ``EC (<curve>)``, ``Ed25519``, ``Ed448`` (or the key class's name), ``key_bits``
its size, None when the key cannot be read or has no size we know.
"""

from __future__ import annotations

import datetime
from typing import Any, Optional

try:
    from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa

    HAS_CRYPTOGRAPHY = True
except ImportError:  # pragma: no cover - exercised on hosts without the library
    HAS_CRYPTOGRAPHY = False

#: The largest RSA/DSA key the client supports (roots, intermediates and servers): its error 79.
MAX_KEY_BITS = 4096

_UTC = datetime.timezone.utc


def key_facts(cert: Any) -> tuple[str, Optional[int], Any]:
    """(key type, size in bits or None, public key or None) of a ``cryptography`` certificate."""
    try:
        key = cert.public_key()
    except Exception:  # unsupported algorithm: cryptography raises several types
        return "unknown", None, None
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", key.key_size, key
    if isinstance(key, dsa.DSAPublicKey):
        return "DSA", key.key_size, key
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC ({key.curve.name})", key.curve.key_size, key
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519", 256, key
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448", 456, key
    return type(key).__name__, None, key


def utc_time(cert: Any, attribute: str) -> datetime.datetime:
    """``not_valid_before`` or ``not_valid_after`` as an aware UTC datetime, on any cryptography."""
    aware = getattr(cert, attribute + "_utc", None)
    if aware is not None:
        return aware
    return getattr(cert, attribute).replace(tzinfo=_UTC)  # cryptography < 42
