# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""The one multi-file transaction: plan every file, write all, undo all on failure.

Every module that changes more than one file (an ini file and its users' copies, several
lockdown profiles, certificates and their folder, hash links) hands its plan to :func:`apply`
as a list of :class:`Step`. Each step goes through :func:`._atomic.atomic_write` (files) or an
atomic rename (links, removals), so a reader sees each file old or new; and when a step fails,
every step already made is undone, so the files end all old.

The undo needs no free space: before a name is replaced or removed, the transaction keeps the
old file under a temporary hard link in the same folder (no data is copied, mode, owner and
times stay exactly as they were) and puts it back with one rename. This is what makes a full
file system safe: a user's copy on a full ``/home`` fails, and the files already written
under ``/opt`` are put back even though nothing can be written anywhere. Where a folder
refuses hard links, the old content is kept in memory and written back instead.

Backups (``backup: true``) are made by the transaction too, before each replaced file, as a
whole copy written to a temporary name and renamed into place: a full file system leaves no
empty or truncated backup, and the backups of an undone transaction are removed with it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import tempfile
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

from ._atomic import _fsync_directory, atomic_write, check_same_file
from ._atomic_temps import writer_temp_prefix
from ._errors import IcaClientError

WRITE = "write"
REMOVE = "remove"
LINK = "link"
MKDIR = "mkdir"

_UNCHECKED = object()


@dataclass
class Step:
    """One change of one name: write ``data``, make a symbolic link to ``target``, or remove it.

    ``identity`` (the ``(st_dev, st_ino)`` read when planning, or None for "did not exist") makes
    the transaction refuse, before anything is written, a file replaced since it was read.
    ``backup`` asks for a backup of the file it replaces. ``replace_link``: a symbolic link at
    ``path`` is replaced by the file, never written through.
    """

    path: str
    action: str = WRITE
    data: Optional[bytes] = None
    target: Optional[str] = None
    mode: Optional[int] = None
    identity: object = _UNCHECKED
    operation: str = "edit"
    backup: bool = False
    replace_link: bool = False


@dataclass
class _Done:
    step: Step
    existed: bool
    saved: Optional[str] = None  # hard link to what was at ``path``
    content: Optional[bytes] = None  # the old file's bytes, when no hard link could be made
    info: Optional[os.stat_result] = None
    link_target: Optional[str] = None
    created_dirs: list[str] = field(default_factory=list)
    backup_file: Optional[str] = None
    changed: bool = False  # the step itself was made (not only its backup)


@dataclass
class Applied:
    """What a finished transaction changed."""

    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    linked: list[str] = field(default_factory=list)
    backups: dict[str, str] = field(default_factory=dict)
    created_dirs: list[str] = field(default_factory=list)


class TransactionError(IcaClientError):
    """A step failed; every step before it was undone (``not_restored`` lists what could not be).

    ``index`` is the failing step's place in the list, ``cause`` its own error message,
    ``restored`` the paths that had been changed and were put back.
    """

    def __init__(
        self, *, index: int, path: str, cause: str, restored: list[str], not_restored: list[str]
    ) -> None:
        self.index = index
        self.path = path
        self.cause = cause
        self.restored = restored
        self.not_restored = not_restored
        super().__init__(f"{cause}{self.tail()}", **self.facts())

    @property
    def complete_undo(self) -> bool:
        return not self.not_restored

    def tail(self) -> str:
        """``; nothing was changed`` with what was put back, or what could not be."""
        if self.not_restored:
            return "; undoing failed for " + ", ".join(self.not_restored)
        if self.restored:
            return "; nothing was changed (" + ", ".join(self.restored) + " written, then restored)"
        return "; nothing was changed"

    def facts(self) -> dict[str, object]:
        """For fail_json: what failed, what was put back, and whether anything stays changed."""
        return {
            "changed": bool(self.not_restored),
            "failed_path": self.path,
            "restored": list(self.restored),
            "not_restored": list(self.not_restored),
        }


def apply(steps: list[Step], *, backup: Optional[Callable[[str], object]] = None) -> Applied:
    """Carry out ``steps`` in order, as one change; undo all of them when one fails.

    A step ``MKDIR`` creates a folder with its missing parents (mode 0755), removed again on
    failure. ``backup(path)`` is called before a step with ``backup`` replaces an existing
    file (:func:`backup_copy` makes a safe one); what it returns is recorded in
    :attr:`Applied.backups` and removed again on failure. Raises :class:`TransactionError`.
    """
    for index, step in enumerate(steps):
        if step.identity is not _UNCHECKED:
            try:
                check_same_file(step.path, step.identity, operation=step.operation)  # type: ignore[arg-type]
            except IcaClientError as exc:
                raise TransactionError(
                    index=index, path=step.path, cause=exc.message, restored=[], not_restored=[]
                ) from exc
    applied = Applied()
    done: list[_Done] = []
    index = -1
    try:
        for index, step in enumerate(steps):  # noqa: B007 - the error handler names the step that failed
            _do(step, backup, done)
            if done and done[-1].step is step and done[-1].backup_file is not None:
                applied.backups[step.path] = done[-1].backup_file
    except (IcaClientError, OSError) as exc:
        cause = (
            exc.message
            if isinstance(exc, IcaClientError)
            else f"cannot {_verb(steps[index])} {steps[index].path}: {exc.strerror}"
        )
        failures = _undo(done)
        restored = [
            record.step.path
            for record in done
            if record.changed and record.step.action != MKDIR and record.step.path not in failures
        ]
        path = steps[index].path
        raise TransactionError(
            index=index, path=path, cause=cause, restored=restored, not_restored=failures
        ) from exc
    for record in done:
        if not record.changed:
            continue
        if record.saved is not None:
            with contextlib.suppress(OSError):
                os.unlink(record.saved)
        if record.step.action == MKDIR:
            applied.created_dirs = record.created_dirs + applied.created_dirs
        elif record.step.action == WRITE:
            applied.written.append(record.step.path)
        elif record.step.action == LINK:
            applied.linked.append(record.step.path)
        else:
            applied.removed.append(record.step.path)
    for directory in sorted({os.path.dirname(os.path.abspath(record.step.path)) for record in done}):
        _fsync_directory(directory)
    return applied


def _verb(step: Step) -> str:
    return {WRITE: "write", LINK: "change link", REMOVE: "remove", MKDIR: "create"}[step.action]


def _do(step: Step, backup: Optional[Callable[[str], object]], done: list[_Done]) -> None:
    """Make one step, keeping what it replaces in ``done`` (before anything is changed)."""
    if step.action == MKDIR:
        record = _Done(step, existed=os.path.isdir(step.path))
        done.append(record)
        record.created_dirs = _make_dirs(step.path)
        record.changed = True
        return
    try:
        info: Optional[os.stat_result] = os.lstat(step.path)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise IcaClientError(f"cannot {_verb(step)} {step.path}: {exc.strerror}") from exc
    if info is None and step.action == REMOVE:
        return
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise IcaClientError(f"cannot {_verb(step)} {step.path}: a folder is in the way")
    record = _Done(step, existed=info is not None, info=info)
    if info is not None:
        _keep(record, info)
    done.append(record)
    if step.backup and backup is not None and info is not None and stat.S_ISREG(info.st_mode):
        made = backup(step.path)
        record.backup_file = made if isinstance(made, str) and made else None
    if step.action == REMOVE:
        os.unlink(step.path)
    elif step.action == LINK:
        _swap_link(step.path, step.target or "")
    else:
        if info is not None and stat.S_ISLNK(info.st_mode) and step.replace_link:
            record.changed = True  # the link is gone from here on: the undo puts it back
            os.unlink(step.path)  # a file in place of the link, never written through it
        atomic_write(step.path, step.data or b"", mode=step.mode)
    record.changed = True


def _keep(record: _Done, info: os.stat_result) -> None:
    """Keep what is at the step's path, for the undo: a hard link, else its content in memory."""
    path = record.step.path
    directory = os.path.dirname(os.path.abspath(path))
    saved = os.path.join(directory, writer_temp_prefix() + "old-" + os.urandom(6).hex())
    try:
        os.link(path, saved, follow_symlinks=False)
        record.saved = saved
        return
    except OSError:
        pass  # no hard links here (or no room in the folder): keep it in memory
    if stat.S_ISLNK(info.st_mode):
        record.link_target = os.readlink(path)
    elif stat.S_ISREG(info.st_mode):
        # O_NOFOLLOW: a link swapped in since the lstat is refused, never read (its target's
        # content would otherwise be "put back" here by the undo)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as handle:
            if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
                raise IcaClientError(
                    f"cannot {_verb(record.step)} {path}: it was replaced while being edited"
                )
            record.content = handle.read()
    else:
        raise IcaClientError(f"cannot {_verb(record.step)} {path}: it is not a regular file or a link")


def _swap_link(path: str, target: str) -> None:
    """Make ``path`` a link to ``target``; an existing name is swapped atomically (never missing)."""
    directory = os.path.dirname(os.path.abspath(path))
    temporary = os.path.join(directory, writer_temp_prefix() + "link-" + os.urandom(6).hex())
    os.symlink(target, temporary)
    try:
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _undo(done: list[_Done]) -> list[str]:
    """Put back every done step, the last first; return the paths that could not be put back."""
    failures: list[str] = []
    for record in reversed(done):
        path = record.step.path
        if record.step.action == MKDIR:
            for directory in record.created_dirs:
                try:
                    os.rmdir(directory)
                except OSError:
                    failures.append(directory)
            continue
        try:
            if not record.changed:
                if record.saved is not None:
                    with contextlib.suppress(OSError):
                        os.unlink(record.saved)
            elif record.saved is not None:
                os.replace(record.saved, path)
            elif record.link_target is not None:
                _swap_link(path, record.link_target)
            elif record.content is not None and record.info is not None:
                if os.path.islink(path):
                    os.unlink(path)
                atomic_write(path, record.content, mode=stat.S_IMODE(record.info.st_mode))
                if os.geteuid() == 0:
                    os.chown(path, record.info.st_uid, record.info.st_gid, follow_symlinks=False)
                os.utime(path, ns=(record.info.st_atime_ns, record.info.st_mtime_ns), follow_symlinks=False)
            elif not record.existed:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(path)
        except (OSError, IcaClientError):
            failures.append(path)
        if record.backup_file is not None:
            with contextlib.suppress(OSError):
                os.unlink(record.backup_file)
        _fsync_directory(os.path.dirname(os.path.abspath(path)))
    return failures


def _make_dirs(directory: str) -> list[str]:
    """Create ``directory`` and its missing parents (0755); return them, the deepest first."""
    missing: list[str] = []
    current = directory
    while not os.path.isdir(current):
        missing.append(current)
        current = os.path.dirname(current)
    made: list[str] = []
    try:
        for path in reversed(missing):
            try:
                os.mkdir(path, 0o755)
                _chmod_folder(path, 0o755)
            except OSError as exc:
                raise IcaClientError(f"cannot create {path}: {exc.strerror}") from exc
            made.insert(0, path)
    except IcaClientError:
        for path in made:
            with contextlib.suppress(OSError):
                os.rmdir(path)
        raise
    return missing


def _chmod_folder(path: str, mode: int) -> None:
    """chmod the folder just made, never a link put in its place (the umask narrowed its mode)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0))
    try:
        os.chmod(fd, mode)
    finally:
        os.close(fd)


def backup_copy(path: str) -> str:
    """Copy ``path`` to ``<path>.<pid>.<date>@<time>~`` (Ansible's backup name) with its mode,
    owner and times; return the backup's path.

    The copy is written to a temporary name and renamed into place only when complete, so a
    full file system leaves no empty or truncated backup, only an error naming the file.
    """
    stamp = time.strftime("%Y-%m-%d@%H:%M:%S~", time.localtime())
    destination = f"{path}.{os.getpid()}.{stamp}"
    directory = os.path.dirname(os.path.abspath(path))
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    try:
        source = os.open(path, flags)
    except OSError as exc:
        raise IcaClientError(f"cannot back up {path}: {exc.strerror}") from exc
    temporary = ""
    try:
        info = os.fstat(source)
        fd, temporary = tempfile.mkstemp(prefix=writer_temp_prefix(), dir=directory)
        with os.fdopen(fd, "wb") as handle, os.fdopen(source, "rb", closefd=False) as reader:
            while True:
                chunk = reader.read(1 << 20)
                if not chunk:
                    break
                handle.write(chunk)
            handle.flush()
            # Through the descriptor: a link a user swaps in at the temporary name is not followed.
            os.chmod(handle.fileno(), stat.S_IMODE(info.st_mode))
            if os.geteuid() == 0:
                os.chown(handle.fileno(), info.st_uid, info.st_gid)
            os.utime(handle.fileno(), ns=(info.st_atime_ns, info.st_mtime_ns))
            os.fsync(handle.fileno())
        os.link(temporary, destination, follow_symlinks=False)  # never over an existing file
    except OSError as exc:
        cause = "a file of that name exists" if exc.errno == errno.EEXIST else exc.strerror
        raise IcaClientError(f"cannot back up {path} to {destination}: {cause}") from exc
    finally:
        os.close(source)
        if temporary:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
    _fsync_directory(directory)
    return destination
