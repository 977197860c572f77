"""icaclient.linux.pcsc_info against a real pcscd on this machine with Debian's virtual reader.

The tests start and stop pcscd (``pcscd --foreground``) and the ``vicc`` card emulator
themselves: vsmartcard's ``vpcd`` driver gives pcscd two readers, "Virtual PCD 00 00" and
"00 01", and ``vicc -t iso7816`` puts a card with the ATR ``3B 95 13 81 01 80 73 FF 01 00 0B``
into the first. A missing component FAILS the tests, naming the package to install.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ansible_run import run_module

from ansible_collections.icaclient.linux.plugins.module_utils._pcsc import query_pcscd

VICC_ATR = "3B 95 13 81 01 80 73 FF 01 00 0B"
READER_WITH_CARD = "Virtual PCD 00 00"
SECOND_READER = "Virtual PCD 00 01"
PID_FILE = Path("/run/pcscd/pcscd.pid")
SOCKET = Path("/run/pcscd/pcscd.comm")
VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
VICC = Path("/usr/bin/vicc")
# Debian's python3-virtualsmartcard installs its package one level too deep.
VICC_PYTHONPATH = Path("/usr/lib/python3/site-packages/virtualsmartcard")


def _missing_components() -> list[str]:
    missing = []
    if not shutil.which("pcscd") and not Path("/usr/sbin/pcscd").exists():
        missing.append("pcscd (apt: pcscd)")
    if not VPCD_DRIVER.exists():
        missing.append(f"{VPCD_DRIVER} (apt: vsmartcard-vpcd)")
    if not VICC.exists():
        missing.append(f"{VICC} (apt: vsmartcard-vpicc)")
    if not (VICC_PYTHONPATH / "virtualsmartcard").is_dir():
        missing.append(f"{VICC_PYTHONPATH}/virtualsmartcard (apt: python3-virtualsmartcard)")
    if importlib.util.find_spec("smartcard") is None:
        missing.append(
            "pyscard in the test virtualenv (pip: pyscard; builds with apt libpcsclite-dev and swig)"
        )
    if importlib.util.find_spec("Crypto") is None:
        missing.append("the Crypto package vicc imports (pip: pycryptodome)")
    return missing


def _running_pcscd_pid() -> int | None:
    try:
        pid = int(PID_FILE.read_bytes().rstrip(b"\0\n").strip() or b"0")
    except (FileNotFoundError, ValueError):
        return None
    try:
        comm = Path(f"/proc/{pid}/comm").read_text().strip()
    except FileNotFoundError:
        return None
    return pid if comm == "pcscd" else None


def _wait(condition, what: str, timeout: float = 30.0, logs: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    tail = ""
    if logs is not None:
        for name in ("pcscd.log", "vicc.log"):
            if (logs / name).exists():
                tail += f"\n--- {name} (end) ---\n" + "\n".join((logs / name).read_text().splitlines()[-20:])
    raise AssertionError(f"timed out after {timeout} s waiting for {what}{tail}")


class PcscLab:
    """The host's pcscd and the vicc card, started and stopped by the tests (by their own PIDs)."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.pcscd: subprocess.Popen | None = None
        self.vicc: subprocess.Popen | None = None

    def _state(self):
        from smartcard import scard

        return query_pcscd(scard)

    def start_pcscd(self) -> None:
        if self.pcscd is not None and self.pcscd.poll() is None:
            return
        self.pcscd = subprocess.Popen(
            ["pcscd", "--foreground"],
            stdout=(self.logs / "pcscd.log").open("ab"),
            stderr=subprocess.STDOUT,
        )
        _wait(
            lambda: SOCKET.exists() and self._state().running, "pcscd to accept PC/SC clients", logs=self.logs
        )
        _wait(lambda: len(self._state().readers) == 2, "pcscd to load the vpcd readers", logs=self.logs)

    def stop_pcscd(self) -> None:
        self.stop_card()
        if self.pcscd is not None and self.pcscd.poll() is None:
            self.pcscd.send_signal(signal.SIGTERM)
            self.pcscd.wait(timeout=15)
        self.pcscd = None
        _wait(lambda: not SOCKET.exists(), "pcscd to remove its socket")

    def insert_card(self) -> None:
        self.start_pcscd()
        if self.vicc is not None and self.vicc.poll() is None:
            return
        env = dict(os.environ, PYTHONPATH=str(VICC_PYTHONPATH))
        self.vicc = subprocess.Popen(
            [sys.executable, str(VICC), "-t", "iso7816", "-H", "127.0.0.1"],
            env=env,
            stdout=(self.logs / "vicc.log").open("ab"),
            stderr=subprocess.STDOUT,
        )

        def card_in() -> bool:
            if self.vicc.poll() is not None:
                raise AssertionError(
                    f"vicc exited with {self.vicc.returncode}: {(self.logs / 'vicc.log').read_text()}"
                )
            return any(reader.card_present for reader in self._state().readers)

        _wait(card_in, "the vicc card in the virtual reader", logs=self.logs)

    def stop_card(self) -> None:
        if self.vicc is not None and self.vicc.poll() is None:
            self.vicc.terminate()
            self.vicc.wait(timeout=15)
        self.vicc = None
        if self.pcscd is not None and self.pcscd.poll() is None:
            _wait(
                lambda: not any(r.card_present for r in self._state().readers), "the card to leave the reader"
            )


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    missing = _missing_components()
    if missing:
        pytest.fail("the virtual smart card test bed is incomplete; install: " + "; ".join(missing))
    foreign = _running_pcscd_pid()
    if foreign is None and SOCKET.exists():
        pytest.fail(
            f"{SOCKET} exists but no pcscd runs: systemd's pcscd.socket probably holds it; stop it first "
            "(systemctl stop pcscd.socket): the tests must stop and start pcscd"
        )
    if foreign is not None:
        pytest.fail(
            f"a pcscd this test did not start is running (PID {foreign}); stop it first "
            "(systemctl stop pcscd.socket pcscd, or /etc/init.d/pcscd stop): the tests must stop and start pcscd"
        )
    lab = PcscLab(tmp_path_factory.mktemp("pcsc-lab"))
    try:
        yield lab
    finally:
        lab.stop_pcscd()


@pytest.fixture
def icaroot(tmp_path) -> Path:
    """A sandbox ICAROOT whose module.ini names the versioned library."""
    root = tmp_path / "icaroot"
    (root / "config").mkdir(parents=True)
    (root / "config" / "module.ini").write_text(
        "[ICA 3.0]\nSmartCard=On\n\n[SmartCard]\nDriverName=VDSCARD.DLL\nPCSCLibraryName=libpcsclite.so.1\n"
    )
    return root


def _ldconfig_bits(name: str) -> set[int]:
    """The word sizes ``ldconfig -p`` lists for ``name`` (an independent reading of the cache)."""
    out = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=True).stdout
    bits = set()
    for match in re.finditer(rf"^\s+{re.escape(name)} \(([^)]*)\) =>", out, re.MULTILINE):
        bits.add(64 if "64" in match.group(1) else 32)
    return bits


def test_readers_and_the_card_atr(lab, icaroot):
    lab.insert_card()
    result = run_module("pcsc_info", {"icaroot": str(icaroot)})
    assert not result["failed"], result
    assert result["changed"] is False
    assert result["pcscd"]["running"] is True
    readers = {reader["name"]: reader for reader in result["readers"]}
    assert set(readers) == {READER_WITH_CARD, SECOND_READER}
    assert readers[READER_WITH_CARD]["card_present"] is True
    assert readers[READER_WITH_CARD]["atr"] == VICC_ATR
    assert "present" in readers[READER_WITH_CARD]["state"]
    assert readers[SECOND_READER]["card_present"] is False
    assert readers[SECOND_READER]["atr"] is None
    assert "1 card(s) present" in result["pcscd"]["message"]


def test_check_mode_reports_the_same_and_changes_nothing(lab, icaroot):
    lab.insert_card()
    before = (icaroot / "config" / "module.ini").read_bytes()
    result = run_module("pcsc_info", {"icaroot": str(icaroot)}, check=True)
    assert not result["failed"], result
    assert result["changed"] is False
    assert [r["atr"] for r in result["readers"] if r["card_present"]] == [VICC_ATR]
    assert (icaroot / "config" / "module.ini").read_bytes() == before


def test_a_removed_card_leaves_an_empty_reader(lab, icaroot):
    lab.insert_card()
    lab.stop_card()
    result = run_module("pcsc_info", {"icaroot": str(icaroot)})
    assert not result["failed"], result
    assert result["pcscd"]["running"] is True
    assert [r["card_present"] for r in result["readers"]] == [False, False]
    assert all("empty" in r["state"] for r in result["readers"])


def test_pcscd_stopped_is_a_clear_result_not_a_crash(lab, icaroot):
    lab.start_pcscd()
    lab.stop_pcscd()
    result = run_module("pcsc_info", {"icaroot": str(icaroot)})
    assert not result["failed"], result
    assert result["pcscd"]["running"] is False
    assert result["pcscd"]["message"].startswith("pcscd is not running")
    assert result["pcscd"]["error_code"] == "0x8010001D"
    assert result["readers"] == []
    assert result["problems"][0] == result["pcscd"]["message"]
    # The rest of the report still comes: packages and libraries do not need pcscd.
    assert "libpcsclite1" in {p["name"] for p in result["libpcsclite_packages"]}


def test_library_named_in_module_ini_is_found_for_the_host_word_size(lab, icaroot):
    result = run_module("pcsc_info", {"icaroot": str(icaroot), "query_pcscd": False, "required_bits": [64]})
    assert not result["failed"], result
    library = result["pcsc_library"]
    assert library["name"] == "libpcsclite.so.1"
    assert library["source"] == f"{icaroot}/config/module.ini [SmartCard] PCSCLibraryName"
    assert set(library["bits"]) == _ldconfig_bits("libpcsclite.so.1")
    assert library["found"] is True
    assert all(Path(entry["path"]).exists() for entry in library["paths"])
    assert result["pcscd"] is None


def test_a_missing_32bit_library_is_reported_with_the_fix(lab, icaroot):
    has_32 = 32 in _ldconfig_bits("libpcsclite.so.1")
    result = run_module(
        "pcsc_info", {"icaroot": str(icaroot), "query_pcscd": False, "required_bits": [64, 32]}
    )
    assert not result["failed"], result
    assert result["required_bits"] == [64, 32]
    assert result["pcsc_library"]["found"] is has_32
    if not has_32:
        assert "i386" not in result["libpcsclite_architectures"]
        assert "no 32-bit libpcsclite package is installed" in result["problems"]
        assert any(
            "no 32-bit libpcsclite.so.1 exists" in p and "libpcsclite1:i386" in p for p in result["problems"]
        )


def test_client_default_library_without_module_ini(lab, tmp_path):
    result = run_module(
        "pcsc_info", {"icaroot": str(tmp_path / "not-installed"), "query_pcscd": False, "required_bits": [64]}
    )
    assert not result["failed"], result
    assert result["pcsc_library"]["name"] == "libpcsclite.so"
    assert result["pcsc_library"]["source"].startswith("client default, no ")
    # libpcsclite-dev (needed to build pyscard) provides the unversioned link on this machine.
    assert result["pcsc_library"]["found"] is (64 in _ldconfig_bits("libpcsclite.so"))
    assert result["suggested_library"] == "libpcsclite.so"


@pytest.fixture(scope="module")
def bare_python(tmp_path_factory) -> Path:
    """A Python with the standard library only: what a managed host without pyscard has."""
    target = tmp_path_factory.mktemp("bare-venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(target)], check=True)
    python = target / "bin" / "python"
    probe = subprocess.run([str(python), "-c", "import smartcard"], capture_output=True, check=False)
    assert probe.returncode != 0, "the bare virtualenv must not see pyscard"
    return python


def test_without_pyscard_the_module_names_the_missing_library(lab, icaroot, bare_python):
    result = run_module("pcsc_info", {"icaroot": str(icaroot)}, python=bare_python, expect_failure=True)
    assert result["failed"] is True
    assert "pyscard" in result["msg"]
    assert "Failed to import the required Python library" in result["msg"]


def test_without_pyscard_packages_and_libraries_are_still_reported(lab, icaroot, bare_python):
    result = run_module("pcsc_info", {"icaroot": str(icaroot), "query_pcscd": False}, python=bare_python)
    assert not result["failed"], result
    assert result["pcscd"] is None
    dpkg = subprocess.run(
        ["dpkg-query", "-W", "-f", "${Architecture} ${db:Status-Status}\n", "libpcsclite1:*"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    installed = sorted(line.split()[0] for line in dpkg.splitlines() if line.endswith(" installed"))
    assert installed, "libpcsclite1 must be installed on the test machine"
    assert result["libpcsclite_architectures"] == installed
    assert result["pcsc_library"]["name"] == "libpcsclite.so.1"
