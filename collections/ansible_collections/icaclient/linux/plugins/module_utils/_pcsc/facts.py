# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""PC/SC facts as the Citrix client meets them: return codes, reader states, libpcsclite packages
and libraries, the library the client loads. Pure functions over text and bytes.

Smart card logon fails in ways users cannot see: pcscd not running, the 32-bit
``libpcsclite1`` missing for a 32-bit client build, the unversioned
``libpcsclite.so`` the client loads by default absent (Debian ships it only in
``libpcsclite-dev``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Optional

from .._ini.document import parse

# PC/SC return codes (winscard / pcsc-lite), as unsigned 32-bit values.
SCARD_S_SUCCESS = 0x00000000
SCARD_E_NO_SERVICE = 0x8010001D
SCARD_E_SERVICE_STOPPED = 0x8010001E
SCARD_E_NO_READERS_AVAILABLE = 0x8010002E
SCARD_E_TIMEOUT = 0x8010000A

SCARD_SCOPE_USER = 0
SCARD_STATE_UNAWARE = 0x0000

# Reader state flags of SCardGetStatusChange; pcsc-lite keeps an event counter in
# the upper 16 bits, which is not a state.
_STATE_FLAGS = (
    (0x0001, "ignore"),
    (0x0002, "changed"),
    (0x0004, "unknown"),
    (0x0008, "unavailable"),
    (0x0010, "empty"),
    (0x0020, "present"),
    (0x0040, "atrmatch"),
    (0x0080, "exclusive"),
    (0x0100, "inuse"),
    (0x0200, "mute"),
    (0x0400, "unpowered"),
)
SCARD_STATE_PRESENT = 0x0020

# The package that carries the shared library, per word size and distribution.
RUNTIME_HINT = {
    64: "Debian: libpcsclite1, RHEL: pcsc-lite-libs, SUSE: libpcsclite1",
    32: "Debian: libpcsclite1:i386, RHEL: pcsc-lite-libs.i686, SUSE: libpcsclite1-32bit",
}

DEFAULT_LIBRARY = "libpcsclite.so"
DEFAULT_CANDIDATES = ("libpcsclite.so", "libpcsclite.so.1")
LIBRARY_PREFIX = "libpcsclite.so"

# Package names that carry libpcsclite, per package manager.
DPKG_PACKAGES = ("libpcsclite1", "libpcsclite-dev")
RPM_PACKAGES = ("pcsc-lite-libs", "pcsc-lite-devel", "libpcsclite1", "libpcsclite1-32bit")

# Library folders searched when ldconfig is not available (multiarch first).
FALLBACK_LIB_DIRS = (
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib/i386-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/usr/lib/arm-linux-gnueabihf",
    "/lib/x86_64-linux-gnu",
    "/lib/i386-linux-gnu",
    "/usr/lib64",
    "/lib64",
    "/usr/lib",
    "/lib",
)

# Architecture names of 32-bit x86/ARM builds in dpkg and rpm.
_ARCH_BITS = {
    "amd64": 64,
    "x86_64": 64,
    "arm64": 64,
    "aarch64": 64,
    "ppc64el": 64,
    "ppc64le": 64,
    "s390x": 64,
    "riscv64": 64,
    "i386": 32,
    "i486": 32,
    "i586": 32,
    "i686": 32,
    "armhf": 32,
    "armel": 32,
    "armv7hl": 32,
}


@dataclass(frozen=True)
class Reader:
    name: str
    card_present: bool
    atr: Optional[str]
    state: list[str]


@dataclass(frozen=True)
class PcscdState:
    running: bool
    message: str
    error_code: Optional[str] = None
    readers: list[Reader] = field(default_factory=list)


@dataclass(frozen=True)
class PackageInstance:
    name: str
    arch: str
    version: str

    @property
    def bits(self) -> Optional[int]:
        return arch_bits(self.arch)

    @property
    def runtime(self) -> bool:
        """True for the shared library package, False for the development package."""
        return not self.name.endswith(("-dev", "-devel"))


@dataclass(frozen=True)
class LibraryPath:
    path: str
    abi: str
    bits: int


# -- pure helpers ------------------------------------------------------------------------------


def hex_code(code: int) -> str:
    """A PC/SC return code as the documentation writes it, ``0x8010001D``."""
    return f"0x{code & 0xFFFFFFFF:08X}"


def format_atr(atr: Sequence[int]) -> str:
    """``[0x3B, 0x95]`` -> ``3B 95`` (the way readers and pcsc_scan print an ATR)."""
    return " ".join(f"{byte & 0xFF:02X}" for byte in atr)


def decode_state(flags: int) -> list[str]:
    """Names of the reader state flags set in ``flags`` (the event counter is ignored)."""
    flags &= 0xFFFF
    return [name for bit, name in _STATE_FLAGS if flags & bit]


def arch_bits(arch: str) -> Optional[int]:
    return _ARCH_BITS.get(arch.strip().lower())


def parse_dpkg_query(stdout: str) -> list[PackageInstance]:
    """Parse ``dpkg-query -W -f='${Package}\\t${Architecture}\\t${Version}\\t${db:Status-Status}\\n'``.

    Only installed instances count: a package removed with its configuration left
    (``config-files``) or merely known to dpkg (``not-installed``) provides no library.
    """
    found = []
    for line in stdout.splitlines():
        parts = line.split("\t")
        if len(parts) != 4:
            continue
        name, arch, version, status = (part.strip() for part in parts)
        if status == "installed" and name:
            found.append(PackageInstance(name=name, arch=arch, version=version))
    return found


def parse_rpm_query(stdout: str) -> list[PackageInstance]:
    """Parse ``rpm -q --qf '%{NAME}\\t%{ARCH}\\t%{VERSION}-%{RELEASE}\\n' NAME...``.

    rpm prints ``package X is not installed`` (no tabs) for a missing name: skipped.
    """
    found = []
    for line in stdout.splitlines():
        parts = line.split("\t")
        if len(parts) != 3:
            continue
        name, arch, version = (part.strip() for part in parts)
        if name:
            found.append(PackageInstance(name=name, arch=arch, version=version))
    return found


def abi_bits(abi: str) -> int:
    """Word size of an ldconfig ABI tag: ``libc6,x86-64`` -> 64, ``libc6`` -> 32.

    ldconfig tags 64-bit libraries with the machine (``x86-64``, ``AArch64``, ``IA-64``)
    or ``64bit``; x32 and plain ``libc6`` entries are 32-bit.
    """
    tags = [tag.strip().lower() for tag in abi.split(",")[1:]]
    return 64 if any("64" in tag for tag in tags) else 32


def parse_ldconfig(stdout: str, *, prefix: str = LIBRARY_PREFIX) -> dict[str, list[LibraryPath]]:
    """Parse ``ldconfig -p``: library name -> where the dynamic linker finds it, per ABI.

    Lines look like ``\\tlibpcsclite.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libpcsclite.so.1``;
    only names starting with ``prefix`` are kept.
    """
    libraries: dict[str, list[LibraryPath]] = {}
    for line in stdout.splitlines():
        line = line.strip()
        if " => " not in line or not line.startswith(prefix):
            continue
        left, path = line.split(" => ", 1)
        if "(" not in left or not left.endswith(")"):
            continue
        name, abi = left[:-1].split("(", 1)
        name, abi = name.strip(), abi.strip()
        flags = abi.split(",")
        # Hardware capability tags such as "OS ABI: Linux 3.2.0" are not part of the ABI name.
        abi = ",".join(flag.strip() for flag in flags if not flag.strip().startswith("OS ABI"))
        libraries.setdefault(name, []).append(LibraryPath(path=path.strip(), abi=abi, bits=abi_bits(abi)))
    return libraries


def library_from_module_ini(data: Optional[bytes], *, path: str) -> tuple[str, str]:
    """The PC/SC library the client loads, and where that was decided.

    ``module.ini [SmartCard] PCSCLibraryName`` when set and not empty, else the client's
    built-in default ``libpcsclite.so``.
    """
    if data is None:
        return DEFAULT_LIBRARY, f"client default, no {path}"
    value = parse(data, source=path).get("SmartCard", "PCSCLibraryName")
    if value is None or not value.strip():
        return DEFAULT_LIBRARY, f"client default, PCSCLibraryName not set in {path}"
    return value.strip(), f"{path} [SmartCard] PCSCLibraryName"


def elf_bits(path: str) -> Optional[int]:
    """Word size of an ELF file (its class byte), or None when it is not readable ELF."""
    try:
        with open(path, "rb") as handle:
            header = handle.read(5)
    except OSError:
        return None
    if len(header) < 5 or header[:4] != b"\x7fELF":
        return None
    return {1: 32, 2: 64}.get(header[4])


def locate_library(
    name: str,
    libraries: Optional[dict[str, list[LibraryPath]]],
    *,
    lib_dirs: Sequence[str] = FALLBACK_LIB_DIRS,
    bits_of: Callable[[str], Optional[int]] = elf_bits,
) -> list[LibraryPath]:
    """Where ``name`` resolves for the dynamic linker.

    An absolute path is checked as it is. A bare name is looked up in the ldconfig cache
    (``libraries``); without one (no ldconfig), in the usual library folders. The word
    size of a file found directly is read from its ELF header.
    """
    if name.startswith("/"):
        bits = bits_of(name)
        return [LibraryPath(path=name, abi="file", bits=bits)] if bits else []
    if libraries is not None:
        return list(libraries.get(name, []))
    found = []
    for directory in lib_dirs:
        candidate = os.path.join(directory, name)
        bits = bits_of(candidate)
        if bits:
            found.append(LibraryPath(path=candidate, abi="file", bits=bits))
    return found


def suggest_library(
    libraries: dict[str, list[LibraryPath]],
    *,
    candidates: Sequence[str],
    required_bits: Sequence[int],
) -> Optional[str]:
    """The first candidate name that the dynamic linker resolves for every required word size.

    A 32-bit client build loads the library by the same name as a 64-bit one, so a name
    that exists only for 64-bit (Debian's ``libpcsclite.so`` from ``libpcsclite-dev:amd64``)
    is not good enough when 32-bit clients must work too.
    """
    for name in candidates:
        have = {entry.bits for entry in libraries.get(name, [])}
        if have and all(bits in have for bits in required_bits):
            return name
    return None


def runtime_architectures(packages: Sequence[PackageInstance]) -> list[str]:
    """Architectures the shared library is installed for (development packages left out)."""
    return sorted({item.arch for item in packages if item.runtime})


def as_dict(value: Any) -> Any:
    """Dataclasses (and lists of them) as plain data for exit_json."""
    if isinstance(value, list):
        return [as_dict(item) for item in value]
    if isinstance(value, dict):
        return {key: as_dict(item) for key, item in value.items()}
    if hasattr(value, "__dataclass_fields__"):
        data = asdict(value)
        if isinstance(value, PackageInstance):
            data["bits"] = value.bits
            data["runtime"] = value.runtime
        return data
    return value
