"""Pure parts of the PC/SC facts: package, ldconfig and module.ini parsing, problems, pcscd answers."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ansible_collections.icaclient.linux.plugins.module_utils import _pcsc
from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError
from ansible_collections.icaclient.linux.plugins.module_utils._pcsc import (
    LibraryPath,
    PackageInstance,
    PcscdState,
    Reader,
)
from ansible_collections.icaclient.linux.plugins.module_utils._runner import CommandResult

DPKG_BOTH = (
    "libpcsclite1\tamd64\t1.9.9-2\tinstalled\n"
    "libpcsclite1\ti386\t1.9.9-2\tinstalled\n"
    "libpcsclite-dev\tamd64\t1.9.9-2\tinstalled\n"
)

LDCONFIG = """3 libs found in cache `/etc/ld.so.cache'
\tlibpcsclite.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libpcsclite.so.1
\tlibpcsclite.so.1 (libc6) => /lib/i386-linux-gnu/libpcsclite.so.1
\tlibpcsclite.so (libc6,x86-64) => /lib/x86_64-linux-gnu/libpcsclite.so
\tlibpcscspy.so.0 (libc6,x86-64) => /lib/x86_64-linux-gnu/libpcscspy.so.0
\tlibc.so.6 (libc6,x86-64, OS ABI: Linux 3.2.0) => /lib/x86_64-linux-gnu/libc.so.6
"""


@pytest.mark.parametrize(
    ("atr", "text"),
    [
        (
            [0x3B, 0x95, 0x13, 0x81, 0x01, 0x80, 0x73, 0xFF, 0x01, 0x00, 0x0B],
            "3B 95 13 81 01 80 73 FF 01 00 0B",
        ),
        ([], ""),
        ([0x00, 0xFF], "00 FF"),
    ],
)
def test_format_atr(atr, text):
    assert _pcsc.format_atr(atr) == text


@pytest.mark.parametrize(
    ("flags", "names"),
    [
        (0x0010, ["empty"]),
        (0x0022, ["changed", "present"]),
        (0x0122, ["changed", "present", "inuse"]),
        # pcsc-lite counts card events in the upper 16 bits: not a state.
        (0x00030022, ["changed", "present"]),
        (0x0000, []),
    ],
)
def test_decode_state(flags, names):
    assert _pcsc.decode_state(flags) == names


@pytest.mark.parametrize(
    ("code", "text"),
    [(0x8010001D, "0x8010001D"), (-2146435043, "0x8010001D"), (0, "0x00000000")],
)
def test_hex_code_is_unsigned(code, text):
    assert _pcsc.hex_code(code) == text


def test_parse_dpkg_query_both_architectures():
    found = _pcsc.parse_dpkg_query(DPKG_BOTH)
    assert [(p.name, p.arch, p.bits, p.runtime) for p in found] == [
        ("libpcsclite1", "amd64", 64, True),
        ("libpcsclite1", "i386", 32, True),
        ("libpcsclite-dev", "amd64", 64, False),
    ]
    assert _pcsc.runtime_architectures(found) == ["amd64", "i386"]


def test_parse_dpkg_query_ignores_packages_that_are_not_installed():
    text = "libpcsclite1\ti386\t1.9.9-2\tconfig-files\nlibpcsclite1\tamd64\t1.9.9-2\tnot-installed\ngarbage\n"
    assert _pcsc.parse_dpkg_query(text) == []


def test_parse_rpm_query_skips_not_installed_lines():
    text = (
        "pcsc-lite-libs\tx86_64\t1.9.4-1.el9\n"
        "pcsc-lite-libs\ti686\t1.9.4-1.el9\n"
        "package pcsc-lite-devel is not installed\n"
        "package libpcsclite1 is not installed\n"
    )
    found = _pcsc.parse_rpm_query(text)
    assert [(p.name, p.arch, p.version, p.bits) for p in found] == [
        ("pcsc-lite-libs", "x86_64", "1.9.4-1.el9", 64),
        ("pcsc-lite-libs", "i686", "1.9.4-1.el9", 32),
    ]


@pytest.mark.parametrize(
    ("abi", "bits"),
    [("libc6,x86-64", 64), ("libc6", 32), ("libc6,AArch64", 64), ("libc6,64bit", 64), ("libc6,x32", 32)],
)
def test_abi_bits(abi, bits):
    assert _pcsc.abi_bits(abi) == bits


def test_parse_ldconfig_keeps_libpcsclite_names_per_abi():
    libraries = _pcsc.parse_ldconfig(LDCONFIG)
    assert sorted(libraries) == ["libpcsclite.so", "libpcsclite.so.1"]
    assert libraries["libpcsclite.so.1"] == [
        LibraryPath("/lib/x86_64-linux-gnu/libpcsclite.so.1", "libc6,x86-64", 64),
        LibraryPath("/lib/i386-linux-gnu/libpcsclite.so.1", "libc6", 32),
    ]
    assert libraries["libpcsclite.so"] == [
        LibraryPath("/lib/x86_64-linux-gnu/libpcsclite.so", "libc6,x86-64", 64)
    ]


def test_parse_ldconfig_drops_os_abi_tags():
    libraries = _pcsc.parse_ldconfig(LDCONFIG, prefix="libc.so")
    assert libraries["libc.so.6"][0].abi == "libc6,x86-64"


@pytest.mark.parametrize(
    ("required", "expected"),
    [
        ([64], "libpcsclite.so"),
        # The unversioned link exists only for the dev package's architecture.
        ([64, 32], "libpcsclite.so.1"),
        ([32], "libpcsclite.so.1"),
    ],
)
def test_suggest_library_needs_every_word_size(required, expected):
    libraries = _pcsc.parse_ldconfig(LDCONFIG)
    assert (
        _pcsc.suggest_library(
            libraries, candidates=["libpcsclite.so", "libpcsclite.so.1"], required_bits=required
        )
        == expected
    )


def test_suggest_library_none_when_nothing_is_installed():
    assert (
        _pcsc.suggest_library({}, candidates=["libpcsclite.so", "libpcsclite.so.1"], required_bits=[64])
        is None
    )


def test_library_from_module_ini(tmp_path):
    path = str(tmp_path / "module.ini")
    data = b"[WFClient]\r\nX=1\r\n\r\n[SmartCard]\r\nDriverName=VDSCARD.DLL\r\nPCSCLibraryName = libpcsclite.so.1 \r\n"
    assert _pcsc.library_from_module_ini(data, path=path) == (
        "libpcsclite.so.1",
        f"{path} [SmartCard] PCSCLibraryName",
    )


@pytest.mark.parametrize(
    ("data", "source"),
    [
        (None, "client default, no {path}"),
        (b"[SmartCard]\nSmartCardAllowed=True\n", "client default, PCSCLibraryName not set in {path}"),
        (b"[SmartCard]\nPCSCLibraryName=\n", "client default, PCSCLibraryName not set in {path}"),
    ],
)
def test_library_from_module_ini_defaults(data, source):
    path = "/opt/Citrix/ICAClient/config/module.ini"
    assert _pcsc.library_from_module_ini(data, path=path) == ("libpcsclite.so", source.format(path=path))


def _elf(path: Path, klass: int) -> Path:
    path.write_bytes(b"\x7fELF" + bytes([klass]) + b"\x01\x01" + b"\x00" * 9)
    return path


def test_elf_bits_reads_the_class_byte(tmp_path):
    assert _pcsc.elf_bits(str(_elf(tmp_path / "a.so", 1))) == 32
    assert _pcsc.elf_bits(str(_elf(tmp_path / "b.so", 2))) == 64
    (tmp_path / "text.so").write_text("INPUT(-lpcsclite)\n")
    assert _pcsc.elf_bits(str(tmp_path / "text.so")) is None
    assert _pcsc.elf_bits(str(tmp_path / "missing.so")) is None


def test_locate_library_absolute_path(tmp_path):
    lib = _elf(tmp_path / "libpcsclite.so.1", 2)
    assert _pcsc.locate_library(str(lib), {}) == [LibraryPath(str(lib), "file", 64)]
    assert _pcsc.locate_library(str(tmp_path / "nope.so"), {}) == []


def test_locate_library_without_ldconfig_looks_into_the_folders(tmp_path):
    lib64, lib32 = tmp_path / "lib64", tmp_path / "lib32"
    lib64.mkdir()
    lib32.mkdir()
    _elf(lib64 / "libpcsclite.so.1", 2)
    _elf(lib32 / "libpcsclite.so.1", 1)
    found = _pcsc.locate_library("libpcsclite.so.1", None, lib_dirs=[str(lib64), str(lib32)])
    assert [(Path(entry.path).parent.name, entry.bits) for entry in found] == [("lib64", 64), ("lib32", 32)]


def test_locate_library_through_ldconfig():
    libraries = _pcsc.parse_ldconfig(LDCONFIG)
    assert [entry.bits for entry in _pcsc.locate_library("libpcsclite.so.1", libraries)] == [64, 32]
    assert _pcsc.locate_library("libpcsclite.so.2", libraries) == []


def _problems(**overrides):
    arguments = dict(
        pcscd=PcscdState(running=True, message="ok", readers=[Reader("r", False, None, ["empty"])]),
        packages=[
            PackageInstance("libpcsclite1", "amd64", "1"),
            PackageInstance("libpcsclite1", "i386", "1"),
        ],
        library="libpcsclite.so.1",
        library_source="module.ini",
        library_paths=[LibraryPath("/a", "libc6,x86-64", 64), LibraryPath("/b", "libc6", 32)],
        required_bits=[64, 32],
        suggestion="libpcsclite.so.1",
    )
    arguments.update(overrides)
    library = _pcsc.LibraryChoice(
        name=arguments.pop("library"),
        source=arguments.pop("library_source"),
        paths=arguments.pop("library_paths"),
        suggestion=arguments.pop("suggestion"),
    )
    return _pcsc.find_problems(library=library, **arguments)


def test_no_problems_when_everything_is_in_place():
    assert _problems() == []


def test_problem_pcscd_not_running():
    message = "pcscd is not running (SCardEstablishContext: 0x8010001D, service not available)"
    assert _problems(pcscd=PcscdState(running=False, message=message)) == [message]


def test_problem_no_reader():
    assert _problems(pcscd=PcscdState(running=True, message="ok")) == [
        "pcscd is running but sees no smart card reader"
    ]


def test_problem_missing_32bit_package_names_the_packages():
    problems = _problems(
        packages=[PackageInstance("libpcsclite1", "amd64", "1")],
        library_paths=[LibraryPath("/a", "libc6,x86-64", 64)],
        suggestion=None,
    )
    assert problems[0] == "no 32-bit libpcsclite package is installed"
    assert "no 32-bit libpcsclite.so.1 exists" in problems[1]
    assert "libpcsclite1:i386" in problems[1] and "pcsc-lite-libs.i686" in problems[1]


def test_problem_default_unversioned_library_suggests_the_versioned_one():
    problems = _problems(
        library="libpcsclite.so",
        library_source="client default",
        library_paths=[],
        required_bits=[64],
    )
    assert problems == [
        "the client loads libpcsclite.so (client default) but no 64-bit libpcsclite.so exists: "
        "set PCSCLibraryName=libpcsclite.so.1 in module.ini"
    ]


def test_problem_default_unversioned_library_without_alternative_names_the_dev_package():
    problems = _problems(library="libpcsclite.so", library_paths=[], required_bits=[64], suggestion=None)
    assert "libpcsclite-dev" in problems[0] and "pcsc-lite-devel" in problems[0]


# -- pcscd through a stand-in for pyscard's scard module (the thin edge) -------------------------


class FakeScard:
    """Answers like pyscard's ``smartcard.scard`` functions, with canned PC/SC results."""

    def __init__(
        self, establish=0, list_result=(0, []), states=(0, []), error_message="Service not available."
    ):
        self.establish = establish
        self.list_result = list_result
        self.states = states
        self.error_message = error_message
        self.released = False

    def SCardEstablishContext(self, scope):
        return self.establish, 42

    def SCardListReaders(self, context, groups):
        return self.list_result

    def SCardGetStatusChange(self, context, timeout, states):
        assert [state for _, state in states] == [0] * len(states)
        return self.states

    def SCardReleaseContext(self, context):
        self.released = True
        return 0

    def SCardGetErrorMessage(self, code):
        return self.error_message


def test_query_pcscd_not_running_is_a_result():
    state = _pcsc.query_pcscd(FakeScard(establish=0x8010001D))
    assert state.running is False
    assert state.error_code == "0x8010001D"
    assert state.message.startswith("pcscd is not running")


def test_query_pcscd_readers_and_card():
    atr = [0x3B, 0x95, 0x13, 0x81, 0x01, 0x80, 0x73, 0xFF, 0x01, 0x00, 0x0B]
    scard = FakeScard(
        list_result=(0, ["Virtual PCD 00 00", "Virtual PCD 00 01"]),
        states=(0, [("Virtual PCD 00 00", 0x10022, atr), ("Virtual PCD 00 01", 0x12, [])]),
    )
    state = _pcsc.query_pcscd(scard)
    assert state.running
    assert state.readers == [
        Reader("Virtual PCD 00 00", True, "3B 95 13 81 01 80 73 FF 01 00 0B", ["changed", "present"]),
        Reader("Virtual PCD 00 01", False, None, ["changed", "empty"]),
    ]
    assert state.message == "pcscd is running; 2 reader(s), 1 card(s) present"
    assert scard.released


def test_query_pcscd_no_reader():
    scard = FakeScard(list_result=(0x8010002E, []))
    state = _pcsc.query_pcscd(scard)
    assert state.running and state.readers == []
    assert scard.released


def test_query_pcscd_other_failure_is_an_error():
    with pytest.raises(
        IcaClientError, match=r"SCardEstablishContext failed with 0x80100006 \(Not enough memory\)"
    ):
        _pcsc.query_pcscd(FakeScard(establish=0x80100006, error_message="Not enough memory."))


def test_query_pcscd_status_failure_names_the_readers():
    scard = FakeScard(list_result=(0, ["R1"]), states=(0x80100009, []), error_message="Unknown reader.")
    with pytest.raises(IcaClientError, match="state of the smart card readers R1"):
        _pcsc.query_pcscd(scard)
    assert scard.released


# -- package managers through a recording runner -------------------------------------------------


def recording_runner(rc, stdout, stderr=""):
    calls = []

    def run(argv, **kwargs):
        calls.append(list(argv))
        return CommandResult(tuple(argv), rc, stdout, stderr)

    return run, calls


def test_installed_packages_dpkg_no_match_is_not_an_error():
    run, calls = recording_runner(1, "", "dpkg-query: no packages found matching libpcsclite-dev:*\n")
    assert _pcsc.installed_packages(run, manager="dpkg", dpkg_query="/usr/bin/dpkg-query", rpm=None) == []
    assert calls[0][:2] == ["/usr/bin/dpkg-query", "-W"]
    assert "libpcsclite1:*" in calls[0]


def test_installed_packages_dpkg_failure():
    run, _ = recording_runner(2, "", "dpkg-query: error: cannot read /var/lib/dpkg/status\n")
    with pytest.raises(IcaClientError, match="dpkg-query failed") as caught:
        _pcsc.installed_packages(run, manager="dpkg", dpkg_query="dpkg-query", rpm=None)
    assert caught.value.details["rc"] == 2
    assert "cannot read" in caught.value.details["stderr"]


def test_installed_packages_rpm_some_missing():
    run, _ = recording_runner(
        3, "pcsc-lite-libs\tx86_64\t1.9.4-1\npackage pcsc-lite-devel is not installed\n"
    )
    found = _pcsc.installed_packages(run, manager="rpm", dpkg_query=None, rpm="/usr/bin/rpm")
    assert [(p.name, p.arch) for p in found] == [("pcsc-lite-libs", "x86_64")]


def test_installed_packages_rpm_failure():
    run, _ = recording_runner(1, "", "error: rpmdb: cannot open Packages index\n")
    with pytest.raises(IcaClientError, match="rpm -q failed"):
        _pcsc.installed_packages(run, manager="rpm", dpkg_query=None, rpm="rpm")


def test_ldconfig_failure():
    run, _ = recording_runner(1, "", "ldconfig: Can't open cache file\n")
    with pytest.raises(IcaClientError, match="ldconfig -p failed"):
        _pcsc.ldconfig_libraries(run, ldconfig="/sbin/ldconfig")


def test_real_dpkg_query_output_parses():
    """dpkg-query on this Debian machine, with the format the module uses."""
    from ansible_collections.icaclient.linux.plugins.module_utils._runner import subprocess_runner

    assert shutil.which("dpkg-query"), "dpkg-query is missing: these tests run on Debian"
    found = _pcsc.installed_packages(subprocess_runner, manager="dpkg", dpkg_query="dpkg-query", rpm=None)
    assert any(item.name == "libpcsclite1" and item.runtime for item in found), (
        "libpcsclite1 must be installed on the test machine (scripts/apt-test.txt)"
    )
