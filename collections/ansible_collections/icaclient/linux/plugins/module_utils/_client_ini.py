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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from . import _ica_schema as schema_mod
from . import _lockdown
from ._atomic import (
    SYMLINK,
    UnsafeFileError,
    file_identity,
    read_regular_file,
    user_link_on_the_way,
)
from ._errors import IcaClientError
from ._ini import IniDocument, parse
from ._transaction import Step, TransactionError, apply

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
    schema: Mapping[str, Any] = field(default_factory=lambda: schema_mod.SCHEMA)


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
    before, after, changed_keys = plan_edit(
        data,
        path=path,
        section=section,
        settings=edit.settings,
        secret_settings=edit.secret_settings,
        state=edit.state,
        validate=edit.validate,
        allow_tls13=edit.allow_tls13,
        client_version=edit.client_version,
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
    writes_secret = edit.state in (PRESENT, EXACT) and any(
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
    return _PlannedFile(result, data, new_data, mode)


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

    ``backup(path) -> backup path`` is called before an existing file is replaced. The same as
    :func:`update_ini_files` without copies.
    """
    return update_ini_files(
        path,
        section=section,
        settings=settings,
        secret_settings=secret_settings,
        state=state,
        create=create,
        validate=validate,
        allow_tls13=allow_tls13,
        client_version=client_version,
        schema=schema,
        check_mode=check_mode,
        backup=backup,
    ).main


# -- a file and its copies -----------------------------------------------------------------------------

SKIPPED_MISSING = "missing"
SKIPPED_SYMLINK = "symlink"
SKIPPED_NOT_A_FILE = "not_a_file"
SKIPPED_DUPLICATE = "duplicate"


@dataclass
class SkippedCopy:
    path: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "reason": self.reason}


@dataclass
class IniFilesResult:
    """``path`` and its copies after one edit: ``main`` describes ``path``, as :func:`update_ini_file` does."""

    main: IniEditResult
    copies: list[IniEditResult] = field(default_factory=list)
    skipped: list[SkippedCopy] = field(default_factory=list)
    skip_warnings: list[str] = field(default_factory=list)

    @property
    def files(self) -> list[IniEditResult]:
        return [self.main, *self.copies]

    @property
    def changed(self) -> bool:
        return any(result.changed for result in self.files)

    @property
    def warnings(self) -> list[str]:
        return [warning for result in self.files for warning in result.warnings] + self.skip_warnings

    def diffs(self) -> list[dict[str, str]]:
        """One diff per changed file, secrets masked."""
        return [result.diff for result in self.files if result.changed]

    def as_dict(self) -> dict[str, Any]:
        result = self.main.as_dict()
        result["changed"] = self.changed
        result["files"] = [_file_entry(item) for item in self.files]
        result["skipped_copies"] = [item.as_dict() for item in self.skipped]
        return result


def _file_entry(result: IniEditResult) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "path": result.path,
        "changed": result.changed,
        "changed_keys": list(result.changed_keys),
    }
    if result.backup_file:
        entry["backup_file"] = result.backup_file
    return entry


def _read_copy(path: str) -> tuple[Optional[bytes], Optional[os.stat_result], Optional[str], str]:
    """Read a copy without following a link: (data, stat, None, "") or (None, None, reason, warning)."""
    link = user_link_on_the_way(path)
    if link is not None:
        return (
            None,
            None,
            SKIPPED_SYMLINK,
            (
                f"{path} was not edited: the folder {link} on its way is a symbolic link owned by another user, "
                "and root must not follow a link a user made"
            ),
        )
    try:
        found = read_regular_file(path)
    except UnsafeFileError as exc:
        if exc.reason == SYMLINK:
            warning = (
                f"{path} was not edited: it is a symbolic link, and root must not follow a link a user made"
            )
            return None, None, SKIPPED_SYMLINK, warning
        return None, None, SKIPPED_NOT_A_FILE, f"{path} was not edited: it is not a regular file"
    except IcaClientError as exc:
        raise IcaClientError(exc.message.replace("cannot edit", "cannot read", 1)) from exc
    if found is None:
        return None, None, SKIPPED_MISSING, ""
    return found[0], found[1], None, ""


def _write_all(planned: list[_PlannedFile], backup: Optional[Callable[[str], str]]) -> None:
    """Write every changed file as one transaction: all new, or (after a failure) all old.

    A file replaced (by a link, say) since it was read is refused before anything is written.
    """
    changed = [item for item in planned if item.result.changed]
    steps = [
        Step(item.result.path, data=item.new_data, mode=item.mode, identity=item.identity, backup=True)
        for item in changed
    ]
    try:
        applied = apply(steps, backup=backup)
    except TransactionError as exc:
        raise IcaClientError(exc.message, **exc.facts()) from exc
    for item in changed:
        item.result.backup_file = applied.backups.get(item.result.path)


def update_ini_files(
    path: str,
    *,
    copies: Sequence[str] = (),
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
) -> IniFilesResult:
    """Apply one edit to ``path`` and to each of its ``copies`` that exists, all or nothing.

    ``path`` is edited as :func:`update_ini_file` edits it (``create`` applies to it alone).
    A copy is never created: a missing one is skipped, and so is a symbolic link (or a copy
    behind a folder link another user owns) and anything that is not a regular file, with a
    warning. Every file is read, edited in memory and validated before any is written, so a
    refusal (naming the file and the cause) leaves every file as it was. Each written file
    keeps its owner, group and mode.
    """
    edit = IniEdit(
        section=section,
        settings=settings,
        secret_settings=secret_settings,
        state=state,
        validate=validate,
        allow_tls13=allow_tls13,
        client_version=client_version,
        schema=schema or schema_mod.SCHEMA,
    )
    # The file itself is never read or written through a link either: a link (even one an
    # administrator made) is refused with a message that says so, not replaced by a copy.
    found = read_regular_file(path)
    main = _plan_file(path, found[0] if found else None, edit, create=create)
    outcome = IniFilesResult(main.result)
    seen: dict[tuple[int, int], str] = {}
    if found is not None:  # not there (yet): no copy can be the same file
        main.identity = file_identity(found[1])
        seen[main.identity] = path
    planned: list[_PlannedFile] = [main]
    for copy_path in copies:
        data, info, reason, warning = _read_copy(copy_path)
        if reason is None and info is not None and file_identity(info) in seen:
            reason = SKIPPED_DUPLICATE
        if reason is not None or data is None or info is None:
            outcome.skipped.append(SkippedCopy(copy_path, reason or SKIPPED_MISSING))
            if warning:
                outcome.skip_warnings.append(warning)
            continue
        seen[file_identity(info)] = copy_path
        copy_plan = _plan_file(copy_path, data, edit, create=False)
        copy_plan.identity = file_identity(info)
        planned.append(copy_plan)
        outcome.copies.append(copy_plan.result)
    if check_mode:
        return outcome
    _write_all(planned, backup)
    return outcome


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
    schema = schema or schema_mod.SCHEMA
    problems: list[str] = []
    for section, settings in sections.items():
        if not settings:
            continue
        try:
            plan_edit(
                None,
                path=path,
                section=str(section),
                settings=settings,
                allow_tls13=allow_tls13,
                client_version=client_version,
                schema=schema,
            )
        except IcaClientError as exc:
            found = exc.details.get("problems")
            if isinstance(found, list) and found:
                problems.extend(f"[{section}] {problem}" for problem in found)
            else:
                problems.append(f"[{section}] {exc.message}")
    return problems
