"""Run the collection for real through ``ansible`` and ``ansible-playbook`` and read the results.

One runner, three ways in:

- :func:`run_module`: one module through the ``ansible`` ad-hoc command; its result dict.
- :func:`run_playbook`: a playbook file on localhost; every task result, in order.
- :func:`run_tasks`: a list of tasks, each registered, in one generated playbook; every task's
  registered result, ``diff`` included (the screen output leaves it out).

ansible-core 2.19 no longer ships the ``json`` stdout callback, so module and playbook
results are read from the ``minimal`` callback, which prints one ``host | STATUS => {json}``
block per task and host, in order. Every result carries ``_host`` and ``_status``
(``SUCCESS``, ``CHANGED``, ``FAILED!``, ``SKIPPED``, ``UNREACHABLE!``).

Variables (``extra_vars``, ``variables``, ``python``) go to Ansible in a file readable by root
only (``-e @file``), never on the command line, where any user could read a secret from ``ps``.
A module's arguments to :func:`run_module` are on the command line (``-a``): a test that passes
a secret gives it to :func:`run_tasks` as a variable instead.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import yaml

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = REPO / ".venv" / "bin"
TIMEOUT = 600  # seconds: a hung run fails its test instead of the whole CI job

_STATUS = re.compile(r"^(\S+) \| (SUCCESS|CHANGED|FAILED!|SKIPPED|UNREACHABLE!) => \{", re.MULTILINE)
# Command-like modules (command, shell, raw, script) are printed as ``host | STATUS | rc=N >>``
# followed by their output, without JSON.
_COMMAND_STATUS = re.compile(r"^(\S+) \| (SUCCESS|CHANGED|FAILED) \| rc=(-?\d+) >>$", re.MULTILINE)


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


@dataclass
class PlaybookRun:
    rc: int
    stdout: str
    stderr: str
    results: list[dict[str, Any]] = field(default_factory=list)  # one per task and host, in order

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self.results[index]

    @property
    def changed(self) -> int:
        return sum(1 for result in self.results if result["_status"] == "CHANGED")

    @property
    def failed(self) -> int:
        return sum(1 for result in self.results if result["_status"] in ("FAILED!", "UNREACHABLE!"))


def run_module(
    name: str,
    args: dict[str, Any],
    *,
    check: bool = False,
    diff: bool = False,
    verbosity: int = 0,
    env: Optional[dict[str, str]] = None,
    python: Optional[Path] = None,
    expect_failure: bool = False,
) -> dict[str, Any]:
    """Return the module's result dict; ``_stdout``/``_stderr`` hold the raw output.

    A failed (or unreachable) result raises :class:`ModuleFailed` unless ``expect_failure`` is
    true, so a test cannot read ``changed`` or ``msg`` off a failure by accident; with
    ``expect_failure`` a result that did not fail raises instead.

    ``python`` runs the module with another interpreter on the managed side: the implicit
    localhost pins the controller's Python as a host variable, which only an extra var overrides.
    """
    fqcn = name if "." in name else f"icaclient.linux.{name}"
    proc = _ansible(
        ["ansible", "localhost", "-m", fqcn, "-a", json.dumps(args)],
        extra_vars={"ansible_python_interpreter": str(python)} if python else None,
        check=check,
        diff=diff,
        verbosity=verbosity,
        env={"ANSIBLE_STDOUT_CALLBACK": "minimal", **(env or {})},
    )
    results = _minimal_results(proc.stdout)
    if not results:
        raise AssertionError(f"no module result in ansible output:\n{proc.stdout}\n{proc.stderr}")
    result = results[0]
    result.setdefault("failed", result["_status"] in ("FAILED!", "UNREACHABLE!"))
    result["_stdout"] = proc.stdout
    result["_stderr"] = proc.stderr
    _check_outcome(fqcn, result, expect_failure)
    return result


class ModuleFailed(AssertionError):
    """A module run failed where the test expected it to succeed, or the other way round."""


def _check_outcome(what: str, result: dict[str, Any], expect_failure: bool) -> None:
    failed = bool(result.get("failed")) or result.get("_status") in ("FAILED!", "UNREACHABLE!")
    if failed and not expect_failure:
        raise ModuleFailed(f"{what} failed: {result.get('msg', '')}\n{result.get('_stdout', '')[-3000:]}")
    if expect_failure and not failed:
        raise ModuleFailed(f"{what} was expected to fail and did not: {_brief(result)}")


def _brief(result: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in result.items() if not k.startswith("_")}, default=str)[:2000]


def run_playbook(
    playbook: Path,
    *,
    extra_vars: Optional[dict[str, Any]] = None,
    check: bool = False,
    diff: bool = False,
    env: Optional[dict[str, str]] = None,
    verbosity: int = 0,
    expect_failure: bool = False,
) -> PlaybookRun:
    """Run ``playbook`` against localhost (local connection); results parsed from the minimal callback.

    A run that fails (a non-zero exit or a failed task) raises :class:`ModuleFailed` unless
    ``expect_failure`` is true; with it, a run that did not fail raises."""
    proc = _ansible(
        ["ansible-playbook", str(playbook), "-i", "localhost,", "-c", "local"],
        extra_vars=extra_vars,
        check=check,
        diff=diff,
        verbosity=verbosity,
        env={"ANSIBLE_STDOUT_CALLBACK": "minimal", **(env or {})},
    )
    run = PlaybookRun(proc.returncode, proc.stdout, proc.stderr, _minimal_results(proc.stdout))
    failed = run.rc != 0 or run.failed > 0
    if failed and not expect_failure:
        raise ModuleFailed(f"{playbook} failed (rc {run.rc}):\n{run.stdout[-4000:]}\n{run.stderr[-2000:]}")
    if expect_failure and not failed:
        raise ModuleFailed(f"{playbook} was expected to fail and did not:\n{run.stdout[-2000:]}")
    return run


def run_tasks(
    workdir: Path,
    tasks: list[dict[str, Any]],
    *,
    variables: Optional[dict[str, Any]] = None,
    verbosity: int = 0,
    env: Optional[dict[str, str]] = None,
    expect_failures: Collection[int] = (),
) -> PlaybookRun:
    """Run ``tasks`` on localhost in one playbook written to ``workdir``, with the configured
    (``default``) stdout callback.

    Each task is registered and run with ``ignore_errors``; a last task writes the registered
    results to ``workdir/results.json``, so a test sees each step's ``changed``, ``failed``,
    ``msg`` and ``diff`` without parsing screen output. ``variables`` are extra vars.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    results_file = workdir / "results.json"
    results_file.unlink(missing_ok=True)
    registered = [f"step_{index}" for index in range(len(tasks))]
    play_tasks = [
        {"name": f"Step {index}", **task, "register": name, "ignore_errors": True}
        for index, (name, task) in enumerate(zip(registered, tasks))
    ]
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
    play = {"name": "Run the steps", "hosts": "localhost", "gather_facts": False, "tasks": play_tasks}
    playbook = workdir / "playbook.yml"
    playbook.write_text(yaml.safe_dump([play], sort_keys=False))
    proc = _ansible(["ansible-playbook", str(playbook)], extra_vars=variables, verbosity=verbosity, env=env)
    if not results_file.exists():
        raise AssertionError(
            f"the playbook did not finish (rc {proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )
    data = json.loads(results_file.read_text())
    results = [
        dict(data[name], _host="localhost", _status=_registered_status(data[name])) for name in registered
    ]
    for index, result in enumerate(results):
        _check_outcome(
            f"step {index} ({tasks[index].get('name', 'unnamed')})", result, index in expect_failures
        )
    return PlaybookRun(proc.returncode, proc.stdout, proc.stderr, results)


def _ansible(
    command: list[str],
    *,
    extra_vars: Optional[dict[str, Any]] = None,
    check: bool = False,
    diff: bool = False,
    verbosity: int = 0,
    env: Optional[dict[str, str]] = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``ansible`` or ``ansible-playbook`` from the virtualenv in the checkout, output captured."""
    argv = [str(VENV_BIN / command[0]), *command[1:]]
    if check:
        argv.append("--check")
    if diff:
        argv.append("--diff")
    if verbosity:
        argv.append("-" + "v" * verbosity)
    with tempfile.TemporaryDirectory(prefix="ansible-run-") as scratch:
        if extra_vars:
            vars_file = os.path.join(scratch, "extra_vars.json")
            with open(os.open(vars_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
                json.dump(extra_vars, handle)
            argv += ["-e", "@" + vars_file]
        return subprocess.run(
            argv, cwd=REPO, env=ansible_env(env), capture_output=True, text=True, check=False, timeout=TIMEOUT
        )


def _minimal_results(stdout: str) -> list[dict[str, Any]]:
    """Every ``host | STATUS`` block of the minimal callback, in the order printed."""
    decoder = json.JSONDecoder()
    found = []
    for match in _STATUS.finditer(stdout):
        result, _end = decoder.raw_decode(stdout, match.end() - 1)
        result["_host"] = match.group(1)
        result["_status"] = match.group(2)
        found.append((match.start(), result))
    for match in _COMMAND_STATUS.finditer(stdout):
        status = "FAILED!" if match.group(2) == "FAILED" else match.group(2)
        found.append((match.start(), {"rc": int(match.group(3)), "_host": match.group(1), "_status": status}))
    return [result for _start, result in sorted(found, key=lambda pair: pair[0])]


def _registered_status(result: dict[str, Any]) -> str:
    """The status the minimal callback would print for a registered result."""
    if result.get("unreachable"):
        return "UNREACHABLE!"
    if result.get("failed"):
        return "FAILED!"
    if result.get("skipped"):
        return "SKIPPED"
    return "CHANGED" if result.get("changed") else "SUCCESS"


def prepared_by_test_sh(variable: str, pyenv_version: str, purpose: str) -> str:
    """What scripts/test.sh prepared from the machine's pyenv Python ``pyenv_version`` and named in
    the environment ``variable``. Without that pyenv Python the test is skipped, saying so (under
    ``CI=true`` it fails: a CI machine must have it);
    with it but without the variable (the test not run through scripts/test.sh) it fails."""
    value = os.environ.get(variable)
    if value:
        return value
    import pytest

    if not list(Path.home().glob(f".pyenv/versions/{pyenv_version}*/bin/python3")):
        if os.environ.get("CI") == "true":
            pytest.fail(f"no Python {pyenv_version} on this CI machine (pyenv): {purpose}")
        pytest.skip(
            f"no Python {pyenv_version} on this machine (pyenv ~/.pyenv/versions/{pyenv_version}*): {purpose}"
        )
    pytest.fail(f"{variable} is not set: run the tests through scripts/test.sh, which prepares it")
