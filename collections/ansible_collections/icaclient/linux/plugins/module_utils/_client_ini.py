# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Set or remove keys of one section of a client ini file: the logic of ``client_ini``.

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
from typing import Any, Callable, Optional

from . import _ica_schema as schema_mod
from . import _lockdown
from ._atomic import atomic_write, read_bytes
from ._errors import IcaClientError
from ._ini import IniDocument, parse

PRESENT = "present"
ABSENT = "absent"
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
            if source == "settings" and value is not None and schema_mod.is_secret(key, schema):
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
    return doc.to_display(mask=lambda key: schema_mod.is_secret(key, schema))


def _validate(
    doc: IniDocument,
    *,
    path: str,
    section: str,
    changed_keys: list[str],
    allow_tls13: bool,
    client_version: Optional[str],
    schema: Mapping[str, Any],
) -> None:
    after = dict(doc.items(section))
    if _lockdown.is_profile(path) and section.strip().lower() not in ("top level", "preferences"):
        _lockdown.validate_profile(after, path=path, section=section, changed_keys=changed_keys)
        return
    if _lockdown.is_profile(path) and section.strip().lower() == "top level":
        return
    schema_mod.validate(
        after,
        path=path,
        section=section,
        changed_keys=changed_keys,
        allow_tls13=allow_tls13,
        client_version=client_version,
        schema=schema,
    )


def plan_edit(
    data: Optional[bytes],
    *,
    path: str,
    section: str,
    settings: Optional[Mapping[str, Any]] = None,
    secret_settings: Optional[Mapping[str, Any]] = None,
    state: str = PRESENT,
    validate: bool = True,
    allow_tls13: bool = False,
    client_version: Optional[str] = None,
    schema: Optional[Mapping[str, Any]] = None,
) -> tuple[Optional[IniDocument], IniDocument, list[str]]:
    """Apply the edit to ``data`` (None: the file does not exist) in memory.

    Returns the document before (None when there was no file), the document after,
    and the keys that changed, as given. Raises IcaClientError for bad input.
    """
    schema = schema or schema_mod.SCHEMA
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
    elif state == PRESENT:
        for key, value in entries:
            if value is None:
                changed = doc.remove(section, key)
            else:
                changed = doc.set(section, key, schema_mod.ini_value(key, value, path=path, schema=schema))
            if changed:
                changed_keys.append(key)
    else:
        raise IcaClientError(f"cannot edit {path}: unknown state {state!r}")
    if validate and changed_keys and doc.has_section(section):
        _validate(
            doc,
            path=path,
            section=section,
            changed_keys=changed_keys,
            allow_tls13=allow_tls13,
            client_version=client_version,
            schema=schema,
        )
    return before, doc, changed_keys


def update_ini_file(
    path: str,
    *,
    section: str,
    settings: Optional[Mapping[str, Any]] = None,
    secret_settings: Optional[Mapping[str, Any]] = None,
    state: str = PRESENT,
    create: bool = True,
    validate: bool = True,
    allow_tls13: bool = False,
    client_version: Optional[str] = None,
    schema: Optional[Mapping[str, Any]] = None,
    check_mode: bool = False,
    backup: Optional[Callable[[str], str]] = None,
) -> IniEditResult:
    """Bring ``section`` of the ini file at ``path`` to the wanted state; write only when it changes.

    ``backup(path) -> backup path`` is called before an existing file is replaced.
    """
    schema = schema or schema_mod.SCHEMA
    data = read_bytes(path)
    if data is None and state == PRESENT and not create:
        raise IcaClientError(f"cannot edit {path}: the file does not exist (set create=true to create it)")
    if data is None and state == ABSENT:
        return IniEditResult(False, path, section, [])
    before, after, changed_keys = plan_edit(
        data,
        path=path,
        section=section,
        settings=settings,
        secret_settings=secret_settings,
        state=state,
        validate=validate,
        allow_tls13=allow_tls13,
        client_version=client_version,
        schema=schema,
    )
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
    writes_secret = state == PRESENT and any(
        schema_mod.is_secret(key, schema) and after.get(section, key) for key in result.changed_keys
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
    if changed and not check_mode:
        if backup is not None and data is not None:
            result.backup_file = backup(path)
        atomic_write(path, new_data, mode=mode)
    return result
