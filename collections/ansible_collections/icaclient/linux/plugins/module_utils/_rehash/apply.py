# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""Making the planned links, with ``openssl rehash``'s rule or the client's own ``ctx_rehash``, one folder or both.

PRIVATE: this is not a public API of the collection.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Callable, Optional

from .._errors import IcaClientError
from .._runner import Runner
from .._transaction import LINK, REMOVE, Step, TransactionError, apply
from .links import RehashPlan, RehashResult
from .plan import plan_rehash


def apply_rehash(directory: str, plan: RehashPlan) -> None:
    """Make the links of ``plan``; on failure undo what was done and raise :class:`IcaClientError`.

    A replaced link is swapped atomically (a reader never finds the name missing).
    """
    steps = [
        Step(os.path.join(directory, name), action=LINK, target=plan.after[name]) for name in plan.create
    ]
    steps += [Step(os.path.join(directory, name), action=REMOVE) for name in plan.remove]
    try:
        apply(steps)
    except TransactionError as exc:
        name = os.path.basename(exc.path)
        cause = exc.__cause__.strerror if isinstance(exc.__cause__, OSError) else exc.cause
        raise IcaClientError(
            f"cannot rehash {directory}: cannot change link {name}: {cause}"
            + ("; the links changed before were restored" if exc.restored else "")
            + ("; undoing failed for " + ", ".join(exc.not_restored) if exc.not_restored else ""),
        ) from exc


def rehash(
    directory: str, *, check_mode: bool = False, overlay: Optional[dict[str, Optional[bytes]]] = None
) -> RehashResult:
    """Make the hash links of ``directory`` as ``openssl rehash`` would (see the module docstring).

    In check mode nothing is touched; the result says what would change, on the
    folder as ``overlay`` (check mode only; see :func:`plan_rehash`) leaves it.
    Raises :class:`IcaClientError` naming the folder and the cause when it
    cannot be read, or cannot be written while a link has to change.
    """
    if overlay is not None and not check_mode:
        raise IcaClientError("rehash: an overlay is for check mode only")  # a caller's bug
    plan = plan_rehash(directory, overlay=overlay)
    warnings = list(plan.warnings)
    if plan.changed:
        if check_mode:
            if os.path.isdir(directory) and not os.access(directory, os.W_OK):
                warnings.append(f"{directory} is not writable: the links cannot be changed")
        else:
            apply_rehash(directory, plan)
    return RehashResult(
        changed=plan.changed,
        created=list(plan.create),
        removed=list(plan.remove),
        links=dict(sorted(plan.after.items())),
        warnings=warnings,
        previous_links=dict(sorted(plan.before.items())),
    )


def format_links(links: dict[str, str]) -> str:
    """Links as ``ls -l`` shows them, one per line, sorted (for diffs)."""
    return "".join(f"{name} -> {target}\n" for name, target in sorted(links.items()))


# --- the client's own tool -------------------------------------------------------------------


def find_ctx_rehash(directory: str, explicit: Optional[str], which: Callable[[str], Optional[str]]) -> str:
    """The ``ctx_rehash`` to run for the keystore folder ``directory``.

    ``explicit`` when given; else ``<ICAROOT>/util/ctx_rehash`` for a folder
    ``<ICAROOT>/keystore/<name>``; else ``which("ctx_rehash")`` (the PATH).
    A missing folder is reported first: it is the bigger problem.
    """
    if not os.path.isdir(directory):
        cause = "not a folder" if os.path.lexists(directory) else "no such folder"
        raise IcaClientError(f"cannot rehash {directory}: {cause}")
    if explicit:
        if _executable(explicit):
            return explicit
        looked, first = f"no executable {explicit}", explicit
    else:
        icaroot = os.path.dirname(os.path.dirname(os.path.abspath(directory)))
        beside = os.path.join(icaroot, "util", "ctx_rehash")
        if _executable(beside):
            return beside
        found = which("ctx_rehash")
        if found:
            return found
        looked, first = f"no executable {beside}, none in PATH", beside
    raise IcaClientError(
        f"cannot rehash {directory} with ctx_rehash: the client's tool is not installed ({looked})",
        cmd=[first],
    )


def _executable(path: str) -> bool:
    return os.path.isfile(path) and os.access(path, os.X_OK)


def rehash_with_ctx_rehash(
    directory: str, *, tool: str, runner: Runner, check_mode: bool = False
) -> RehashResult:
    """Run the client's ``ctx_rehash`` (no arguments, in ``directory``) and report what it changed.

    In check mode the tool is not run: the result says what the builtin rehash
    would change. After a run, a warning says so when the tool's links differ
    from the ones ``openssl rehash`` makes.
    """
    plan = plan_rehash(directory)
    if check_mode:
        return RehashResult(
            changed=plan.changed,
            created=list(plan.create),
            removed=list(plan.remove),
            links=dict(sorted(plan.after.items())),
            warnings=list(plan.warnings),
            previous_links=dict(sorted(plan.before.items())),
        )
    outcome = runner([tool], cwd=directory)
    if outcome.rc != 0:
        raise IcaClientError(
            f"cannot rehash {directory}: {tool} failed with exit code {outcome.rc}: "
            f"{(outcome.stderr or outcome.stdout).strip() or 'no output'}",
            cmd=list(outcome.argv),
            rc=outcome.rc,
            stdout=outcome.stdout,
            stderr=outcome.stderr,
        )
    check = plan_rehash(directory)
    before, after = plan.before, check.before
    warnings = list(check.warnings)
    if check.changed:
        warnings.append(
            f"{tool} left links in {directory} that differ from the ones openssl rehash makes"
            f" (would create {', '.join(check.create) or 'none'}; remove {', '.join(check.remove) or 'none'})"
        )
    return RehashResult(
        changed=before != after,
        created=sorted(name for name, target in after.items() if before.get(name) != target),
        removed=sorted(name for name in before if name not in after),
        links=dict(sorted(after.items())),
        warnings=warnings,
        previous_links=dict(sorted(before.items())),
    )


# --- both folders of a keystore -------------------------------------------------------------

#: The folders under ``<ICAROOT>/keystore`` that hold CA certificates, in the order they are rehashed.
KEYSTORE_FOLDERS = ("cacerts", "intcerts")


@dataclass
class FolderRehash:
    path: str
    result: RehashResult
    #: the ``ctx_rehash`` run on the folder (None with the builtin method, or in check mode)
    tool: Optional[str] = None


def keystore_folders(icaroot: str) -> tuple[list[str], list[str]]:
    """(folders to rehash, folders skipped because they do not exist) of the keystore under ``icaroot``.

    A missing ICAROOT or ``<icaroot>/keystore`` is an error (a typo must not pass
    as a keystore with nothing to do); a missing ``cacerts`` or ``intcerts`` (a
    fresh install has no ``intcerts``) is skipped.
    """
    keystore = os.path.join(icaroot, "keystore")
    for path, what in ((icaroot, "ICAROOT "), (keystore, "")):
        if not os.path.isdir(path):
            cause = "is not a folder" if os.path.lexists(path) else "does not exist"
            raise IcaClientError(
                f"cannot rehash the keystore: {what}{path} {cause}"
                f" (is the Citrix Workspace app installed in {icaroot}?)"
            )
    present: list[str] = []
    skipped: list[str] = []
    for name in KEYSTORE_FOLDERS:
        path = os.path.join(keystore, name)
        # something else in the folder's place is not skipped: rehashing it fails, naming it
        (present if os.path.lexists(path) else skipped).append(path)
    return present, skipped


def rehash_keystore(
    icaroot: str,
    *,
    method: str = "builtin",
    ctx_rehash_path: Optional[str] = None,
    which: Optional[Callable[[str], Optional[str]]] = None,
    runner: Optional[Runner] = None,
    check_mode: bool = False,
) -> tuple[list[FolderRehash], list[str]]:
    """Rehash ``<icaroot>/keystore/cacerts`` then ``intcerts``; return (per folder rehashed, skipped).

    ``method`` is ``builtin`` (:func:`rehash`) or ``ctx_rehash``
    (:func:`rehash_with_ctx_rehash`, the tool found per folder by
    :func:`find_ctx_rehash` with ``ctx_rehash_path`` and ``which``, run by
    ``runner``). An error names the folder; it says which folders had already
    changed, since a rehash that went through is not undone.
    """
    if method == "builtin":

        def one(path: str) -> FolderRehash:
            return FolderRehash(path, rehash(path, check_mode=check_mode))

    elif method == "ctx_rehash":
        if which is None or runner is None:
            raise IcaClientError(
                "rehash_keystore: method ctx_rehash needs which and runner"
            )  # a caller's bug
        find, run = which, runner

        def one(path: str) -> FolderRehash:
            tool = find_ctx_rehash(path, ctx_rehash_path, find)
            result = rehash_with_ctx_rehash(path, tool=tool, runner=run, check_mode=check_mode)
            return FolderRehash(path, result, None if check_mode else tool)

    else:
        raise IcaClientError(f"cannot rehash the keystore of ICAROOT {icaroot}: unknown method {method!r}")
    folders, skipped = keystore_folders(icaroot)
    done: list[FolderRehash] = []
    for path in folders:
        try:
            done.append(one(path))
        except IcaClientError as exc:
            changed = [each.path for each in done if each.result.changed]
            if not changed or check_mode:
                raise
            raise IcaClientError(
                f"{exc.message} (the links of {', '.join(changed)} were changed before)", **exc.details
            ) from exc
    return done, skipped
