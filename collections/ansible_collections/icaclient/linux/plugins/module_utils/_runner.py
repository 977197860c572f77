# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
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


Runner = Callable[..., CommandResult]


def subprocess_runner(
    argv: Sequence[str],
    *,
    cwd: Optional[str] = None,
    env: Optional[Mapping[str, str]] = None,
    stdin: Optional[str] = None,
    timeout: Optional[float] = None,
) -> CommandResult:
    merged = dict(os.environ)
    merged.update(env or {})
    merged["LC_ALL"] = "C"
    try:
        proc = subprocess.run(
            list(argv),
            cwd=cwd,
            env=merged,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as exc:
        raise IcaClientError(f"cannot run {argv[0]}: not found") from exc
    except subprocess.TimeoutExpired as exc:
        raise IcaClientError(f"{argv[0]} did not finish within {timeout} s", cmd=list(argv)) from exc
    return CommandResult(tuple(argv), proc.returncode, proc.stdout, proc.stderr)


def module_runner(module: object) -> Runner:
    """Adapt ``AnsibleModule.run_command`` to the runner signature."""

    def run(
        argv: Sequence[str],
        *,
        cwd: Optional[str] = None,
        env: Optional[Mapping[str, str]] = None,
        stdin: Optional[str] = None,
        timeout: Optional[float] = None,
    ) -> CommandResult:
        environ = {"LC_ALL": "C", "LANG": "C"}
        environ.update(env or {})
        rc, out, err = module.run_command(  # type: ignore[attr-defined]
            list(argv), cwd=cwd, environ_update=environ, data=stdin, check_rc=False
        )
        return CommandResult(tuple(argv), rc, out, err)

    return run
