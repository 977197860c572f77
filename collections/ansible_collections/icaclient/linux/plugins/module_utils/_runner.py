# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""One small runner for external commands (ctx_rehash, storebrowse, dpkg-query).

Modules pass ``AnsibleModule.run_command`` in through :func:`module_runner`; tests
pass :func:`subprocess_runner` or a function of their own. Commands are argument
lists, never shell strings, and run with ``LC_ALL=C`` so that output can be parsed.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Callable, Optional

from ._errors import IcaClientError


@dataclass(frozen=True)
class CommandResult:
    argv: tuple[str, ...]
    rc: int
    stdout: str
    stderr: str

    def error(self, message: str) -> IcaClientError:
        """The error for this command's failure: ``message``, with the command, exit code and stderr."""
        return IcaClientError(message, cmd=list(self.argv), rc=self.rc, stderr=self.stderr)


Runner = Callable[..., CommandResult]

# How a command is really started: (argv, cwd, environment to add, stdin, timeout) -> (rc, stdout, stderr).
_Execute = Callable[[list, Optional[str], dict, Optional[str], Optional[float]], tuple]


class CommandRunner:
    """A runner: the one place that sets the C locale and shapes the result, over ``execute``."""

    def __init__(self, execute: _Execute) -> None:
        self._execute = execute

    def __call__(
        self,
        argv: Sequence[str],
        *,
        cwd: Optional[str] = None,
        env: Optional[Mapping[str, str]] = None,
        stdin: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> CommandResult:
        # LC_ALL wins over any LANG or LC_* a caller passes: the output is parsed.
        environ = {"LANG": "C", **(env or {}), "LC_ALL": "C"}
        rc, out, err = self._execute(list(argv), cwd, environ, stdin, timeout)
        return CommandResult(tuple(argv), rc, out, err)


def _by_subprocess(
    argv: list, cwd: Optional[str], environ: dict, stdin: Optional[str], timeout: Optional[float]
) -> tuple:
    try:
        proc = subprocess.run(
            argv,
            cwd=cwd,
            env={**os.environ, **environ},
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as exc:
        raise IcaClientError(f"cannot run {argv[0]}: not found") from exc
    except subprocess.TimeoutExpired as exc:
        raise IcaClientError(f"{argv[0]} did not finish within {timeout} s", cmd=argv) from exc
    return proc.returncode, proc.stdout, proc.stderr


subprocess_runner: Runner = CommandRunner(_by_subprocess)


def module_runner(module: object) -> Runner:
    """Adapt ``AnsibleModule.run_command`` to the runner signature (it has no timeout)."""

    def execute(
        argv: list, cwd: Optional[str], environ: dict, stdin: Optional[str], timeout: Optional[float]
    ) -> tuple:
        return module.run_command(argv, cwd=cwd, environ_update=environ, data=stdin, check_rc=False)  # type: ignore[attr-defined]

    return CommandRunner(execute)
