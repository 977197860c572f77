# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""Judging loaded certificates for the client's keystore (roots and intermediates).

PRIVATE: this is not a public API of the collection.
"""

from __future__ import annotations

from .._errors import IcaClientError
from .certs import CertInfo
from .facts import MAX_KEY_BITS


def keystore_problems(cert: CertInfo, *, kind: str) -> list[tuple[str, str]]:
    """(code, explanation) for each reason ``cert`` does not belong in the ``kind`` folder.

    Codes: ``not_ca``, ``not_self_signed`` (roots only), ``key_over_4096``,
    ``expired``. The explanation completes "cannot add ... : <explanation>".
    """
    problems: list[tuple[str, str]] = []
    if not cert.is_ca:
        problems.append(
            (
                "not_ca",
                f"it is not a CA certificate ({cert.ca_reason}): a server or client certificate "
                "does not belong in the keystore; add the CA that issued it",
            )
        )
    if kind == "root" and not cert.self_signed:
        if cert.self_issued:
            cause = "its subject equals its issuer but its signature does not verify with its own key"
        else:
            cause = f"it is not self-signed (issued by {cert.issuer}): add it with kind=intermediate"
        problems.append(("not_self_signed", cause))
    if cert.key_type in ("RSA", "DSA") and cert.key_bits > MAX_KEY_BITS:
        problems.append(
            (
                "key_over_4096",
                f"{cert.key_type} key is {cert.key_bits} bits, the client accepts at most {MAX_KEY_BITS}",
            )
        )
    if cert.expired:
        problems.append(("expired", f"it expired on {cert.not_after}"))
    return problems


def check_for_keystore(certs: list[CertInfo], *, kind: str, expired_policy: str, context: str) -> list[str]:
    """Raise IcaClientError (``context: causes``) unless every certificate may go in; return warnings.

    ``expired_policy`` is ``refuse`` or ``warn``. Every certificate is judged
    before the caller writes anything, so a refused bundle changes nothing.
    """
    if kind not in ("root", "intermediate"):
        raise IcaClientError(f"{context}: unknown kind {kind!r}")
    if expired_policy not in ("refuse", "warn"):
        raise IcaClientError(f"{context}: unknown expired policy {expired_policy!r}")
    failures: list[str] = []
    warnings: list[str] = []
    codes: list[str] = []
    for cert in certs:
        label = _describe(cert, len(certs))
        causes = []
        for code, text in keystore_problems(cert, kind=kind):
            if code == "expired" and expired_policy == "warn":
                warnings.append(f"{label} expired on {cert.not_after}; added anyway (expired=warn)")
                continue
            if code == "expired":
                text += " (set expired=warn to add it anyway)"
            causes.append(text)
            codes.append(code)
        if cert.not_yet_valid:
            warnings.append(f"{label} is not valid before {cert.not_before}")
        if kind == "intermediate" and cert.self_signed:
            warnings.append(f"{label} is self-signed: the client trusts it only as a root (kind=root)")
        for note in cert.notes:
            warnings.append(f"{label}: {note}")
        if causes:
            prefix = f"{label}: " if len(certs) > 1 else ""
            failures.append(prefix + "; ".join(causes))
    if failures:
        raise IcaClientError(f"{context}: " + "; ".join(failures), problems=sorted(set(codes)))
    return warnings


def _describe(cert: CertInfo, count: int) -> str:
    if count > 1:
        return f"certificate {cert.position} of {count} ({cert.subject})"
    return f"certificate {cert.subject}"
