# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""Lockdown profile files: where they are, and editing the restrictions of their keys (see :mod:`.restriction`)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Union

from .._atomic import file_identity, read_regular_file
from .._errors import IcaClientError
from .._transaction import Step, TransactionError, apply
from .document import parse
from .restriction import (
    UNRESTRICTED,
    add_permitted,
    parse_restriction,
    permits,
    remove_permitted,
    restriction_text,
)
from .schema import REGION_FILES

# Sections of a profile that hold plain settings rather than restrictions.
SETTING_SECTIONS = ("Top Level", "Preferences")


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
class ProfileEdit:
    """One key's edit in a profile: the form first, then ``deny``, then ``permit`` (see :func:`plan_profile_edit`)."""

    key: str
    section: str
    restriction: Optional[str] = None
    values: Sequence[Any] = ()
    permit: Sequence[Any] = ()
    deny: Sequence[Any] = ()
    restriction_if_missing: Optional[str] = None


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


def plan_profile_edit(data: bytes, edit: ProfileEdit, *, path: str) -> ProfileChange:
    """Compute the new restriction of ``key`` in one profile file: the form first, then deny, then permit.

    ``restriction_if_missing`` is the form (with ``values``) of a key the profile lacks; a key
    that exists keeps its own restriction. ``All_Regions.ini`` with
    ``AllowUnrecognisedICAParameters=false`` discards every key it does not list, so a caller
    that sets a key must make sure it is listed without overwriting what an administrator
    already restricted. ``UNRESTRICTED`` leaves a missing key out instead: a region profile
    does not restrict a key it does not list, so ``permit`` has nothing to do there (``deny``
    is refused: it would need a restriction to be written).
    """
    section, key, restriction, values = edit.section, edit.key, edit.restriction, edit.values
    restriction_if_missing = edit.restriction_if_missing
    permit = [str(value) for value in edit.permit]
    deny = [str(value) for value in edit.deny]
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


def _read_profile(path: str) -> tuple[bytes, tuple[int, int]]:
    """A profile's bytes and identity, never through a link: profiles sit in users' folders too
    (``~/.ICAClient``), where a link could point root at any file."""
    found = read_regular_file(path, operation="edit lockdown profile")
    if found is None:
        raise IcaClientError(f"cannot edit lockdown profile {path}: the file does not exist")
    return found[0], file_identity(found[1])


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
        change = plan_profile_edit(current, edit, path=path)
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
    changes: Sequence[ProfileFileChange],
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
