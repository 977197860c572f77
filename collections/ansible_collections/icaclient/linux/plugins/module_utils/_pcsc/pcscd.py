# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""pcscd asked through pyscard's ``smartcard.scard`` layer, which the caller passes in (the module
imports it optionally), so nothing here needs pyscard. Nothing connects to a card."""

from __future__ import annotations

from typing import Any, Optional

from .._errors import IcaClientError
from .facts import (
    SCARD_E_NO_READERS_AVAILABLE,
    SCARD_E_NO_SERVICE,
    SCARD_E_SERVICE_STOPPED,
    SCARD_S_SUCCESS,
    SCARD_SCOPE_USER,
    SCARD_STATE_PRESENT,
    SCARD_STATE_UNAWARE,
    PcscdState,
    Reader,
    decode_state,
    format_atr,
    hex_code,
)

_NOT_RUNNING = (SCARD_E_NO_SERVICE, SCARD_E_SERVICE_STOPPED)


def _code(value: Any) -> int:
    return int(value) & 0xFFFFFFFF


# What a missing or stopped service is called in the result, and what failed otherwise, per call.
_CALLS = {
    "SCardEstablishContext": ("service not available", "cannot reach pcscd"),
    "SCardListReaders": ("service stopped", "cannot list smart card readers"),
}


def _answer(scard: Any, hresult: Any, call: str) -> Optional[PcscdState]:
    """What a pcscd return code of ``call`` means: None for success, a not-running state for a
    missing or stopped service (a result, not an error), else :class:`IcaClientError`."""
    code = _code(hresult)
    if code == SCARD_S_SUCCESS:
        return None
    stopped, failure = _CALLS[call]
    if code in _NOT_RUNNING:
        return PcscdState(
            running=False,
            message=f"pcscd is not running ({call}: {hex_code(code)}, {stopped})",
            error_code=hex_code(code),
        )
    raise IcaClientError(
        f"{failure}: {call} failed with {hex_code(code)} ({_describe(scard, code)})",
        error_code=hex_code(code),
    )


def query_pcscd(scard: Any) -> PcscdState:
    """Ask pcscd for its readers and the card state of each, without connecting to a card.

    ``scard`` is pyscard's ``smartcard.scard`` module (or anything with the same four
    functions). pcscd not running is a result (``running=False``), not an error.
    """
    hresult, context = scard.SCardEstablishContext(SCARD_SCOPE_USER)
    stopped = _answer(scard, hresult, "SCardEstablishContext")
    if stopped is not None:
        return stopped
    try:
        hresult, names = scard.SCardListReaders(context, [])
        if _code(hresult) == SCARD_E_NO_READERS_AVAILABLE:
            return PcscdState(running=True, message="pcscd is running; no reader is connected")
        stopped = _answer(scard, hresult, "SCardListReaders")
        if stopped is not None:
            return stopped
        names = list(names or [])
        readers = _reader_states(scard, context, names) if names else []
    finally:
        scard.SCardReleaseContext(context)
    cards = sum(1 for reader in readers if reader.card_present)
    return PcscdState(
        running=True,
        message=f"pcscd is running; {len(readers)} reader(s), {cards} card(s) present",
        readers=readers,
    )


def _reader_states(scard: Any, context: Any, names: list[str]) -> list[Reader]:
    hresult, states = scard.SCardGetStatusChange(context, 0, [(name, SCARD_STATE_UNAWARE) for name in names])
    code = _code(hresult)
    if code != SCARD_S_SUCCESS:
        raise IcaClientError(
            f"cannot read the state of the smart card readers {', '.join(names)}: "
            f"SCardGetStatusChange failed with {hex_code(code)} ({_describe(scard, code)})",
            error_code=hex_code(code),
        )
    readers = []
    for name, flags, atr in states:
        present = bool(int(flags) & SCARD_STATE_PRESENT)
        readers.append(
            Reader(
                name=str(name),
                card_present=present,
                atr=format_atr(atr) if present and atr else None,
                state=decode_state(int(flags)),
            )
        )
    return readers


def _describe(scard: Any, code: int) -> str:
    try:
        return str(scard.SCardGetErrorMessage(code)).strip().rstrip(".")
    except Exception:  # the message is a courtesy; the code alone is still exact
        return "no description"
