# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""Lockdown profiles: what ``All_Regions.ini`` and the ``*_Region.ini`` files permit.

In a profile, a key's value is not a setting but a restriction on the values the
client accepts for that key:

- ``Key=`` (empty): any string.
- ``Key=*``: any integer or boolean.
- ``Key=true`` / ``Key=false``: the boolean is fixed to that value.
- ``Key=a,b,c``: only these values; the first is the default. An item may hold
  the wildcard ``*`` (any run of characters); ``\\`` makes the next character
  literal (``\\*``, ``\\,``, ``\\\\``).
- ``Key=100-,50-75``: integers in these ranges (``N-`` has no upper bound,
  ``-N`` no lower bound, ``N`` is the single value).

Matching of list items is case-insensitive [U], as the client's comparison of
names such as ``ProxyType`` values is. ``[Top Level]`` and ``[Preferences]``
hold settings, not restrictions.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, Optional

from .._errors import IcaClientError
from .schema import BOOLEAN_WORDS

ANY_STRING = "any_string"
ANY = "any"
LIST = "list"
RANGE = "range"
FIXED = "fixed"

FORMS = (ANY_STRING, ANY, LIST, RANGE)
# restriction_if_missing only: a key the profile does not list stays unlisted. In a region
# profile an unlisted key is not restricted by it, so every value is already permitted there.
UNRESTRICTED = "unrestricted"

_INT = re.compile(r"^[+-]?\d+$")
_RANGE_ITEM = re.compile(r"^(\d*)-(\d*)$")


class Restriction:
    """A parsed restriction. ``items`` are (text as written, is_pattern, unescaped or regex) for lists."""

    def __init__(
        self,
        form: str,
        *,
        items: Sequence[str] = (),
        ranges: Sequence[tuple[Optional[int], Optional[int]]] = (),
        fixed: Optional[bool] = None,
    ) -> None:
        self.form = form
        self.items = list(items)  # raw item texts, escapes kept
        self.ranges = list(ranges)
        self.fixed = fixed

    def __repr__(self) -> str:
        return (
            f"Restriction({self.form!r}, items={self.items!r}, ranges={self.ranges!r}, fixed={self.fixed!r})"
        )

    @property
    def default(self) -> Optional[str]:
        """The default value of a list (its first item), else None."""
        if self.form == LIST and self.items:
            return _unescape(self.items[0])
        return None

    def to_text(self) -> str:
        if self.form == ANY_STRING:
            return ""
        if self.form == ANY:
            return "*"
        if self.form == FIXED:
            return "true" if self.fixed else "false"
        if self.form == LIST:
            return ",".join(self.items)
        return ",".join(_range_text(low, high) for low, high in self.ranges)


def _split_items(text: str) -> list[str]:
    """Split on commas that are not escaped; items keep their escapes."""
    items: list[str] = []
    current: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            current.append(text[index : index + 2])
            index += 2
            continue
        if char == ",":
            items.append("".join(current))
            current = []
        else:
            current.append(char)
        index += 1
    items.append("".join(current))
    return [item.strip() for item in items]


def _unescape(item: str) -> str:
    return re.sub(r"\\(.)", r"\1", item)


def escape(value: str) -> str:
    """A literal value as a list item: ``\\``, ``*`` and ``,`` escaped."""
    return re.sub(r"([\\*,])", r"\\\1", value)


def _is_pattern(item: str) -> bool:
    return re.search(r"(?<!\\)(?:\\\\)*\*", item) is not None


def _item_regex(item: str) -> re.Pattern:
    parts: list[str] = []
    index = 0
    while index < len(item):
        char = item[index]
        if char == "\\" and index + 1 < len(item):
            parts.append(re.escape(item[index + 1]))
            index += 2
            continue
        parts.append(".*" if char == "*" else re.escape(char))
        index += 1
    return re.compile("^" + "".join(parts) + "$", re.IGNORECASE | re.DOTALL)


def _range_text(low: Optional[int], high: Optional[int]) -> str:
    if low is not None and high is not None and low == high:
        return str(low)
    return f"{'' if low is None else low}-{'' if high is None else high}"


def _parse_ranges(
    items: Sequence[str], *, need_dash: bool = True
) -> Optional[list[tuple[Optional[int], Optional[int]]]]:
    """The ranges when every item is ``N``, ``N-``, ``-N`` or ``N-M`` (and one has a dash); else None."""
    ranges: list[tuple[Optional[int], Optional[int]]] = []
    dash = False
    for item in items:
        if item.isdigit():
            ranges.append((int(item), int(item)))
            continue
        match = _RANGE_ITEM.match(item)
        if not match or not (match.group(1) or match.group(2)):
            return None
        dash = True
        low = int(match.group(1)) if match.group(1) else None
        high = int(match.group(2)) if match.group(2) else None
        ranges.append((low, high))
    return ranges if dash or not need_dash else None


def parse_restriction(text: str, *, key: str = "", path: str = "") -> Restriction:
    """Parse a profile value into a Restriction (raises IcaClientError for an impossible range)."""
    value = text.strip()
    if value == "":
        return Restriction(ANY_STRING)
    if value == "*":
        return Restriction(ANY)
    if value.lower() in ("true", "false"):
        return Restriction(FIXED, fixed=value.lower() == "true")
    items = _split_items(value)
    ranges = _parse_ranges(items)
    if ranges is not None:
        for low, high in ranges:
            if low is not None and high is not None and low > high:
                where = f" for {key} in {path}" if key or path else ""
                raise IcaClientError(f"invalid range restriction{where}: {value!r}: {low} is above {high}")
        return Restriction(RANGE, ranges=ranges)
    return Restriction(LIST, items=items)


def _as_int(value: str) -> Optional[int]:
    text = value.strip()
    return int(text) if _INT.match(text) else None


def _as_bool(value: str) -> Optional[bool]:
    return BOOLEAN_WORDS.get(value.strip().lower())


def permits(restriction: Any, value: str) -> bool:
    """True when the restriction (a Restriction or its text) lets the client use ``value``."""
    parsed = restriction if isinstance(restriction, Restriction) else parse_restriction(str(restriction))
    if parsed.form == ANY_STRING:
        return True
    if parsed.form == ANY:
        return _as_int(value) is not None or value.strip().lower() in BOOLEAN_WORDS
    if parsed.form == FIXED:
        return _as_bool(value) is parsed.fixed
    if parsed.form == RANGE:
        number = _as_int(value)
        if number is None:
            return False
        return any(
            (low is None or number >= low) and (high is None or number <= high) for low, high in parsed.ranges
        )
    return any(_item_regex(item).match(value.strip()) for item in parsed.items)


def _literal_index(parsed: Restriction, value: str) -> Optional[int]:
    for index, item in enumerate(parsed.items):
        if not _is_pattern(item) and _unescape(item).lower() == value.strip().lower():
            return index
    return None


def add_permitted(text: str, values: Iterable[str], *, key: str, path: str) -> str:
    """The restriction text after allowing ``values``; the default (first item) stays first."""
    parsed = parse_restriction(text, key=key, path=path)
    wanted = [str(value) for value in values]
    missing = [value for value in wanted if not permits(parsed, value)]
    if not missing:
        return text
    where = f"{key} in {path}"
    if parsed.form == ANY:
        raise IcaClientError(
            f"cannot permit {', '.join(map(repr, missing))} for {where}: the restriction '*' permits any "
            "integer or boolean only; set the restriction form first (any_string or list)"
        )
    if parsed.form == FIXED:
        raise IcaClientError(
            f"cannot permit {', '.join(map(repr, missing))} for {where}: the value is fixed to {text.strip()!r}; "
            "set the restriction form first"
        )
    if parsed.form == RANGE:
        bad = [value for value in missing if _as_int(value) is None]
        if bad:
            raise IcaClientError(
                f"cannot permit {', '.join(map(repr, bad))} for {where}: the restriction {text.strip()!r} is an "
                "integer range"
            )
        parsed.ranges.extend((int(v), int(v)) for v in missing)
        return parsed.to_text()
    parsed.items.extend(escape(value) for value in missing)
    return parsed.to_text()


def remove_permitted(text: str, values: Iterable[str], *, key: str, path: str) -> str:
    """The restriction text after forbidding ``values``."""
    parsed = parse_restriction(text, key=key, path=path)
    unwanted = [str(value) for value in values if permits(parsed, str(value))]
    if not unwanted:
        return text
    where = f"{key} in {path}"
    if parsed.form in (ANY_STRING, ANY):
        raise IcaClientError(
            f"cannot deny {', '.join(map(repr, unwanted))} for {where}: the restriction {text.strip()!r} permits "
            "any value of its kind and cannot list exceptions; set restriction=list with the permitted values"
        )
    if parsed.form == FIXED:
        raise IcaClientError(
            f"cannot deny {', '.join(map(repr, unwanted))} for {where}: the value is fixed to it; set the "
            "restriction form instead"
        )
    if parsed.form == RANGE:
        for value in unwanted:
            parsed.ranges = _subtract(parsed.ranges, int(value))
        if not parsed.ranges:
            raise IcaClientError(
                f"cannot deny {', '.join(map(repr, unwanted))} for {where}: no integer would be left, and an "
                "empty restriction permits any string"
            )
        return parsed.to_text()
    for value in unwanted:
        index = _literal_index(parsed, value)
        if index is None:
            raise IcaClientError(
                f"cannot deny {value!r} for {where}: it is permitted by a wildcard in {text.strip()!r}; "
                "set restriction=list with the permitted values"
            )
        del parsed.items[index]
    if not parsed.items:
        raise IcaClientError(
            f"cannot deny {', '.join(map(repr, unwanted))} for {where}: no value would be left, and an empty "
            "restriction permits any string"
        )
    return parsed.to_text()


def _subtract(
    ranges: Sequence[tuple[Optional[int], Optional[int]]], number: int
) -> list[tuple[Optional[int], Optional[int]]]:
    result: list[tuple[Optional[int], Optional[int]]] = []
    for low, high in ranges:
        if (low is not None and number < low) or (high is not None and number > high):
            result.append((low, high))
            continue
        if low is None or low <= number - 1:
            result.append((low, number - 1))
        if high is None or number + 1 <= high:
            result.append((number + 1, high))
    return result


def restriction_text(form: str, values: Sequence[Any] = (), *, key: str = "", path: str = "") -> str:
    """The text of a restriction of ``form`` (one of FORMS) with ``values`` (list items or ranges)."""
    where = f" for {key} in {path}" if key or path else ""
    items = [str(value).strip() for value in values]
    if form == ANY_STRING:
        return ""
    if form == ANY:
        return "*"
    if form == LIST:
        if not items or any(item == "" for item in items):
            raise IcaClientError(f"a list restriction{where} needs at least one value and no empty values")
        return ",".join(escape(item) for item in items)
    if form == RANGE:
        ranges = _parse_ranges(items, need_dash=False)
        if not items or ranges is None:
            raise IcaClientError(
                f"a range restriction{where} needs values like '100-', '50-75', '-10' or '8', got {items!r}"
            )
        text = ",".join(items)
        parse_restriction(text, key=key, path=path)  # rejects low > high
        return text
    raise IcaClientError(f"unknown restriction form {form!r}{where}; use one of {', '.join(FORMS)}")
