# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
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

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Union

from ._atomic import file_identity, read_regular_file
from ._errors import IcaClientError
from ._ini import parse
from ._transaction import Step, TransactionError, apply

ANY_STRING = "any_string"
ANY = "any"
LIST = "list"
RANGE = "range"
FIXED = "fixed"

FORMS = (ANY_STRING, ANY, LIST, RANGE)
# restriction_if_missing only: a key the profile does not list stays unlisted. In a region
# profile an unlisted key is not restricted by it, so every value is already permitted there.
UNRESTRICTED = "unrestricted"

# Sections of a profile that hold plain settings rather than restrictions.
SETTING_SECTIONS = ("Top Level", "Preferences")

# Region name -> file names, singular (real packages) first, plural (the vendor's
# document) second. Every existing name is used: both when both exist.
REGION_FILES: dict[str, tuple[str, ...]] = {
    "all": ("All_Regions.ini",),
    "trusted": ("Trusted_Region.ini", "Trusted_Regions.ini"),
    "untrusted": ("Untrusted_Region.ini", "Untrusted_Regions.ini"),
    "unknown": ("Unknown_Region.ini", "Unknown_Regions.ini"),
    # Windows clients have these zones too; present on Linux only if someone made them [U].
    "restricted": ("Restricted_Region.ini", "Restricted_Regions.ini"),
    "intranet": ("Intranet_Region.ini", "Intranet_Regions.ini"),
    "internet": ("Internet_Region.ini", "Internet_Regions.ini"),
}

_INT = re.compile(r"^[+-]?\d+$")
_RANGE_ITEM = re.compile(r"^(\d*)-(\d*)$")
_BOOLEAN_WORDS = {"true", "false", "on", "off", "yes", "no"}


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
    text = value.strip().lower()
    if text in ("true", "on", "yes", "1"):
        return True
    if text in ("false", "off", "no", "0"):
        return False
    return None


def permits(restriction: Any, value: str) -> bool:
    """True when the restriction (a Restriction or its text) lets the client use ``value``."""
    parsed = restriction if isinstance(restriction, Restriction) else parse_restriction(str(restriction))
    if parsed.form == ANY_STRING:
        return True
    if parsed.form == ANY:
        return _as_int(value) is not None or value.strip().lower() in _BOOLEAN_WORDS
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


def region_files(config_dir: str, region: str) -> list[str]:
    """The profile files of ``region`` that exist in ``config_dir`` (singular and/or plural name)."""
    names = REGION_FILES.get(region.lower())
    if names is None:
        raise IcaClientError(f"unknown region {region!r}; use one of {', '.join(REGION_FILES)}")
    # A link counts as found, so that editing it is refused with a message that names it.
    found = [
        os.path.join(config_dir, name)
        for name in names
        if os.path.isfile(os.path.join(config_dir, name)) or os.path.islink(os.path.join(config_dir, name))
    ]
    if not found:
        raise IcaClientError(
            f"no lockdown profile for region {region} in {config_dir}: none of {', '.join(names)} exists"
        )
    return found


def is_profile(path: str) -> bool:
    """True for a lockdown profile file name (All_Regions.ini, *_Region.ini, *_Regions.ini)."""
    name = os.path.basename(path).lower()
    return any(name == candidate.lower() for names in REGION_FILES.values() for candidate in names) or bool(
        re.match(r"^[a-z]+_regions?\.ini$", name)
    )


def validate_profile(
    settings_after: Mapping[str, str],
    *,
    path: str,
    section: Optional[str],
    changed_keys: Optional[Iterable[str]] = None,
) -> None:
    """Check that the restrictions of one profile section parse (setting sections are not restrictions)."""
    if section is not None and section.strip().lower() in (name.lower() for name in SETTING_SECTIONS):
        return
    changed = None if changed_keys is None else {key.lower() for key in changed_keys}
    for key, value in settings_after.items():
        if changed is not None and key.lower() not in changed:
            continue
        parse_restriction(value, key=key, path=path)


# -- editing profile files -----------------------------------------------------------------------------


@dataclass
class ProfileChange:
    """One profile file: the key's restriction before and after, and the file's bytes."""

    path: str
    before: Optional[str]
    after: Optional[str]
    data: bytes
    new_data: bytes
    warnings: list[str] = field(default_factory=list)
    backup_file: Optional[str] = None
    key: Optional[str] = None
    section: Optional[str] = None

    @property
    def changed(self) -> bool:
        return self.data != self.new_data

    def as_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "path": self.path,
            "key": self.key,
            "section": self.section,
            "before": self.before,
            "after": self.after,
            "changed": self.changed,
        }
        if self.backup_file:
            result["backup_file"] = self.backup_file
        return result

    def diff(self) -> dict[str, str]:
        return {
            "before_header": self.path,
            "after_header": self.path,
            "before": self.data.decode("utf-8", "replace"),
            "after": self.new_data.decode("utf-8", "replace"),
        }


def plan_profile_edit(
    data: bytes,
    *,
    path: str,
    section: str,
    key: str,
    restriction: Optional[str] = None,
    values: Sequence[Any] = (),
    permit: Sequence[Any] = (),
    deny: Sequence[Any] = (),
    restriction_if_missing: Optional[str] = None,
) -> ProfileChange:
    """Compute the new restriction of ``key`` in one profile file: the form first, then deny, then permit.

    ``restriction_if_missing`` is the form (with ``values``) of a key the profile lacks; a key
    that exists keeps its own restriction. ``All_Regions.ini`` with
    ``AllowUnrecognisedICAParameters=false`` discards every key it does not list, so a caller
    that sets a key must make sure it is listed without overwriting what an administrator
    already restricted. ``UNRESTRICTED`` leaves a missing key out instead: a region profile
    does not restrict a key it does not list, so ``permit`` has nothing to do there (``deny``
    is refused: it would need a restriction to be written).
    """
    permit = [str(value) for value in permit]
    deny = [str(value) for value in deny]
    if restriction is not None and restriction_if_missing is not None:
        raise IcaClientError(
            f"cannot edit {key} in {path}: give restriction or restriction_if_missing, not both"
        )
    both = sorted({value.lower() for value in permit} & {value.lower() for value in deny})
    if both:
        raise IcaClientError(f"cannot edit {key} in {path}: {', '.join(both)} is both permitted and denied")
    doc = parse(data, source=path)
    before = doc.get(section, key)
    if before is None and restriction is None and restriction_if_missing == UNRESTRICTED:
        if deny:
            raise IcaClientError(
                f"cannot deny {', '.join(map(repr, deny))} for {key} in {path}: the profile does not list {key} "
                f"in [{section}], so it does not restrict it; give restriction (and values) to create it"
            )
        return ProfileChange(path, None, None, data, data, key=key, section=section)
    if before is None and restriction is None:
        restriction = restriction_if_missing
    elif restriction_if_missing is not None:
        values = ()  # they describe the restriction of a missing key only
    if before is None and restriction is None:
        raise IcaClientError(
            f"cannot edit {key} in {path}: the profile has no {key} in [{section}]; give restriction (and values) "
            "to create it"
        )
    before_parsed = parse_restriction(before, key=key, path=path) if before is not None else None
    text = restriction_text(restriction, values, key=key, path=path) if restriction else str(before)
    if deny:
        text = remove_permitted(text, deny, key=key, path=path)
    if permit:
        text = add_permitted(text, permit, key=key, path=path)
    after = parse_restriction(text, key=key, path=path)
    # The edit must do what was asked: a cheap guard against a wrong rewrite of the text.
    for value in permit:
        if not permits(after, value):
            raise IcaClientError(
                f"internal error: {value!r} is not permitted for {key} in {path} after the edit"
            )
    for value in deny:
        if permits(after, value):
            raise IcaClientError(
                f"internal error: {value!r} is still permitted for {key} in {path} after the edit"
            )
    change = ProfileChange(path, before, text, data, data, key=key, section=section)
    if before is not None and text == before:
        return change
    doc.set(section, key, text)
    change.new_data = doc.to_bytes()
    if before_parsed is not None and before_parsed.default and after.default != before_parsed.default:
        change.warnings.append(
            f"{path}: the default of {key} (the first permitted value) changes from {before_parsed.default} "
            f"to {after.default}"
        )
    return change


def update_profiles(
    paths: Sequence[str],
    *,
    section: str,
    key: str,
    restriction: Optional[str] = None,
    values: Sequence[Any] = (),
    permit: Sequence[Any] = (),
    deny: Sequence[Any] = (),
    restriction_if_missing: Optional[str] = None,
    check_mode: bool = False,
    backup: Optional[Callable[[str], str]] = None,
) -> list[ProfileChange]:
    """Edit ``key`` in every profile file; nothing is written unless every file's edit is valid."""
    changes: list[ProfileChange] = []
    identities: list[tuple[int, int]] = []
    for path in paths:
        data, identity = _read_profile(path)
        identities.append(identity)
        changes.append(
            plan_profile_edit(
                data,
                path=path,
                section=section,
                key=key,
                restriction=restriction,
                values=values,
                permit=permit,
                deny=deny,
                restriction_if_missing=restriction_if_missing,
            )
        )
    if not check_mode:
        _write_profiles(changes, identities, backup)
    return changes


def _read_profile(path: str) -> tuple[bytes, tuple[int, int]]:
    """A profile's bytes and identity, never through a link: profiles sit in users' folders too
    (``~/.ICAClient``), where a link could point root at any file."""
    found = read_regular_file(path, operation="edit lockdown profile")
    if found is None:
        raise IcaClientError(f"cannot edit lockdown profile {path}: the file does not exist")
    return found[0], file_identity(found[1])


@dataclass
class ProfileEdit:
    """One key's edit, as the arguments of :func:`plan_profile_edit` (``section`` given)."""

    key: str
    section: str
    restriction: Optional[str] = None
    values: Sequence[Any] = ()
    permit: Sequence[Any] = ()
    deny: Sequence[Any] = ()
    restriction_if_missing: Optional[str] = None


@dataclass
class ProfileFileChange:
    """One profile file after several edits: each key's change, and the file's bytes before and after."""

    path: str
    data: bytes
    new_data: bytes
    changes: list[ProfileChange]
    backup_file: Optional[str] = None

    @property
    def changed(self) -> bool:
        return self.data != self.new_data

    @property
    def warnings(self) -> list[str]:
        return [warning for change in self.changes for warning in change.warnings]

    def entries(self) -> list[dict[str, Any]]:
        """One result per key edited (or removed by ``exact``): path, key, section, before, after,
        changed (and the file's backup)."""
        results = []
        for change in self.changes:
            entry = change.as_dict()
            if self.backup_file:
                entry["backup_file"] = self.backup_file
            results.append(entry)
        return results

    def diff(self) -> dict[str, str]:
        return ProfileChange(self.path, None, None, self.data, self.new_data).diff()


def plan_profile_edits(
    data: bytes, *, path: str, edits: Sequence[ProfileEdit], exact: bool = False
) -> ProfileFileChange:
    """Apply ``edits`` one after the other to one profile file's bytes, in memory.

    ``exact``: each section the edits name then holds exactly the keys they name; every other key
    of those sections is removed (one more change each, ``after`` None).
    """
    current = data
    changes: list[ProfileChange] = []
    for edit in edits:
        change = plan_profile_edit(
            current,
            path=path,
            section=edit.section,
            key=edit.key,
            restriction=edit.restriction,
            values=edit.values,
            permit=edit.permit,
            deny=edit.deny,
            restriction_if_missing=edit.restriction_if_missing,
        )
        changes.append(change)
        current = change.new_data
    if exact:
        removed = _remove_unlisted(current, path=path, edits=edits)
        changes.extend(removed)
        current = removed[-1].new_data if removed else current
    return ProfileFileChange(path, data, current, changes)


def _remove_unlisted(data: bytes, *, path: str, edits: Sequence[ProfileEdit]) -> list[ProfileChange]:
    """Remove from each section the edits name every key they do not name."""
    doc = parse(data, source=path)
    wanted = {(edit.section.strip().lower(), edit.key.strip().lower()) for edit in edits}
    sections: list[str] = []
    for edit in edits:
        if edit.section.strip().lower() not in (name.strip().lower() for name in sections):
            sections.append(edit.section)
    removed: list[tuple[str, str, str]] = []
    for section in sections:
        for key, value in doc.items(section):
            if (section.strip().lower(), key.strip().lower()) not in wanted and doc.remove(section, key):
                removed.append((section, key, value))
    new_data = doc.to_bytes()
    return [
        ProfileChange(path, value, None, data, new_data, key=key, section=section)
        for section, key, value in removed
    ]


@dataclass
class ProfileFile:
    """One profile file and its edits; ``exact``: the sections the edits name hold only their keys."""

    path: str
    edits: Sequence[ProfileEdit]
    exact: bool = False


def update_profile_entries(
    paths: Sequence[str],
    edits: Sequence[ProfileEdit],
    *,
    exact: bool = False,
    check_mode: bool = False,
    backup: Optional[Callable[[str], str]] = None,
) -> list[ProfileFileChange]:
    """Edit several keys in every profile file: each file read and written once, and nothing
    written unless every edit of every file is valid."""
    return _plan_then_write(
        [ProfileFile(path, edits, exact) for path in paths], check_mode=check_mode, backup=backup
    )


def update_profile_sets(
    profiles: Sequence[Union[ProfileFile, tuple[str, Sequence[ProfileEdit]]]],
    *,
    check_mode: bool = False,
    backup: Optional[Callable[[str], str]] = None,
) -> list[ProfileFileChange]:
    """Edit each profile file with edits of its own, for example All_Regions.ini listing every key
    and a region file permitting a proxy type.

    Every profile is read and every edit planned before any file is written, so nothing is
    written unless every profile accepts every one of its edits. A profile named twice is
    refused: its second plan would overwrite the first.
    """
    files = [item if isinstance(item, ProfileFile) else ProfileFile(*item) for item in profiles]
    seen: dict[str, str] = {}
    for path in (item.path for item in files):
        real = os.path.realpath(path)
        if real in seen:
            same = "" if seen[real] == path else f" (as {seen[real]})"
            raise IcaClientError(
                f"cannot edit lockdown profile {path}: it is given twice{same}; "
                "put all of its entries in one profile"
            )
        seen[real] = path
    return _plan_then_write(files, check_mode=check_mode, backup=backup)


def _plan_then_write(
    profiles: Sequence[ProfileFile],
    *,
    check_mode: bool,
    backup: Optional[Callable[[str], str]],
) -> list[ProfileFileChange]:
    planned: list[ProfileFileChange] = []
    identities: list[tuple[int, int]] = []
    for profile in profiles:
        data, identity = _read_profile(profile.path)
        identities.append(identity)
        planned.append(plan_profile_edits(data, path=profile.path, edits=profile.edits, exact=profile.exact))
    if not check_mode:
        _write_profiles(planned, identities, backup)
    return planned


def _write_profiles(
    changes: Sequence[Union[ProfileChange, ProfileFileChange]],
    identities: Sequence[tuple[int, int]],
    backup: Optional[Callable[[str], str]],
) -> None:
    """Write every changed profile as one transaction: all new, or (after a failure) all old.

    A profile replaced (by a link, say) since it was read is refused before anything is written.
    """
    steps = [
        Step(
            change.path,
            data=change.new_data,
            identity=identity,
            operation="edit lockdown profile",
            backup=True,
        )
        for change, identity in zip(changes, identities)
        if change.changed
    ]
    try:
        applied = apply(steps, backup=backup)
    except TransactionError as exc:
        raise IcaClientError(exc.message, **exc.facts()) from exc
    for change in changes:
        if change.changed and change.path in applied.backups:
            change.backup_file = applied.backups[change.path]
