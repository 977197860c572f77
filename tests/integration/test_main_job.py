"""The README's first command, ``scripts/main.sh``, run for real twice on a fresh sandbox.

It provisions the sandbox endpoint with site.yml (keystore, config, the healthy gateway's store;
the smart card role in check mode), probes three demo gateways it starts with compliance.yml
and writes the report. Independent tools then confirm the result: ``openssl verify`` against
the keystore, the stand-in ``storebrowse -l`` as root with the sandbox home, dpkg for the
packages the smart card check only predicted. A third run of compliance.yml, with a broken
endpoint added and the gateways stopped, shows that failures are collected, reported, and
only then fail the run.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest
from ansible_run import REPO, VENV_BIN, ansible_env, prepared_by_test_sh

pytestmark = pytest.mark.slow

MAIN = REPO / "scripts" / "main.sh"


@dataclass
class Run:
    rc: int
    out: str
    report_dir: Path

    def section(self, title: str) -> str:
        """The output of one step of main.sh (from its ``==> title`` line to the next step)."""
        start = self.out.index(f"==> {title}")
        end = self.out.find("\n==> ", start + 4)
        return self.out[start : end if end >= 0 else None]

    def report(self) -> dict:
        return json.loads((self.report_dir / "report.json").read_text())


def _recap_changed(text: str) -> int:
    match = re.search(r"^sandbox-endpoint\s+: ok=\d+\s+changed=(\d+)", text, re.MULTILINE)
    assert match, f"no play recap in:\n{text[-3000:]}"
    return int(match.group(1))


def _main(sandbox: Path, report_dir: Path, *args: str) -> Run:
    env = dict(os.environ, ICACLIENT_SANDBOX=str(sandbox), ICACLIENT_REPORT_DIR=str(report_dir))
    proc = subprocess.run(
        [str(MAIN), *args],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=900,
    )
    return Run(proc.returncode, proc.stdout, report_dir)


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> tuple[Path, Run, Run]:
    sandbox = tmp_path_factory.mktemp("main-job") / "sandbox"
    reports = tmp_path_factory.mktemp("main-job-reports")
    first = _main(sandbox, reports / "run1")
    assert first.rc == 0, first.out[-6000:]
    second = _main(sandbox, reports / "run2")
    assert second.rc == 0, second.out[-6000:]
    return sandbox, first, second


def _gateways(sandbox: Path) -> dict:
    return json.loads((sandbox / "demo-vars.json").read_text())["icaclient_demo_gateways"]


def _checks(run: Run) -> dict[str, dict]:
    (host,) = run.report()["hosts"]
    assert host["host"] == "sandbox-endpoint"
    return {check["id"]: check for check in host["checks"]}


def _assert_the_three_gateways_reported(sandbox: Path, first: Run, second: Run) -> None:
    gateways = _gateways(sandbox)
    for run in (first, second):
        for name in ("report.html", "junit.xml", "report.json"):
            assert (run.report_dir / name).is_file()
        assert f"HTML report:  {run.report_dir / 'report.html'}" in run.out
        checks = _checks(run)
        healthy = checks[f"probe:{gateways['healthy']['url']}"]
        untrusted = checks[f"probe:{gateways['untrusted']['url']}"]
        tls10 = checks[f"probe:{gateways['tls10']['url']}"]
        assert healthy["status"] == "pass", healthy
        assert (untrusted["status"], untrusted["client_error"]) == ("fail", 61), untrusted
        assert "add the issuing root" in untrusted["fix"]
        assert (tls10["status"], tls10["client_error"]) == ("fail", 47), tls10
        assert "below MinimumTLS=1.2" in tls10["message"]
        for role in ("icaclient_keystore", "icaclient_config", "icaclient_stores"):
            assert checks[f"role:{role}"]["status"] == "pass", checks[f"role:{role}"]
        assert checks["keystore"]["status"] == "pass"

    suite = ET.parse(second.report_dir / "junit.xml").getroot().find("testsuite")
    failed = {
        case.get("name"): case.find("failure").get("type")
        for case in suite
        if case.find("failure") is not None
    }
    assert failed == {
        gateways["untrusted"]["url"]: "client_error_61",
        gateways["tls10"]["url"]: "client_error_47",
    }


def test_the_main_job_reports_the_three_gateways_as_the_client_would(runs):
    _assert_the_three_gateways_reported(*runs)


def test_the_second_provisioning_run_changes_nothing(runs):
    _sandbox, first, second = runs
    assert _recap_changed(first.section("provisioning the endpoint")) > 0
    assert _recap_changed(second.section("provisioning the endpoint")) == 0


def test_the_endpoint_trusts_the_gateway_and_lists_its_store(runs):
    sandbox, _first, _second = runs
    icaroot = sandbox / "icaroot"
    intermediate = subprocess.run(
        ["openssl", "x509", "-inform", "DER", "-in", str(sandbox / "pki" / "corp-issuing-ca1.der")],
        capture_output=True,
        check=True,
    ).stdout
    chain = sandbox / "intermediate.pem"
    chain.write_bytes(intermediate)
    verified = subprocess.run(
        [
            "openssl",
            "verify",
            "-CApath",
            str(icaroot / "keystore" / "cacerts"),
            "-untrusted",
            str(chain),
            str(sandbox / "pki" / "gateway.pem"),
        ],
        capture_output=True,
        text=True,
    )
    assert verified.returncode == 0, verified.stderr
    listing = subprocess.run(
        [str(icaroot / "util" / "storebrowse"), "-l"],
        env=dict(os.environ, HOME=str(sandbox / "home" / "root")),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert _gateways(sandbox)["healthy"]["store_url"] in listing


def test_the_smart_card_part_only_predicts_and_the_gateways_are_stopped(runs):
    sandbox, _first, second = runs
    smartcard = _checks(second)["role:icaclient_smartcard"]
    assert smartcard["status"] == "warn" and "not enforced" in smartcard["message"]
    notes = [f["note"] for c in smartcard["details"]["changes"] for f in c["files"] if f["note"]]
    predicted = re.search(r"will be installed: (.*?)(?: \d+ upgraded|$)", " ".join(notes))
    if predicted:  # packages this machine lacks: check mode must not have installed them
        for package in predicted.group(1).split():
            state = subprocess.run(
                ["dpkg-query", "-W", "-f=${Status}", package], capture_output=True, text=True
            ).stdout
            assert "install ok installed" not in state, f"{package} was installed by a check-mode run"
    assert not (sandbox / "gateways" / "gateways.pid").exists()
    for gateway in _gateways(sandbox).values():
        with socket.socket() as sock, pytest.raises(OSError):
            sock.settimeout(1)
            sock.connect(("127.0.0.1", gateway["port"]))


def test_compliance_collects_every_failure_then_fails_the_run(runs, tmp_path):
    """A broken endpoint, an unreachable one and the stopped gateways: all reported, then the run fails."""
    sandbox, _first, _second = runs
    inventory = tmp_path / "hosts.yml"
    settings = json.loads((sandbox / "sandbox-vars.json").read_text())
    inventory.write_text(
        json.dumps(
            {
                "icaclient_endpoints": {
                    "hosts": {
                        "sandbox-endpoint": settings,
                        "broken-endpoint": {
                            **settings,
                            "icaclient_icaroot": str(tmp_path / "no-client-here"),
                            "ansible_connection": "local",
                            "ansible_python_interpreter": "{{ ansible_playbook_python }}",
                        },
                        # Nothing listens on port 1: the host is unreachable from the first task on.
                        "unreachable-endpoint": {
                            **settings,
                            "ansible_connection": "ssh",
                            "ansible_host": "127.0.0.1",
                            "ansible_port": 1,
                        },
                    }
                }
            }
        )
    )
    report_dir = tmp_path / "report"
    proc = subprocess.run(
        [
            str(VENV_BIN / "ansible-playbook"),
            "-i",
            str(REPO / "inventories" / "sandbox" / "hosts.yml"),
            "-i",
            str(inventory),
            "-e",
            f"@{sandbox / 'demo-vars.json'}",
            "-e",
            json.dumps(
                {"icaclient_compliance_report_dir": str(report_dir), "icaclient_compliance_probe_timeout": 2}
            ),
            str(REPO / "playbooks" / "compliance.yml"),
        ],
        cwd=REPO,
        env=ansible_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    # 2: the run fails at its end, after the report; the unreachable host is in the report (the
    # play pings each host first and keeps one that does not answer, so it is not Ansible's 4).
    assert proc.returncode == 2, proc.stdout[-4000:]
    assert "check(s) failed on 3 host(s)" in proc.stdout
    report = json.loads((report_dir / "report.json").read_text())
    hosts = {entry["host"]: {c["id"]: c for c in entry["checks"]} for entry in report["hosts"]}
    assert set(hosts) == {"sandbox-endpoint", "broken-endpoint", "unreachable-endpoint"}
    unreachable = list(hosts.pop("unreachable-endpoint").values())
    assert [c["status"] for c in unreachable] == ["error"]
    assert "unreachable: Failed to connect to the host via ssh" in unreachable[0]["message"], unreachable
    broken = hosts["broken-endpoint"]
    assert broken["role:icaclient_config"]["status"] == "error"
    assert "is not a folder" in broken["role:icaclient_config"]["message"]
    assert broken["keystore"]["status"] == "error"
    assert broken["probe"]["status"] == "error" and "does not exist" in broken["probe"]["message"]
    endpoint = hosts["sandbox-endpoint"]
    assert endpoint["role:icaclient_keystore"]["status"] == "pass"
    for gateway in _gateways(sandbox).values():
        probe = endpoint[f"probe:{gateway['url']}"]
        assert (probe["status"], probe["client_error"]) == ("fail", "connect"), probe


def test_the_main_job_with_python_3_9_on_the_endpoint(tmp_path):
    """Every module of the main job (keystore, config, stores, the smart card check, the audit,
    the probes, the report) run by Python 3.9 on the endpoint, the oldest a managed host may have:
    the same verdicts, and the second provisioning changes nothing."""
    # A 3.9 virtual environment with requirements.txt.
    python = prepared_by_test_sh("ICACLIENT_MANAGED_PYTHON", "3.9", "the managed-host run needs one")
    version = subprocess.run(
        [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert version == "3.9"
    sandbox = tmp_path / "sandbox"
    interpreter = f"ansible_python_interpreter={python}"
    first = _main(sandbox, tmp_path / "run1", "-e", interpreter)
    assert first.rc == 0, first.out[-6000:]
    second = _main(sandbox, tmp_path / "run2", "-e", interpreter)
    assert second.rc == 0, second.out[-6000:]
    _assert_the_three_gateways_reported(sandbox, first, second)
    assert _recap_changed(first.section("provisioning the endpoint")) > 0
    assert _recap_changed(second.section("provisioning the endpoint")) == 0
