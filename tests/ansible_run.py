"""Run a module of the collection for real through the ``ansible`` ad-hoc command.

ansible-core 2.19 no longer ships the ``json`` stdout callback, so the result is
read from the ``minimal`` callback's ``host | STATUS => {json}`` line.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any, Optional

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = REPO / ".venv" / "bin"


def ansible_env(extra: Optional[dict[str, str]] = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
        ANSIBLE_PYTHON_INTERPRETER=str(VENV_BIN / "python"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
    )
    env.update(extra or {})
    return env


def run_module(
    name: str,
    args: dict[str, Any],
    *,
    check: bool = False,
    diff: bool = False,
    verbosity: int = 0,
    env: Optional[dict[str, str]] = None,
) -> dict[str, Any]:
    """Return the module's result dict; ``_stdout``/``_stderr`` hold the raw output."""
    fqcn = name if "." in name else f"icaclient.linux.{name}"
    cmd = [str(VENV_BIN / "ansible"), "localhost", "-m", fqcn, "-a", json.dumps(args)]
    if check:
        cmd.append("--check")
    if diff:
        cmd.append("--diff")
    if verbosity:
        cmd.append("-" + "v" * verbosity)
    proc = subprocess.run(
        cmd,
        cwd=REPO,
        env=ansible_env({"ANSIBLE_STDOUT_CALLBACK": "minimal", **(env or {})}),
        capture_output=True,
        text=True,
        check=False,
    )
    marker = proc.stdout.find(" => {")
    if marker < 0:
        raise AssertionError(f"no module result in ansible output:\n{proc.stdout}\n{proc.stderr}")
    result, _ = json.JSONDecoder().raw_decode(proc.stdout[marker + 4 :])
    status = proc.stdout[:marker].rsplit("|", 1)[-1].strip()
    result.setdefault("failed", status.startswith(("FAILED", "UNREACHABLE")))
    result["_stdout"] = proc.stdout
    result["_stderr"] = proc.stderr
    return result
