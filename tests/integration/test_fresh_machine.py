"""The README's main command on a fresh machine, as a newcomer types it first.

``scripts/fresh_machine.sh`` restores a pristine Debian bookworm root (debootstrap minbase with
python3, python3-venv, python3-pip, openssl, ca-certificates and git only; no package of the test
command, no package lists read), clones the checkout's HEAD commit into it and runs
``./scripts/main.sh`` there twice through chroot, with the host's package archive and Python
index settings copied in at run time. The first run installs what it needs itself; both must
exit 0 and print the report with the demo's verdicts (healthy pass, untrusted 61, TLS 1.0 47);
the second provisioning must change nothing. It tests the commit, not uncommitted changes.
"""

from __future__ import annotations

import os
import re
import subprocess

import pytest
from ansible_run import REPO

pytestmark = pytest.mark.slow

SCRIPT = REPO / "scripts" / "fresh_machine.sh"


def _section(run: str, title: str) -> str:
    start = run.index(f"==> {title}")
    end = run.find("\n==> ", start + 4)
    return run[start : end if end >= 0 else None]


def _recap_changed(text: str) -> int:
    match = re.search(r"^sandbox-endpoint\s+: ok=\d+\s+changed=(\d+)\s+unreachable=0\s+failed=0", text, re.M)
    assert match, f"no clean play recap in:\n{text[-3000:]}"
    return int(match.group(1))


@pytest.fixture(scope="module")
def runs() -> tuple[str, str, str]:
    if os.geteuid() != 0:
        pytest.fail("the fresh-machine test needs root (debootstrap, chroot, mount)")
    proc = subprocess.run(
        [str(SCRIPT)], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=2400
    )
    out = proc.stdout
    print("\n".join(line for line in out.splitlines() if line.startswith("fresh-machine: run")))
    assert proc.returncode == 0, out[-8000:]
    first = out[out.index("fresh-machine: run 1:") : out.index("fresh-machine: run 1 exit")]
    second = out[out.index("fresh-machine: run 2:") : out.index("fresh-machine: run 2 exit")]
    return out, first, second


def test_the_main_command_installs_what_it_needs_on_a_fresh_machine(runs):
    out, first, _second = runs
    assert "fresh-machine: run 1 exit 0" in out and "fresh-machine: run 2 exit 0" in out
    # Nothing was there: the first run created the virtual environment and installed packages.
    assert "==> creating the virtual environment /root/icaclient.linux/.venv" in first
    assert "==> installing Debian packages:" in first


@pytest.mark.parametrize("run_index", [1, 2])
def test_the_report_shows_the_demo_verdicts(runs, run_index):
    run = runs[run_index]
    report = _section(run, "compliance report")
    # The three demo gateways by their verdicts: the healthy one passes, the untrusted one fails
    # with 61 and the fix, the TLS 1.0 one with 47.
    probes = re.findall(r"^\s+sandbox-endpoint\s+(PASS|WARN|FAIL)\s+https://localhost:\d+(.*)$", report, re.M)
    assert sorted(probes) == [("FAIL", " (client error 47)"), ("FAIL", " (client error 61)"), ("PASS", "")], (
        report
    )
    assert "add the issuing root to /root/icaclient.linux/sandbox/icaroot/keystore/cacerts" in report
    assert "offers only TLS 1.0, below MinimumTLS=1.2" in report
    for role in ("icaclient_keystore", "icaclient_config", "icaclient_stores"):
        assert re.search(rf"^\s+sandbox-endpoint\s+PASS\s+{role}$", report, re.M), report
    assert re.search(r"^\s+sandbox-endpoint\s+WARN\s+icaclient_smartcard$", report, re.M), report
    assert "HTML report:  /root/icaclient.linux/out/compliance/" in report


def test_the_second_run_provisions_nothing(runs):
    _out, first, second = runs
    assert _recap_changed(_section(first, "provisioning the endpoint")) > 0
    assert _recap_changed(_section(second, "provisioning the endpoint")) == 0
