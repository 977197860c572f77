"""The playbooks on the newest ansible-core the collection supports (2.20, on Python 3.12).

The suite runs on ansible-core 2.19 (the oldest supported: the roles rely on its native types).
Here site.yml provisions a sandbox endpoint with 2.20 as the controller, a second run changes
nothing, and compliance.yml finds every role in place and writes its report.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from ansible_run import REPO, prepared_by_test_sh

pytestmark = pytest.mark.slow

RECAP = re.compile(r"^sandbox-endpoint\s+: ok=\d+\s+changed=(\d+)\s+unreachable=0\s+failed=0", re.MULTILINE)


def _playbook(bin_folder: Path, sandbox: Path, playbook: str, *args: str) -> subprocess.CompletedProcess:
    env = dict(
        os.environ,
        ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
        ANSIBLE_NOCOLOR="1",
        PATH=f"{bin_folder}{os.pathsep}{os.environ.get('PATH', '')}",
    )
    return subprocess.run(
        [
            str(bin_folder / "ansible-playbook"),
            "-i",
            str(REPO / "inventories" / "sandbox" / "hosts.yml"),
            "-e",
            f"@{sandbox / 'sandbox-vars.json'}",
            str(REPO / "playbooks" / playbook),
            *args,
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_site_and_compliance_on_ansible_core_2_20(tmp_path):
    bin_folder = Path(
        prepared_by_test_sh("ICACLIENT_NEWEST_ANSIBLE_BIN", "3.12", "ansible-core 2.20 needs it")
    )
    version = subprocess.run(
        [str(bin_folder / "ansible-playbook"), "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert "core 2.20." in version.splitlines()[0], version
    sandbox = tmp_path / "sandbox"
    subprocess.run([sys.executable, str(REPO / "scripts" / "make_sandbox.py"), str(sandbox)], check=True)

    runs = [_playbook(bin_folder, sandbox, "site.yml", "--skip-tags", "smartcard") for _ in range(2)]
    changed = []
    for run in runs:
        match = RECAP.search(run.stdout)
        assert run.returncode == 0 and match, run.stdout[-5000:] + run.stderr[-2000:]
        changed.append(int(match.group(1)))
    assert changed[0] > 0 and changed[1] == 0, changed

    report_dir = tmp_path / "report"
    checked = _playbook(
        bin_folder,
        sandbox,
        "compliance.yml",
        "-e",
        json.dumps(
            {
                "icaclient_compliance_report_dir": str(report_dir),
                "icaclient_compliance_roles": [{"name": "icaclient_keystore"}, {"name": "icaclient_config"}],
            }
        ),
    )
    assert checked.returncode == 0, checked.stdout[-5000:] + checked.stderr[-2000:]
    (host,) = json.loads((report_dir / "report.json").read_text())["hosts"]
    checks = {check["id"]: check["status"] for check in host["checks"]}
    assert checks == {
        "role:icaclient_keystore": "pass",
        "role:icaclient_config": "pass",
        "keystore": "pass",
        # No certificate of the sandbox's keystore expires within the forecast's 90 days.
        "expiry": "pass",
    }, checks
