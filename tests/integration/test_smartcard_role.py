"""The icaclient_smartcard role converged for real inside a Debian bookworm root.

``scripts/debian_root.sh`` makes the root (debootstrap once, then a cached tarball);
Ansible reaches it through the collection's ``icaclient.linux.chroot`` connection. The
role runs four times: check mode on the fresh root (predicts changes, installs nothing),
for real (dpkg learns i386, the package lists are refreshed, pcscd and both
architectures of libpcsclite1 are installed, pcscd is started, the client's files are
edited), again (the play recap says changed=0) and in check mode again (nothing would
change). testinfra's native chroot backend and a PC/SC call from inside the root then
confirm the result independently.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import testinfra
from ansible_run import REPO, VENV_BIN, ansible_env
from debian_roots import ROOTS, restored_root

from ansible_collections.icaclient.linux.plugins.module_utils._ini.document import parse

pytestmark = pytest.mark.slow

PLAYBOOK = Path(__file__).resolve().parent / "playbooks" / "smartcard_role.yml"
STOCK_CONFIG = REPO / "tests" / "fixtures" / "icaroot" / "config"
ROOT = ROOTS / "smartcard-role-test"
ICAROOT = "/opt/Citrix/ICAClient"
PKCS11 = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"

AUTHMAN = """<?xml version="1.0" encoding="UTF-8"?>
<!-- AuthManConfig.xml stand-in for the smart card role test: the two keys the role edits,
     laid out as <key> followed by <value>, as the client's file holds them. -->
<plist version="1.0">
<dict>
  <key>PKCS11module</key>
  <value></value>
  <key>SmartCardRemovalAction</key>
  <value>noaction</value>
</dict>
</plist>
"""

# Asks pcscd inside the root for a PC/SC context and the reader list through the same
# library the client loads (SCARD_SCOPE_SYSTEM = 2; SCARDCONTEXT and LONG are C longs).
PCSC_PROBE = """
import ctypes
lib = ctypes.CDLL("libpcsclite.so.1")
lib.SCardEstablishContext.restype = ctypes.c_long
lib.SCardListReaders.restype = ctypes.c_long
context = ctypes.c_long()
rv = lib.SCardEstablishContext(2, None, None, ctypes.byref(context)) & 0xFFFFFFFF
size = ctypes.c_ulong()
listed = lib.SCardListReaders(context, None, None, ctypes.byref(size)) & 0xFFFFFFFF if rv == 0 else None
print(f"{rv:08X} {listed:08X}" if listed is not None else f"{rv:08X} -")
"""

EXTRA_VARS = {
    "icaclient_smartcard_icaroot": ICAROOT,
    "icaclient_smartcard_pcscd_service_manager": "sysvinit",
    "icaclient_smartcard_pkcs11_module": PKCS11,
    "icaclient_smartcard_removal_action": "forcelogoff",
}


@dataclass
class Run:
    rc: int
    stdout: str
    stderr: str
    seconds: float

    def recap(self) -> dict[str, int]:
        match = re.search(
            r"^\S+\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)",
            self.stdout,
            re.MULTILINE,
        )
        assert match, f"no play recap in the output:\n{self.stdout}\n{self.stderr}"
        return dict(zip(("ok", "changed", "unreachable", "failed"), map(int, match.groups())))

    @property
    def role_changed(self) -> bool:
        match = re.search(r"icaclient_smartcard_changed=(True|False)", self.stdout)
        assert match, f"the play did not report icaclient_smartcard_changed:\n{self.stdout}"
        return match.group(1) == "True"


@pytest.fixture(scope="module")
def debian_root(tmp_path_factory):
    with restored_root(ROOT.name):
        yield _prepared(tmp_path_factory)


def _prepared(tmp_path_factory) -> Path:
    config = ROOT / ICAROOT.lstrip("/") / "config"
    shutil.copytree(STOCK_CONFIG, config)
    (config / "AuthManConfig.xml").write_text(AUTHMAN)
    # A locked-down image may fix the channel off; the role must permit it again.
    regions = config / "All_Regions.ini"
    text = regions.read_text()
    assert "SmartCardAllowed=*" in text
    regions.write_text(text.replace("SmartCardAllowed=*", "SmartCardAllowed=false"))
    inventory = tmp_path_factory.mktemp("smartcard-inventory") / "hosts.yml"
    inventory.write_text(
        json.dumps(
            {
                "all": {
                    "hosts": {
                        "bookworm-root": {
                            "ansible_host": str(ROOT),
                            "ansible_connection": "icaclient.linux.chroot",
                            "ansible_python_interpreter": "/usr/bin/python3",
                        }
                    }
                }
            }
        )
    )
    return inventory


def converge(inventory: Path, *, check: bool = False) -> Run:
    cmd = [
        str(VENV_BIN / "ansible-playbook"),
        "-i",
        str(inventory),
        str(PLAYBOOK),
        "-e",
        json.dumps(EXTRA_VARS),
    ]
    if check:
        cmd.append("--check")
    start = time.monotonic()
    proc = subprocess.run(
        cmd, cwd=REPO, env=ansible_env(), capture_output=True, text=True, check=False, timeout=1200
    )
    run = Run(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start)
    print(f"{'check' if check else 'converge'}: {run.seconds:.1f} s, recap {run.recap()}")
    return run


@pytest.fixture(scope="module")
def runs(debian_root):
    """The four runs, in order, each asserted to have finished without failure."""
    results = {}
    for name, check in (("check", True), ("converge", False), ("again", False), ("check_again", True)):
        if name == "converge":
            host = testinfra.get_host(str(ROOT), connection="chroot")
            # Check mode installed nothing and left dpkg alone.
            assert not host.package("pcscd").is_installed
            assert host.check_output("dpkg --print-foreign-architectures") == ""
        run = converge(debian_root, check=check)
        recap = run.recap()
        assert run.rc == 0 and recap["failed"] == 0 and recap["unreachable"] == 0, run.stdout + run.stderr
        results[name] = run
    return results


@pytest.fixture(scope="module")
def host(runs):
    return testinfra.get_host(str(ROOT), connection="chroot")


def test_check_mode_on_the_fresh_root_predicts_changes(runs):
    assert runs["check"].role_changed is True
    assert runs["check"].recap()["changed"] > 0


def test_first_run_changes_and_says_so(runs):
    assert runs["converge"].role_changed is True
    assert runs["converge"].recap()["changed"] > 0


def test_second_run_changes_nothing(runs):
    assert runs["again"].recap()["changed"] == 0, runs["again"].stdout
    assert runs["again"].role_changed is False


def test_check_mode_after_converge_predicts_nothing(runs):
    assert runs["check_again"].recap()["changed"] == 0, runs["check_again"].stdout
    assert runs["check_again"].role_changed is False


def test_both_architectures_of_libpcsclite_through_multiarch(host):
    assert host.check_output("dpkg --print-foreign-architectures") == "i386"
    # A package installed for two architectures answers only by its qualified name.
    assert host.package("libpcsclite1:amd64").is_installed
    assert host.package("libpcsclite1:i386").is_installed
    assert host.package("libpcsclite1:amd64").version == host.package("libpcsclite1:i386").version
    for name in ("pcscd", "libccid", "opensc", "opensc-pkcs11"):
        assert host.package(name).is_installed, name
    # Only on request.
    assert not host.package("pcsc-tools").is_installed
    assert not host.package("libpcsclite-dev").is_installed


def test_the_dynamic_linker_resolves_the_configured_library_for_both_word_sizes(host):
    cache = host.check_output("ldconfig -p")
    assert re.search(r"libpcsclite\.so\.1 \(libc6,x86-64\) => \S+", cache)
    assert re.search(r"libpcsclite\.so\.1 \(libc6\) => \S+i386\S+", cache)


def test_pcscd_runs_inside_the_root_and_answers(host):
    pid_text = host.file("/run/pcscd/pcscd.pid").content  # bytes; pcscd ends the file with NUL
    pid = int(pid_text.rstrip(b"\0\n").strip())
    assert Path(f"/proc/{pid}/comm").read_text().strip() == "pcscd"
    assert os.readlink(f"/proc/{pid}/root") == str(ROOT)
    answer = host.check_output("python3 -c %s", PCSC_PROBE)
    # SCARD_S_SUCCESS for the context, then "no readers available" (0x8010002E): pcscd
    # answered; there is simply no reader in the root.
    assert answer == "00000000 8010002E"


def _ini(host, path: str):
    return parse(host.file(path).content, source=path)


def test_module_ini_allows_smart_cards_with_a_library_that_exists(host):
    module_ini = _ini(host, f"{ICAROOT}/config/module.ini")
    assert module_ini.get("SmartCard", "SmartCardAllowed") == "True"
    assert module_ini.get("SmartCard", "PCSCLibraryName") == "libpcsclite.so.1"
    assert module_ini.get("ICA 3.0", "SmartCard") == "On"
    assert module_ini.get("WFClient", "DisableCtrlAltDel") == "Off"
    # Keys the role does not own are left as they were.
    assert module_ini.get("SmartCard", "DriverName") == "VDSCARD.DLL"


def test_wfclient_ini_passes_ctrl_alt_del(host):
    assert _ini(host, f"{ICAROOT}/config/wfclient.ini").get("WFClient", "DisableCtrlAltDel") == "Off"


def test_all_regions_permits_the_smart_card_channel(host):
    regions = _ini(host, f"{ICAROOT}/config/All_Regions.ini")
    assert regions.get("Virtual Channels\\Smartcard", "SmartCardAllowed") == "*"


def test_authman_config_names_the_pkcs11_module_and_removal_action(host):
    text = host.file(f"{ICAROOT}/config/AuthManConfig.xml").content_string
    assert f"<key>PKCS11module</key>\n  <value>{PKCS11}</value>" in text
    assert "<key>SmartCardRemovalAction</key>\n  <value>forcelogoff</value>" in text
    assert host.file(PKCS11).exists
