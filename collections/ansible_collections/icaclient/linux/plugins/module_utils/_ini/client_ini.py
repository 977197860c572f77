# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""Set or remove keys of one section of a client ini file, in memory: the logic of ``client_ini``.

Everything is computed and validated before anything is written, so bad input
leaves the file as it was. Secret values (``ProxyPassword`` and any
``*Password*`` key) are written to the file but never returned: the diff shows
them as ``********`` and messages name only the key.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

from .._errors import IcaClientError
from . import lockdown
from .document import IniDocument, parse
from .rules import validate as validate_section
from .schema import SCHEMA, is_secret
from .values import ini_value

PRESENT = "present"
ABSENT = "absent"
# The section holds exactly the keys given: keys not given are removed, given keys set.
EXACT = "exact"
STATES = (PRESENT, ABSENT, EXACT)
SECRET_FILE_MODE = 0o600


@dataclass
class IniEditResult:
    changed: bool
    path: str
    section: str
    changed_keys: list[str]
    backup_file: Optional[str] = None
    diff: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        result: dict[str, Any] = {
            "changed": self.changed,
            "path": self.path,
            "section": self.section,
            "changed_keys": list(self.changed_keys),
        }
        if self.backup_file:
            result["backup_file"] = self.backup_file
        return result


@dataclass
class IniEdit:
    """What one call asks of a section, the same for the file and each of its copies."""

    section: str
    settings: Optional[Mapping[str, Any]] = None
    secret_settings: Optional[Mapping[str, Any]] = None
    state: str = PRESENT
    validate: bool = True
    allow_tls13: bool = False
    client_version: Optional[str] = None
    schema: Mapping[str, Any] = field(default_factory=lambda: SCHEMA)

    def __post_init__(self) -> None:
        self.schema = self.schema or SCHEMA


def _merge_settings(
    settings: Optional[Mapping[str, Any]],
    secret_settings: Optional[Mapping[str, Any]],
    *,
    path: str,
    schema: Mapping[str, Any],
) -> list[tuple[str, Any]]:
    merged: list[tuple[str, Any]] = []
    seen: dict[str, str] = {}
    for source, mapping in (("settings", settings), ("secret_settings", secret_settings)):
        for key, value in (mapping or {}).items():
            key = str(key)
            # A null value (remove the key) reveals nothing and may stay in settings.
            if source == "settings" and value is not None and is_secret(key, schema):
                raise IcaClientError(
                    f"cannot set {key} in {path}: {key} is a secret; give it in secret_settings (which Ansible "
                    "keeps out of logs), not in settings"
                )
            folded = key.strip().lower()
            if folded in seen:
                raise IcaClientError(
                    f"cannot edit {path}: key {key} is given twice ({seen[folded]} and {key})"
                )
            seen[folded] = key
            merged.append((key, value))
    return merged


def _display(doc: Optional[IniDocument], schema: Mapping[str, Any]) -> str:
    if doc is None:
        return ""
    return doc.to_display(mask=lambda key: is_secret(key, schema))


def _validate(doc: IniDocument, edit: IniEdit, *, path: str, changed_keys: list[str]) -> None:
    section = edit.section
    after = dict(doc.items(section))
    if lockdown.is_profile(path) and section.strip().lower() not in ("top level", "preferences"):
        lockdown.validate_profile(after, path=path, section=section, changed_keys=changed_keys)
        return
    if lockdown.is_profile(path) and section.strip().lower() == "top level":
        return
    validate_section(
        after,
        path=path,
        section=section,
        changed_keys=changed_keys,
        allow_tls13=edit.allow_tls13,
        client_version=edit.client_version,
        schema=edit.schema,
    )


def plan_edit(
    data: Optional[bytes], edit: IniEdit, *, path: str
) -> tuple[Optional[IniDocument], IniDocument, list[str]]:
    """Apply the edit to ``data`` (None: the file does not exist) in memory.

    Returns the document before (None when there was no file), the document after,
    and the keys that changed, as given. Raises IcaClientError for bad input.
    """
    schema, section, state = edit.schema, edit.section, edit.state
    settings, secret_settings = edit.settings, edit.secret_settings
    before = parse(data, source=path) if data is not None else None
    doc = parse(data or b"", source=path)
    entries = _merge_settings(settings, secret_settings, path=path, schema=schema)
    changed_keys: list[str] = []
    if state == ABSENT:
        if settings is None and secret_settings is None:
            removed = [key for key, _value in doc.items(section)]
            if doc.remove_section(section):
                changed_keys = removed
        else:
            changed_keys = [key for key, _value in entries if doc.remove(section, key)]
    elif state in (PRESENT, EXACT):
        if state == EXACT:
            wanted = {key.strip().lower() for key, value in entries if value is not None}
            for key, _value in doc.items(section):
                if key.strip().lower() not in wanted and doc.remove(section, key):
                    changed_keys.append(key)
            doc.add_section(section)
        for key, value in entries:
            if value is None:
                changed = doc.remove(section, key)
            else:
                changed = doc.set(section, key, ini_value(key, value, path=path, schema=schema))
            if changed:
                changed_keys.append(key)
    else:
        raise IcaClientError(f"cannot edit {path}: unknown state {state!r}")
    if edit.validate and changed_keys and doc.has_section(section):
        _validate(doc, edit, path=path, changed_keys=changed_keys)
    return before, doc, changed_keys


@dataclass
class _PlannedFile:
    """One file edited in memory: its result, the bytes to write and the mode to give it."""

    result: IniEditResult
    data: Optional[bytes]
    new_data: bytes
    mode: Optional[int] = None
    # (st_dev, st_ino) of the file as it was read (None: it did not exist), checked again just
    # before writing.
    identity: Optional[tuple[int, int]] = None


def _plan_file(path: str, data: Optional[bytes], edit: IniEdit, *, create: bool) -> _PlannedFile:
    """Plan ``edit`` on one file's bytes (None: no file); raises IcaClientError for bad input."""
    schema = edit.schema
    section = edit.section
    if data is None and edit.state in (PRESENT, EXACT) and not create:
        raise IcaClientError(f"cannot edit {path}: the file does not exist (set create=true to create it)")
    if data is None and edit.state == ABSENT:
        return _PlannedFile(IniEditResult(False, path, section, []), None, b"")
    before, after, changed_keys = plan_edit(data, edit, path=path)
    new_data = after.to_bytes()
    changed = new_data != (data or b"")
    result = IniEditResult(changed, path, section, changed_keys if changed else [])
    result.diff = {
        "before_header": path if data is not None else f"{path} (absent)",
        "after_header": path,
        "before": _display(before, schema),
        "after": _display(after, schema),
    }
    folded_changed = {key.lower() for key in result.changed_keys}
    for duplicate in after.duplicates():
        if (duplicate.section or "").strip().lower() != section.strip().lower():
            continue
        if duplicate.key is None or duplicate.key.lower() in folded_changed:
            result.warnings.append(duplicate.describe(path))
    writes_secret = edit.state in (PRESENT, EXACT) and any(
        is_secret(key, schema) and after.get(section, key) for key in result.changed_keys
    )
    mode = None
    if writes_secret:
        if data is None:
            mode = SECRET_FILE_MODE
        else:
            current = stat.S_IMODE(os.stat(path).st_mode)
            if current & 0o077:
                result.warnings.append(
                    f"{path} holds a secret and is readable by other users (mode {current:04o}); "
                    "consider mode 0600"
                )
    return _PlannedFile(result, data, new_data, mode)


# -- the same checks on the controller -----------------------------------------------------------------


def settings_problems(
    sections: Mapping[str, Optional[Mapping[str, Any]]],
    *,
    allow_tls13: bool = False,
    client_version: Optional[str] = None,
    schema: Optional[Mapping[str, Any]] = None,
    path: str = "wfclient.ini",
) -> list[str]:
    """What ``client_ini`` would refuse in ``sections`` (section -> settings) written into an empty ``path``.

    Each problem is ``[Section] problem``; an empty list means the client accepts the settings.
    The checks are :func:`plan_edit`'s own, so the controller and the module cannot disagree.
    Secret values are masked as in the module's messages.
    """
    problems: list[str] = []
    for section, settings in sections.items():
        if not settings:
            continue
        edit = IniEdit(
            str(section),
            settings,
            allow_tls13=allow_tls13,
            client_version=client_version,
            schema=schema or SCHEMA,
        )
        try:
            plan_edit(None, edit, path=path)
        except IcaClientError as exc:
            found = exc.details.get("problems")
            if isinstance(found, list) and found:
                problems.extend(f"[{section}] {problem}" for problem in found)
            else:
                problems.append(f"[{section}] {exc.message}")
    return problems
