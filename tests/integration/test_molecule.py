"""Every molecule scenario, run for real: ``molecule test -s SCENARIO`` from the checkout.

A scenario restores a Debian bookworm root (scripts/debian_root.sh), prepares it as an
endpoint, converges its role (``default``: playbooks/site.yml), converges again
(molecule's idempotence step), runs the converge in check mode, verifies the endpoint
with the compliance suite (tests/compliance, testinfra) and destroys the root. Beyond
molecule's own verdict this test asserts what molecule does not: the check-mode run
after converging predicts no change either, and the compliance suite really ran tests
(not only skips).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time

import pytest
from ansible_run import REPO, VENV_BIN

pytestmark = pytest.mark.slow

SCENARIOS = sorted(path.parent.name for path in (REPO / "molecule").glob("*/molecule.yml"))
ACTION = re.compile(r"^INFO\s+\[(?P<scenario>[^\]\s]+) > (?P<action>[a-z_]+)\] Executing$", re.MULTILINE)
RECAP = re.compile(r"^\S+\s*:\s*ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.MULTILINE)
PYTEST_SUMMARY = re.compile(r"=+ (?P<summary>[^=]*\bin [\d.]+s[^=]*) =+")


def _sections(output: str) -> dict[str, list[str]]:
    """Output of each action, by action name (destroy runs twice: both kept, in order)."""
    starts = list(ACTION.finditer(output))
    sections: dict[str, list[str]] = {}
    for index, match in enumerate(starts):
        end = starts[index + 1].start() if index + 1 < len(starts) else len(output)
        sections.setdefault(match.group("action"), []).append(output[match.end() : end])
    return sections


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env.update(NO_COLOR="1", ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", PY_COLORS="0")
    env.pop("ANSIBLE_CONFIG", None)  # molecule writes the scenario's own ansible.cfg
    return env


def test_every_role_has_a_scenario():
    roles = sorted(path.name.removeprefix("icaclient_") for path in (REPO / "roles").glob("icaclient_*"))
    assert set(roles) <= set(SCENARIOS), (
        f"roles without a molecule scenario: {sorted(set(roles) - set(SCENARIOS))}"
    )
    assert "default" in SCENARIOS


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_molecule_scenario(scenario):
    if os.geteuid() != 0:
        pytest.fail("molecule's Debian roots need root (chroot, mount)")
    if not (VENV_BIN / "molecule").exists() or not shutil.which("chroot"):
        pytest.fail("molecule (pip install molecule) and chroot are needed")
    start = time.monotonic()
    proc = subprocess.run(
        [str(VENV_BIN / "molecule"), "test", "-s", scenario],
        cwd=REPO,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # one stream: molecule logs its steps on stderr, Ansible on stdout
        text=True,
        check=False,
        timeout=1800,
    )
    seconds = time.monotonic() - start
    output = proc.stdout
    print(f"molecule test -s {scenario}: rc {proc.returncode} in {seconds:.1f} s")
    assert proc.returncode == 0, output[-6000:]

    sections = _sections(output)
    for action in ("create", "prepare", "converge", "idempotence", "check", "verify"):
        assert action in sections, f"molecule did not run {action}:\n{output[-3000:]}"
    for action in ("idempotence", "check"):
        recaps = RECAP.findall(sections[action][0])
        assert recaps, f"no play recap in the {action} step:\n{sections[action][0][-3000:]}"
        changed = [int(item[0]) for item in recaps]
        assert changed == [0] * len(changed), (
            f"the {action} step reported changes:\n{sections[action][0][-4000:]}"
        )
    converged = [int(item[0]) for item in RECAP.findall(sections["converge"][0])]
    assert sum(converged) > 0, "the first converge changed nothing: the scenario tests no provisioning"

    summary = PYTEST_SUMMARY.findall(sections["verify"][0])
    assert summary, f"no pytest summary in the verify step:\n{sections['verify'][0][-3000:]}"
    print(f"molecule test -s {scenario}: compliance suite {summary[-1].strip()}")
    passed = re.search(r"(\d+) passed", summary[-1])
    assert passed and int(passed.group(1)) > 0, f"the compliance suite passed nothing: {summary[-1]}"
    assert not re.search(r"\d+ (failed|error)", summary[-1]), summary[-1]
