"""Run tasks of the collection for real through ``ansible-playbook`` and read every task's result.

Each task is registered and run with ``ignore_errors``; a last task writes the
registered results to a JSON file, so a test sees each step's ``changed``,
``failed``, ``msg`` and ``diff`` without parsing screen output. Secrets go into a
vars file, never onto the command line.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any, Optional

import yaml
from ansible_run import REPO, VENV_BIN, ansible_env


class PlaybookRun:
    def __init__(self, results: list[dict[str, Any]], stdout: str, stderr: str, rc: int) -> None:
        self.results = results
        self.stdout = stdout
        self.stderr = stderr
        self.rc = rc

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self.results[index]


def run_tasks(
    workdir: Path,
    tasks: list[dict[str, Any]],
    *,
    variables: Optional[dict[str, Any]] = None,
    verbosity: int = 0,
    env: Optional[dict[str, str]] = None,
) -> PlaybookRun:
    """Run ``tasks`` on localhost in one playbook; ``variables`` are loaded from a vars file."""
    workdir.mkdir(parents=True, exist_ok=True)
    results_file = workdir / "results.json"
    results_file.unlink(missing_ok=True)
    vars_file = workdir / "vars.yml"
    vars_file.write_text(yaml.safe_dump(variables or {}))
    vars_file.chmod(0o600)
    registered = []
    play_tasks = []
    for index, task in enumerate(tasks):
        name = f"step_{index}"
        registered.append(name)
        play_tasks.append({"name": f"Step {index}", **task, "register": name, "ignore_errors": True})
    collected = "{" + ", ".join(f"'{name}': {name}" for name in registered) + "}"
    play_tasks.append(
        {
            "name": "Write the results",
            "ansible.builtin.copy": {
                "content": "{{ " + collected + " | to_json }}",
                "dest": str(results_file),
                "mode": "0600",
            },
        }
    )
    playbook = workdir / "playbook.yml"
    playbook.write_text(
        yaml.safe_dump(
            [
                {
                    "name": "Run the steps",
                    "hosts": "localhost",
                    "gather_facts": False,
                    "vars_files": [str(vars_file)],
                    "tasks": play_tasks,
                }
            ],
            sort_keys=False,
        )
    )
    cmd = [str(VENV_BIN / "ansible-playbook"), str(playbook)]
    if verbosity:
        cmd.append("-" + "v" * verbosity)
    proc = subprocess.run(
        cmd, cwd=REPO, env=ansible_env(env), capture_output=True, text=True, check=False, timeout=300
    )
    if not results_file.exists():
        raise AssertionError(
            f"the playbook did not finish (rc {proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )
    data = json.loads(results_file.read_text())
    return PlaybookRun([data[name] for name in registered], proc.stdout, proc.stderr, proc.returncode)
