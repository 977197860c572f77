# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""Lossless reader and editor for the client's ini files.

``wfclient.ini``, ``appsrv.ini``, ``module.ini`` and the lockdown profiles are
edited by hand, by installers and by this collection. Whatever we do not change
must stay exactly as it was: comments (``;`` and ``#``), blank lines, order, the
case of names, the spacing around ``=``, CRLF or LF line ends, a missing final
newline, a UTF-8 byte order mark and bytes that are not UTF-8. Parsing and
writing back an unchanged document gives the same bytes.

Reading rules (documented assumptions, the client's reader is not published):

- Names of sections and keys compare case-insensitively, with surrounding blanks
  ignored, as the client and Windows' ``GetPrivateProfileString`` do.
- When a section name appears twice, the client reads the FIRST section; when a
  key appears twice in it, the FIRST occurrence. :meth:`IniDocument.get` and
  :meth:`IniDocument.set` therefore work on the first occurrence, and
  :meth:`IniDocument.remove` removes every occurrence in that section so that
  no later duplicate becomes the effective value. Duplicates are reported by
  :meth:`IniDocument.duplicates`.
- A key line is ``name=value``; the value is everything after the first ``=``
  with surrounding blanks removed, so values may contain ``=``. Text after a
  ``;`` in a value is part of the value (no inline comments).
- Lines that are neither blank, comment, section header nor key line are kept
  unchanged and otherwise ignored, as the client ignores them. A line starting
  with ``[`` that is not a well-formed header is an error: the client would
  silently file the following keys under the previous section.
- Keys before the first section header belong to the section ``None``.
- A lone CR (not followed by LF) is part of a line's text, not a line end.
"""

from __future__ import annotations

from typing import Callable, NamedTuple, Optional

from .._errors import IcaClientError
from .lines import (
    _BLANK,
    _ENCODING,
    _ERRORS,
    _KEY,
    _OTHER,
    _SECTION,
    BOM,
    _check_key,
    _check_section,
    _check_value,
    _classify,
    _fold,
    _Line,
    _same,
    _split_lines,
)


def parse(data: bytes, *, source: str) -> IniDocument:
    """Parse ``data`` (the bytes of the file named ``source``) into an editable document.

    Raises IcaClientError naming ``source``, the line number and the cause when the
    file is not text (it holds NUL bytes) or has a broken section header.
    """
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError("parse() needs bytes")
    data = bytes(data)
    nul = data.find(b"\x00")
    if nul >= 0:
        number = data.count(b"\n", 0, nul) + 1
        raise IcaClientError(
            f"cannot read {source}: line {number}: NUL byte at offset {nul}: the file is not a text ini file "
            "(UTF-16 and binary files are not supported)",
            path=source,
            line=number,
        )
    bom = data.startswith(BOM)
    text = data[len(BOM) :].decode(_ENCODING, _ERRORS) if bom else data.decode(_ENCODING, _ERRORS)
    lines: list[_Line] = []
    for number, chunk in enumerate(_split_lines(text), start=1):
        if chunk.endswith("\r\n"):
            body, eol = chunk[:-2], "\r\n"
        elif chunk.endswith("\n"):
            body, eol = chunk[:-1], "\n"
        else:
            body, eol = chunk, ""
        lines.append(_classify(body, eol, source=source, number=number))
    return IniDocument(lines, bom=bom, source=source)


class Duplicate(NamedTuple):
    """A repeated section (``key`` None) or key: where it is and where the one the client reads is."""

    section: Optional[str]
    key: Optional[str]
    line: int
    first_line: int

    def describe(self, source: str) -> str:
        label = "(before any section)" if self.section is None else f"[{self.section}]"
        what = f"section {label}" if self.key is None else f"key {self.key} in {label}"
        return (
            f"{source}: {what} at line {self.line} repeats the one at line {self.first_line}; "
            "the client reads only the first"
        )


class _Span:
    """A section's lines: header index (-1 for the keys before any header) and the end (exclusive)."""

    __slots__ = ("end", "header", "name")

    def __init__(self, name: Optional[str], header: int, end: int) -> None:
        self.name = name
        self.header = header
        self.end = end

    @property
    def body_start(self) -> int:
        return self.header + 1


class IniDocument:
    """An ini file as lines; edits touch only the lines they must."""

    def __init__(self, lines: list[_Line], *, bom: bool, source: str) -> None:
        self._lines = lines
        self.bom = bom
        self.source = source

    # -- reading -------------------------------------------------------------------------------------

    def _spans(self) -> list[_Span]:
        spans: list[_Span] = []
        current = _Span(None, -1, 0)
        for index, line in enumerate(self._lines):
            if line.kind == _SECTION:
                current.end = index
                spans.append(current)
                current = _Span(line.name, index, index)
        current.end = len(self._lines)
        spans.append(current)
        return spans

    def _effective_span(self, section: Optional[str]) -> Optional[_Span]:
        for span in self._spans():
            if _same(span.name, section):
                return span
        return None

    def _key_indexes(self, span: _Span, key: str) -> list[int]:
        return [
            index
            for index in range(span.body_start, span.end)
            if self._lines[index].kind == _KEY and _same(self._lines[index].name, key)
        ]

    def has_section(self, section: Optional[str]) -> bool:
        if section is None:
            return any(line.kind == _KEY for line in self._lines[: self._spans()[0].end])
        return self._effective_span(section) is not None

    def sections(self) -> list[str]:
        """Section names as written, in file order, each name once (its first occurrence)."""
        seen = set()
        names: list[str] = []
        for span in self._spans():
            if span.name is None or _fold(span.name) in seen:
                continue
            seen.add(_fold(span.name))
            names.append(span.name)
        return names

    def items(self, section: Optional[str]) -> list[tuple[str, str]]:
        """(key as written, value) pairs the client reads from ``section``: first occurrences only."""
        span = self._effective_span(section)
        if span is None:
            return []
        seen = set()
        pairs: list[tuple[str, str]] = []
        for index in range(span.body_start, span.end):
            line = self._lines[index]
            if line.kind != _KEY or _fold(line.name or "") in seen:
                continue
            seen.add(_fold(line.name or ""))
            pairs.append((line.name or "", line.value))
        return pairs

    def get(self, section: Optional[str], key: str) -> Optional[str]:
        """The value the client reads, or None when the key (or section) is absent."""
        span = self._effective_span(section)
        if span is None:
            return None
        indexes = self._key_indexes(span, key)
        return self._lines[indexes[0]].value if indexes else None

    def line_of(self, section: Optional[str], key: str) -> Optional[int]:
        """1-based line number of the key occurrence the client reads."""
        span = self._effective_span(section)
        if span is None:
            return None
        indexes = self._key_indexes(span, key)
        return indexes[0] + 1 if indexes else None

    def duplicates(self) -> list[Duplicate]:
        """Repeated sections and keys; the client ignores every occurrence after the first."""
        found: list[Duplicate] = []
        first_section: dict[str, int] = {}
        for span in self._spans():
            if span.name is not None:
                folded = _fold(span.name)
                if folded in first_section:
                    found.append(Duplicate(span.name, None, span.header + 1, first_section[folded]))
                    continue
                first_section[folded] = span.header + 1
            first_key: dict[str, int] = {}
            for index in range(span.body_start, span.end):
                line = self._lines[index]
                if line.kind != _KEY:
                    continue
                folded = _fold(line.name or "")
                if folded in first_key:
                    found.append(Duplicate(span.name, line.name, index + 1, first_key[folded]))
                else:
                    first_key[folded] = index + 1
        return found

    # -- writing -------------------------------------------------------------------------------------

    def newline(self) -> str:
        """The file's dominant line end (LF for a file without any)."""
        crlf = sum(1 for line in self._lines if line.eol == "\r\n")
        lf = sum(1 for line in self._lines if line.eol == "\n")
        return "\r\n" if crlf > lf else "\n"

    def _ends_with_newline(self) -> bool:
        return not self._lines or self._lines[-1].eol != ""

    def set(self, section: Optional[str], key: str, value: str) -> bool:
        """Give ``key`` in ``section`` the value ``value``; return True when the document changed.

        An existing key keeps its line, its spelling and the blanks around ``=``. A new
        key goes after the last key line of the section (before trailing comments and
        blank lines); a new section goes at the end of the file.
        """
        _check_key(key, source=self.source)
        _check_value(key, value, source=self.source)
        if section is not None:
            _check_section(section, source=self.source)
        span = self._effective_span(section)
        if span is not None:
            indexes = self._key_indexes(span, key)
            if indexes:
                line = self._lines[indexes[0]]
                if line.value == value:
                    return False
                text = line.text[: line.value_start] + value + line.text[line.value_end :]
                # An empty value leaves no anchor for the trailing blanks; keep the edit reparseable.
                self._lines[indexes[0]] = _classify(text, line.eol, source=self.source, number=indexes[0] + 1)
                return True
            self._insert_key(span, key, value)
            return True
        # Only a named section can be missing: the keys before any header always have a span.
        self.add_section(section)
        self._insert_key(self._spans()[-1], key, value)  # the section just added is the last
        return True

    def _insert_key(self, span: _Span, key: str, value: str) -> None:
        newline = self.newline()
        anchor = span.header  # insert after this index
        for index in range(span.body_start, span.end):
            if self._lines[index].kind in (_KEY, _OTHER):
                anchor = index
        position = anchor + 1
        eol = newline
        if anchor >= 0 and self._lines[anchor].eol == "":
            # Inserting after the last line of a file without a final newline: that line
            # gets a line end and the new one becomes the last, still without one.
            self._lines[anchor].eol = newline
            eol = ""
        self._lines.insert(
            position, _classify(f"{key}={value}", eol, source=self.source, number=position + 1)
        )

    def add_section(self, section: Optional[str]) -> bool:
        """Append an empty ``[section]`` when the file has none of that name; True when changed."""
        if section is None or self._effective_span(section) is not None:
            return False
        _check_section(section, source=self.source)
        newline = self.newline()
        final_newline = self._ends_with_newline()
        if self._lines:
            self._lines[-1].eol = self._lines[-1].eol or newline
            if self._lines[-1].kind != _BLANK:
                self._lines.append(_Line("", newline, _BLANK))
        self._lines.append(_Line(f"[{section}]", newline if final_newline else "", _SECTION, section))
        return True

    def remove(self, section: Optional[str], key: str) -> bool:
        """Remove every occurrence of ``key`` from the section the client reads; True when changed."""
        span = self._effective_span(section)
        if span is None:
            return False
        indexes = self._key_indexes(span, key)
        if not indexes:
            return False
        self._delete(indexes)
        return True

    def remove_section(self, section: str) -> bool:
        """Remove every section named ``section`` (header and lines up to the next header)."""
        doomed: list[int] = []
        for span in self._spans():
            if span.name is not None and _same(span.name, section):
                doomed.extend(range(span.header, span.end))
        if not doomed:
            return False
        self._delete(doomed)
        return True

    def _delete(self, indexes: list[int]) -> None:
        had_final_newline = self._ends_with_newline()
        for index in sorted(indexes, reverse=True):
            del self._lines[index]
        if self._lines and not had_final_newline:
            # The file had no final newline; the new last line must not get one either.
            self._lines[-1].eol = ""

    def to_bytes(self) -> bytes:
        body = "".join(line.text + line.eol for line in self._lines).encode(_ENCODING, _ERRORS)
        return BOM + body if self.bom else body

    def to_display(
        self, *, mask: Optional[Callable[[str], bool]] = None, placeholder: str = "********"
    ) -> str:
        """The document as text for people (diffs): bytes that are not UTF-8 are shown as U+FFFD.

        ``mask(key) -> bool`` selects keys whose values are replaced by ``placeholder``.
        """
        parts = []
        for line in self._lines:
            text = line.text
            if mask is not None and line.kind == _KEY and line.value and mask(line.name or ""):
                text = text[: line.value_start] + placeholder + text[line.value_end :]
            parts.append(text + line.eol)
        body = "".join(parts).encode(_ENCODING, _ERRORS).decode(_ENCODING, "replace")
        return ("\ufeff" + body) if self.bom else body
