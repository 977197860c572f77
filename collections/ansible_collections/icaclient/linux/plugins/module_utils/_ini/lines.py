# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""The lines of an ini file: what each physical line is, and the names and values a line may hold."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Optional

from .._errors import IcaClientError

BOM = b"\xef\xbb\xbf"
_ENCODING = "utf-8"
# surrogateescape maps every byte that is not UTF-8 to a lone surrogate and back,
# so decoding and re-encoding is lossless for any input.
_ERRORS = "surrogateescape"

_BLANK = "blank"
_COMMENT = "comment"
_SECTION = "section"
_KEY = "key"
_OTHER = "other"

_COMMENT_CHARS = (";", "#")


class _Line:
    """One physical line: its text (without line end), its line end and what it is."""

    __slots__ = ("eol", "kind", "name", "text", "value_end", "value_start")

    def __init__(self, text: str, eol: str, kind: str, name: Optional[str] = None) -> None:
        self.text = text
        self.eol = eol
        self.kind = kind
        self.name = name
        self.value_start = 0
        self.value_end = 0

    @property
    def value(self) -> str:
        return self.text[self.value_start : self.value_end]


def _fold(name: str) -> str:
    return name.strip().lower()


def _same(a: Optional[str], b: Optional[str]) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return _fold(a) == _fold(b)


def _classify(text: str, eol: str, *, source: str, number: int) -> _Line:
    stripped = text.strip()
    if not stripped:
        return _Line(text, eol, _BLANK)
    if stripped[0] in _COMMENT_CHARS:
        return _Line(text, eol, _COMMENT)
    if stripped[0] == "[":
        close = stripped.find("]")
        if close < 0:
            raise IcaClientError(
                f"cannot read {source}: line {number}: section header {stripped!r} has no closing ']'",
                path=source,
                line=number,
            )
        name = stripped[1:close].strip()
        rest = stripped[close + 1 :].strip()
        if rest and rest[0] not in _COMMENT_CHARS:
            raise IcaClientError(
                f"cannot read {source}: line {number}: unexpected text {rest!r} after section header "
                f"{stripped[: close + 1]!r}",
                path=source,
                line=number,
            )
        if not name:
            raise IcaClientError(
                f"cannot read {source}: line {number}: section header {stripped!r} has an empty name",
                path=source,
                line=number,
            )
        return _Line(text, eol, _SECTION, name)
    equals = text.find("=")
    key = text[:equals].strip() if equals >= 0 else ""
    if not key:
        return _Line(text, eol, _OTHER)
    line = _Line(text, eol, _KEY, key)
    start = equals + 1
    end = len(text)
    while start < end and text[start] in " \t":
        start += 1
    while end > start and text[end - 1] in " \t\r\f\v":
        end -= 1
    line.value_start = start
    line.value_end = end
    return line


def _split_lines(text: str) -> Iterator[str]:
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start : end + 1]
        start = end + 1


def _check_key(key: str, *, source: str) -> None:
    if not isinstance(key, str) or not key.strip():
        raise IcaClientError(f"cannot set a key in {source}: the key name is empty")
    if key != key.strip() or any(ch in key for ch in "=\r\n\x00") or key[0] in "[;#":
        raise IcaClientError(
            f"cannot set key {key!r} in {source}: a key name must not contain '=', line breaks or NUL, "
            "start with '[', ';' or '#', or have surrounding blanks"
        )


def _check_value(key: str, value: str, *, source: str) -> None:
    if not isinstance(value, str):
        raise IcaClientError(f"cannot set {key} in {source}: the value must be a string")
    if any(ch in value for ch in "\r\n\x00"):
        raise IcaClientError(f"cannot set {key} in {source}: the value contains a line break or NUL")
    if value != value.strip(" \t\f\v"):
        raise IcaClientError(
            f"cannot set {key} in {source}: the value has leading or trailing blanks, which the client strips"
        )


def _check_section(section: str, *, source: str) -> None:
    if not section.strip() or section != section.strip() or any(ch in section for ch in "[]\r\n\x00"):
        raise IcaClientError(
            f"cannot use section {section!r} in {source}: a section name must be non-empty, "
            "without '[', ']', line breaks or surrounding blanks"
        )
