# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""One edit applied to a client ini file and its copies, all or nothing (the files ``client_ini`` writes)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from .._atomic import SYMLINK, UnsafeFileError, file_identity, read_regular_file, user_link_on_the_way
from .._errors import IcaClientError
from .._transaction import Step, TransactionError, apply
from .client_ini import IniEdit, IniEditResult, _plan_file, _PlannedFile

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
    """A file and its copies after one edit: ``main`` describes the file, ``copies`` each copy edited."""

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
    """One file of ``files``: the result of that file without the section (the same for every file)."""
    return {name: value for name, value in result.as_dict().items() if name != "section"}


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
    paths: Sequence[str],
    edit: IniEdit,
    *,
    create: bool = True,
    check_mode: bool = False,
    backup: Optional[Callable[[str], str]] = None,
) -> IniFilesResult:
    """Apply ``edit`` to the first of ``paths`` and to each of the others (its copies) that exists, all
    or nothing; one file is a list of one.

    ``create`` applies to the first file alone. A copy is never created: a missing one is skipped,
    and so is a symbolic link (or a copy behind a folder link another user owns) and anything that
    is not a regular file, with a warning. Every file is read, edited in memory and validated before
    any is written, so a refusal (naming the file and the cause) leaves every file as it was. Each
    written file keeps its owner, group and mode. ``backup(path) -> backup path`` is called before
    an existing file is replaced.
    """
    if not paths:
        raise IcaClientError("cannot edit an ini file: no file was given")
    path, copies = paths[0], paths[1:]
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
