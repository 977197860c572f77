"""Run a playbook for real through ``ansible-playbook`` and read every task result.

ansible-core 2.19 ships no ``json`` stdout callback; the ``minimal`` callback prints
one ``host | STATUS => {json}`` block per task (per host), in order, which is what
these tests need: the results in task order and how many reported a change (the
``changed=`` of the play recap).

Extra variables go to ``ansible-playbook`` in a file readable by root only (``-e @file``),
never on the command line, where any user could read a secret from ``ps``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from ansible_run import REPO, VENV_BIN, ansible_env

_STATUS = re.compile(r"^(\S+) \| (SUCCESS|CHANGED|FAILED!|SKIPPED|UNREACHABLE!) => \{", re.MULTILINE)
# Command-like modules (command, shell, raw, script) are printed as ``host | STATUS | rc=N >>``
# followed by their output, without JSON.
_COMMAND_STATUS = re.compile(r"^(\S+) \| (SUCCESS|CHANGED|FAILED) \| rc=(-?\d+) >>$", re.MULTILINE)


@dataclass
class PlaybookRun:
    rc: int
    stdout: str
    stderr: str
    results: list[dict[str, Any]] = field(default_factory=list)  # one per task and host, in order

    @property
    def changed(self) -> int:
        return sum(1 for result in self.results if result["_status"] == "CHANGED")

    @property
    def failed(self) -> int:
        return sum(1 for result in self.results if result["_status"] in ("FAILED!", "UNREACHABLE!"))


def run_playbook(
    playbook: Path,
    *,
    extra_vars: Optional[dict[str, Any]] = None,
    check: bool = False,
    diff: bool = False,
    env: Optional[dict[str, str]] = None,
    verbosity: int = 0,
) -> PlaybookRun:
    """Run ``playbook`` against localhost (local connection); results parsed from the minimal callback."""
    cmd = [str(VENV_BIN / "ansible-playbook"), str(playbook), "-i", "localhost,", "-c", "local"]
    if check:
        cmd.append("--check")
    if diff:
        cmd.append("--diff")
    if verbosity:
        cmd.append("-" + "v" * verbosity)
    with tempfile.TemporaryDirectory(prefix="playbook-run-") as scratch:
        if extra_vars:
            vars_file = os.path.join(scratch, "extra_vars.json")
            with open(os.open(vars_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
                json.dump(extra_vars, handle)
            cmd += ["-e", "@" + vars_file]
        proc = subprocess.run(
            cmd,
            cwd=REPO,
            env=ansible_env({"ANSIBLE_STDOUT_CALLBACK": "minimal", **(env or {})}),
            capture_output=True,
            text=True,
            check=False,
        )
    run = PlaybookRun(proc.returncode, proc.stdout, proc.stderr)
    decoder = json.JSONDecoder()
    found = []
    for match in _STATUS.finditer(proc.stdout):
        result, _end = decoder.raw_decode(proc.stdout, match.end() - 1)
        result["_host"] = match.group(1)
        result["_status"] = match.group(2)
        found.append((match.start(), result))
    for match in _COMMAND_STATUS.finditer(proc.stdout):
        status = "FAILED!" if match.group(2) == "FAILED" else match.group(2)
        found.append((match.start(), {"rc": int(match.group(3)), "_host": match.group(1), "_status": status}))
    run.results.extend(result for _start, result in sorted(found, key=lambda pair: pair[0]))
    return run
