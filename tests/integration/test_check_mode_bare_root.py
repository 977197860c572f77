"""Check mode on a bare host: every role predicts, none fails, nothing changes.

A fresh Debian bookworm root (``scripts/debian_root.sh``: debootstrap minbase, no pcscd, no
libpcsclite, no systemd, no python3-apt) holds a client that was installed and never configured: the sandbox
ICAROOT (``scripts/make_sandbox.py``) at ``/srv/sandbox``. Ansible reaches it through the
collection's ``icaclient.linux.chroot`` connection, as in a fleet.

Each role runs in a play made check mode by its ``check_mode`` keyword, which is how
``compliance.yml`` and ``site.yml``'s smart card play run them (``ansible_check_mode`` is false
there: it reflects ``--check`` only). The smart card role runs with each way of starting pcscd
(auto, systemd, sysvinit), none of which finds pcscd on the bare root. Then ``compliance.yml``
itself checks the root. Every run must finish without a failed task, predict the changes a
real run would make (named: the packages, the service, the files) and leave every file of the
root as it was.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ansible_run import REPO, VENV_BIN, ansible_env
from debian_roots import ROOTS, restored_root
from helpers import snapshot

pytestmark = pytest.mark.slow

PLAYBOOK = Path(__file__).resolve().parent / "playbooks" / "check_mode_role.yml"
ROOT = ROOTS / "bare-check-mode-test"
SANDBOX = "/srv/sandbox"
# What a run may change on the endpoint: Ansible's own temporary files, the kernel's views, and
# apt's caches and log (a simulated install rebuilds pkgcache.bin and logs the solution).
VOLATILE = ("proc", "sys", "dev", "run", "tmp", "root/.ansible", "var/tmp", "var/cache/apt", "var/log/apt")


@pytest.fixture(scope="module")
def bare_root(tmp_path_factory):
    with restored_root(ROOT.name):
        yield _inventory(tmp_path_factory)


def _inventory(tmp_path_factory) -> Path:
    # A bare endpoint lacks python3-apt, which Ansible's apt module needs in check mode.
    purged = subprocess.run(
        ["chroot", str(ROOT), "dpkg", "--purge", "python3-apt"], capture_output=True, text=True
    )
    assert purged.returncode == 0, purged.stderr
    built = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "make_sandbox.py"), str(ROOT / SANDBOX.lstrip("/"))],
        capture_output=True,
        text=True,
    )
    assert built.returncode == 0, built.stderr
    # The inventory a fleet would have: the sandbox's group settings, one endpoint reached
    # through chroot, its paths inside the root.
    inventory = tmp_path_factory.mktemp("bare-root-inventory")
    shutil.copytree(REPO / "inventories" / "sandbox" / "group_vars", inventory / "group_vars")
    (inventory / "hosts.yml").write_text(
        json.dumps(
            {
                "icaclient_endpoints": {
                    "hosts": {
                        "bare-root": {
                            "ansible_host": str(ROOT),
                            "ansible_connection": "icaclient.linux.chroot",
                            "ansible_python_interpreter": "/usr/bin/python3",
                            "icaclient_icaroot": f"{SANDBOX}/icaroot",
                            "icaclient_sandbox_pki": f"{SANDBOX}/pki",
                            "icaclient_sandbox_home": f"{SANDBOX}/home/root",
                            # As site.yml passes them to the roles that take their own.
                            "icaclient_keystore_icaroot": "{{ icaclient_icaroot }}",
                            "icaclient_smartcard_icaroot": "{{ icaclient_icaroot }}",
                            # The smart card role would install packages: enforced, so that
                            # compliance.yml reports what it would change as a failure.
                            "icaclient_smartcard_enforce": True,
                        }
                    }
                }
            }
        )
    )
    return inventory / "hosts.yml"


def _playbook(inventory: Path, playbook: Path, extra: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(VENV_BIN / "ansible-playbook"), "-i", str(inventory), str(playbook), "-e", json.dumps(extra)],
        cwd=REPO,
        env=ansible_env({"ANSIBLE_CALLBACK_RESULT_FORMAT": "json"}),
        capture_output=True,
        text=True,
        timeout=1200,
    )


def _recap(proc: subprocess.CompletedProcess) -> dict[str, int]:
    match = re.search(
        r"^bare-root\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", proc.stdout, re.M
    )
    assert match, f"no play recap:\n{proc.stdout[-4000:]}\n{proc.stderr[-2000:]}"
    return dict(zip(("ok", "changed", "unreachable", "failed"), map(int, match.groups())))


def _predict(inventory: Path, role: str, **extra) -> tuple[subprocess.CompletedProcess, dict]:
    before = snapshot(ROOT, skip=VOLATILE, folder_times=False)
    proc = _playbook(inventory, PLAYBOOK, {"role_under_test": role, **extra})
    recap = _recap(proc)
    assert proc.returncode == 0 and recap["failed"] == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    after = snapshot(ROOT, skip=VOLATILE, folder_times=False)
    changed = sorted(set(before.items()) ^ set(after.items()))
    assert not changed, f"check mode of {role} changed the root: {changed[:10]}"
    predicted = json.loads(
        re.search(r'"msg": "predicted=(\{.*?\})"', proc.stdout).group(1).replace('\\"', '"')
    )
    return proc, predicted


@pytest.mark.parametrize("manager", ["auto", "systemd", "sysvinit"])
def test_the_smart_card_role_predicts_packages_service_and_client_files(bare_root, manager):
    proc, predicted = _predict(
        bare_root, "icaclient_smartcard", icaclient_smartcard_pcscd_service_manager=manager
    )
    assert predicted["smartcard"] is True
    out = proc.stdout
    # The packages apt would install, both word sizes of the library among them.
    for package in ("pcscd", "libpcsclite1", "libccid", "opensc"):
        assert re.search(rf"\b{package}\b", out), f"{package} not predicted"
    # The service: the socket unit where systemd would run it, the init script otherwise.
    if manager == "systemd":
        assert "pcscd.socket would be enabled and started" in out
    else:
        assert "pcscd would be started and enabled at boot" in out
    # The client's files: module.ini gains the smart card settings (diff shown).
    assert "SmartCardAllowed" in out and "module.ini" in out
    assert "Could not find the requested service" not in out


def test_the_keystore_role_predicts_both_certificates(bare_root):
    proc, predicted = _predict(bare_root, "icaclient_keystore")
    assert predicted["keystore"] is True
    # The bare root lacks the library the keystore modules read certificates with: its install
    # and the certificates that would follow are predicted.
    assert re.search(r"python3-cryptography", proc.stdout)
    for name, src in (
        ("sandbox-corp-root", "corp-root.pem"),
        ("sandbox-corp-issuing-ca1", "corp-issuing-ca1.der"),
    ):
        assert f"{name} from {SANDBOX}/pki/{src}" in proc.stdout


def test_the_config_role_predicts_the_tls_window_and_proxy(bare_root):
    proc, predicted = _predict(bare_root, "icaclient_config")
    assert predicted["config"] is True
    assert "MinimumTLS" in proc.stdout and "ProxyType" in proc.stdout


def test_the_stores_role_predicts_nothing_without_stores_and_does_not_fail(bare_root):
    _proc, predicted = _predict(bare_root, "icaclient_stores")
    assert predicted["stores"] is False


def test_compliance_on_the_bare_root_reports_every_role_as_would_change(bare_root, tmp_path):
    before = snapshot(ROOT, skip=VOLATILE, folder_times=False)
    proc = _playbook(
        bare_root,
        REPO / "playbooks" / "compliance.yml",
        {"icaclient_compliance_report_dir": str(tmp_path / "report"), "icaclient_compliance_fail": False},
    )
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    assert not sorted(set(before.items()) ^ set(snapshot(ROOT, skip=VOLATILE, folder_times=False).items()))
    report = json.loads((tmp_path / "report" / "report.json").read_text())
    (host,) = report["hosts"]
    roles = {c["id"]: c for c in host["checks"] if c["id"].startswith("role:")}
    # Predicted changes, not errors: every role ran to its end in check mode.
    for role in ("icaclient_keystore", "icaclient_config", "icaclient_smartcard"):
        assert roles[f"role:{role}"]["status"] == "fail", roles[f"role:{role}"]
        assert "would change" in roles[f"role:{role}"]["message"], roles[f"role:{role}"]
    assert roles["role:icaclient_stores"]["status"] == "pass", roles["role:icaclient_stores"]


def test_the_keystore_role_for_real_installs_its_library_then_adds_the_certificates(bare_root):
    """What check mode predicted happens: python3-cryptography is installed, then the role runs."""
    playbook = REPO / "tests" / "integration" / "playbooks" / "keystore_role.yml"
    proc = subprocess.run(
        [str(VENV_BIN / "ansible-playbook"), "-i", str(bare_root), "-l", "bare-root", str(playbook)],
        cwd=REPO,
        env=ansible_env(),
        capture_output=True,
        text=True,
        timeout=1200,
    )
    recap = _recap(proc)
    assert proc.returncode == 0 and recap["failed"] == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    dpkg = subprocess.run(
        ["chroot", str(ROOT), "dpkg-query", "-W", "-f=${Status}", "python3-cryptography"],
        capture_output=True,
        text=True,
    )
    assert dpkg.stdout == "install ok installed", dpkg
    cacerts = ROOT / SANDBOX.lstrip("/") / "icaroot" / "keystore" / "cacerts"
    assert (cacerts / "sandbox-corp-root.pem").is_file()
    links = [p for p in cacerts.iterdir() if re.fullmatch(r"[0-9a-f]{8}\.0", p.name)]
    assert [os.readlink(p) for p in links] == ["sandbox-corp-root.pem"]
