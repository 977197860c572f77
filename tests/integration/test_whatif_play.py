"""playbooks/whatif.yml for real: two endpoints and one that does not answer, real TLS servers.

The proposal (TLS 1.3 only, the untrusted server's root added) breaks the TLS 1.2-only server
(47) and fixes the untrusted one (61); removing the keystore's root breaks the trusted one. A
snapshot of each endpoint's ICAROOT and ~/.ICAClient (names, modes, bytes, mtimes, link targets)
taken before and after shows that nothing on the endpoints changed.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import ansible_run
from helpers import snapshot
from integration.peers import TestPki

ENDPOINTS = ("thin-01", "thin-02")


def _endpoints(tmp_path: Path, keystore: Path) -> tuple[Path, list[Path]]:
    """Two local endpoints (own ICAROOT and home, MinimumTLS=1.2) and one on a closed ssh port."""
    hosts = []
    watched = []
    for name in ENDPOINTS:
        icaroot = tmp_path / name / "icaroot"
        home = tmp_path / name / "home"
        shutil.copytree(keystore, icaroot / "keystore", symlinks=True)
        (icaroot / "config").mkdir(parents=True)
        (icaroot / "config" / "wfclient.ini").write_text("[WFClient]\nMinimumTLS=1.2\nMaximumTLS=1.2\n")
        (home / ".ICAClient").mkdir(parents=True)
        (home / ".ICAClient" / "wfclient.ini").write_text("[WFClient]\nSSLCiphers=ALL\n")
        watched += [icaroot, home / ".ICAClient"]
        hosts.append(
            f"        {name}:\n          ansible_connection: local\n          ansible_python_interpreter: {sys.executable}\n"
            f"          icaclient_icaroot: {icaroot}\n          icaclient_compliance_probe_home: {home}\n"
        )
    hosts.append(
        "        thin-03:\n          ansible_connection: ssh\n          ansible_host: 127.0.0.1\n          ansible_port: 9\n"
    )
    inventory = tmp_path / "hosts.yml"
    inventory.write_text("all:\n  children:\n    icaclient_endpoints:\n      hosts:\n" + "".join(hosts))
    return inventory, watched


def _whatif(inventory: Path, variables: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            str(ansible_run.VENV_BIN / "ansible-playbook"),
            str(ansible_run.REPO / "playbooks" / "whatif.yml"),
            "-i",
            str(inventory),
            "-e",
            json.dumps(variables),
        ],
        cwd=ansible_run.REPO,
        env=ansible_run.ansible_env({"ANSIBLE_HOST_KEY_CHECKING": "False", "ANSIBLE_TIMEOUT": "5"}),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_whatif_finds_what_breaks_and_what_is_fixed_without_changing_the_endpoints(
    probe_servers: dict, probe_keystore: Path, probe_pki: TestPki, tmp_path: Path
) -> None:
    inventory, watched = _endpoints(tmp_path, probe_keystore)
    trusted, only12, untrusted = (
        f"https://localhost:{probe_servers[name].port}" for name in ("trusted", "v1.2", "untrusted")
    )
    rogue = tmp_path / "proposed-root.pem"
    rogue.write_bytes(probe_pki.other_root.pem)
    before = snapshot(*watched, include_roots=True)
    report_dir = tmp_path / "whatif"
    proc = _whatif(
        inventory,
        {
            "icaclient_compliance_targets": [trusted, only12, untrusted],
            "icaclient_compliance_probe_timeout": 2,
            "icaclient_whatif_report_dir": str(report_dir),
            "icaclient_whatif_proposed": {
                "min_tls": "1.3",
                "max_tls": "1.3",
                "add_certificates": [str(rogue)],
            },
        },
    )
    assert proc.returncode != 0, proc.stdout[-3000:]  # a proposal that breaks a target fails the run
    assert "the proposal would break 2 target(s) on 2 host(s)" in proc.stdout, proc.stdout[-3000:]
    assert snapshot(*watched, include_roots=True) == before

    report = json.loads((report_dir / "whatif.json").read_text())
    assert report["summary"]["hosts"] == 3
    assert (report["summary"]["hosts_breaking"], report["summary"]["hosts_not_compared"]) == (2, 1)
    assert report["proposed"] == {"min_tls": "1.3", "max_tls": "1.3", "add_certificates": [str(rogue)]}
    groups = {(group["change"], group["target"]): group for group in report["changes"]}
    breaks = groups[("breaks", only12)]
    assert (breaks["before"], breaks["after"], breaks["hosts"]) == (None, 47, list(ENDPOINTS))
    fixes = groups[("fixes", untrusted)]
    assert (fixes["before"], fixes["after"], fixes["hosts"]) == (61, None, list(ENDPOINTS))
    assert set(groups) == {("breaks", only12), ("fixes", untrusted)}  # the trusted server passes both ways
    unreachable = next(entry for entry in report["hosts"] if entry["host"] == "thin-03")
    assert unreachable["status"] == "unreachable" and "port 9" in unreachable["error"]
    page = (report_dir / "whatif.html").read_text()
    assert "hosts would break" in page and "<script" not in page
    assert "BREAKS " + only12 in (report_dir / "whatif.txt").read_text()


def test_whatif_removing_the_keystore_root_breaks_the_trusted_gateway(
    probe_servers: dict, probe_keystore: Path, probe_pki: TestPki, tmp_path: Path
) -> None:
    inventory, watched = _endpoints(tmp_path, probe_keystore)
    trusted = f"https://localhost:{probe_servers['trusted'].port}"
    old_root = tmp_path / "old-root.pem"
    old_root.write_bytes(probe_pki.root.pem)
    before = snapshot(*watched, include_roots=True)
    report_dir = tmp_path / "whatif"
    proc = _whatif(
        inventory,
        {
            "icaclient_compliance_targets": [trusted],
            "icaclient_compliance_probe_timeout": 2,
            "icaclient_whatif_report_dir": str(report_dir),
            "icaclient_whatif_fail": False,
            # a file on the controller and the same certificate's fingerprint: either names it
            "icaclient_whatif_proposed": {"remove_certificates": [str(old_root), probe_pki.root.fingerprint]},
        },
    )
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert snapshot(*watched, include_roots=True) == before
    report = json.loads((report_dir / "whatif.json").read_text())
    [group] = report["changes"]
    assert (group["change"], group["target"], group["hosts"]) == ("breaks", trusted, list(ENDPOINTS))
    assert group["after"] in (61, 62) and "ICA Test Root" in group["cause"]
