# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""File names as module results show them, whatever bytes they are made of.

Linux file names are bytes. Python hands a name that is not UTF-8 over with
each undecodable byte as a lone surrogate (``os.fsdecode``), which a module
result cannot carry: Ansible refuses to serialise it. A result shows such a
byte as ``\\xNN``; so that the form is unambiguous, a backslash in a file name
is shown doubled (``\\\\``). Names without either are shown as they are.
Messages (warnings, errors) only get the undecodable bytes escaped.
"""

from __future__ import annotations

from typing import Any

__all__ = ["NAME_FIELDS", "display_name", "display_text", "displayable", "escape_controls"]

#: Result keys whose values are file names or paths (a string, a list of them, or a dict of link
#: name -> target).
NAME_FIELDS = frozenset(
    ("file", "path", "folder", "link", "target", "links", "paths", "removed", "created", "skipped_folders")
)


def _escape(text: str, backslash: bool) -> str:
    out = []
    for char in text:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:  # os.fsdecode's stand-in for the undecodable byte code - 0xDC00
            out.append(f"\\x{code - 0xDC00:02x}")
        elif backslash and char == "\\":
            out.append("\\\\")
        else:
            out.append(char)
    return "".join(out)


# Characters a terminal or a viewer acts on: C0 controls, DEL, C1 controls (U+0080-U+009F: in
# 8-bit mode a terminal takes U+009B as CSI) and the bidirectional overrides that reorder text.
_BIDI = frozenset(range(0x202A, 0x202F)) | frozenset(range(0x2066, 0x206A)) | {0x200E, 0x200F, 0x061C}


def _is_control(code: int) -> bool:
    return code < 0x20 or 0x7F <= code <= 0x9F or code in _BIDI


def escape_controls(text: str) -> str:
    """``text`` (anything a server or a file sent) with every control character shown as an escape.

    ``\x1b]0;title\x07`` becomes the visible text ``\x1b]0;title\x07``: a hostile server
    cannot retitle, repaint or reorder the terminal, a log viewer or an HTML report.
    A backslash is left alone: the escapes are for people, not a reversible encoding.
    """
    if text.isprintable() and text.isascii():
        return text
    out = []
    for char in text:
        code = ord(char)
        if _is_control(code):
            out.append(f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}")
        else:
            out.append(char)
    return "".join(out)


def display_name(name: str) -> str:
    """``name`` (a file name or path as ``os.fsdecode`` gives it) in the unambiguous form results show."""
    if name.isascii() and "\\" not in name:
        return name
    return _escape(name, True)


def display_text(text: str) -> str:
    """A message with every undecodable byte of the names in it as ``\\xNN``."""
    if text.isascii():
        return text
    return _escape(text, False)


def displayable(value: Any, *, names: bool = False) -> Any:
    """A copy of a result (dicts, lists, strings) that Ansible can serialise and a user can read.

    Values under the keys of :data:`NAME_FIELDS` are names (:func:`display_name`),
    every other string a message (:func:`display_text`).
    """
    if isinstance(value, str):
        return display_name(value) if names else display_text(value)
    if isinstance(value, dict):
        return {
            (display_name(key) if names else display_text(key)) if isinstance(key, str) else key: displayable(
                item, names=names or key in NAME_FIELDS
            )
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [displayable(item, names=names) for item in value]
    return value
