# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""What the ``pcsc_info`` module reports: every fact gathered, and the problems found in them."""

from __future__ import annotations

import os
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Callable, Optional

from .._atomic import read_bytes
from .._errors import IcaClientError
from .._runner import Runner
from .facts import (
    DEFAULT_CANDIDATES,
    RUNTIME_HINT,
    LibraryPath,
    PackageInstance,
    PcscdState,
    arch_bits,
    as_dict,
    library_from_module_ini,
    locate_library,
    runtime_architectures,
    suggest_library,
)
from .pcscd import query_pcscd
from .system import installed_packages, ldconfig_libraries


@dataclass(frozen=True)
class LibraryChoice:
    """The PC/SC library the client loads: its ``name``, where that was decided (``source``), the
    files it resolves to (``paths``), and the first candidate name that works for every
    required word size (``suggestion``)."""

    name: str
    source: str
    paths: list[LibraryPath]
    suggestion: Optional[str] = None


def find_problems(
    *,
    pcscd: Optional[PcscdState],
    packages: Optional[list[PackageInstance]],
    library: LibraryChoice,
    required_bits: Sequence[int],
) -> list[str]:
    """What stands between the client and a smart card logon, in words a user can act on."""
    name, suggestion = library.name, library.suggestion
    problems = []
    if pcscd is not None and not pcscd.running:
        problems.append(pcscd.message)
    elif pcscd is not None and not pcscd.readers:
        problems.append("pcscd is running but sees no smart card reader")
    if packages is not None:
        installed_bits = {item.bits for item in packages if item.runtime}
        for bits in required_bits:
            if bits not in installed_bits:
                problems.append(f"no {bits}-bit libpcsclite package is installed")
    have_bits = {entry.bits for entry in library.paths}
    runtime_bits = {item.bits for item in packages or [] if item.runtime}
    for bits in required_bits:
        if bits in have_bits:
            continue
        if suggestion and suggestion != name:
            hint = f"set PCSCLibraryName={suggestion} in module.ini"
        elif packages is not None and bits not in runtime_bits:
            hint = f"install the {bits}-bit libpcsclite ({RUNTIME_HINT[bits]})"
        elif not name.startswith("/") and name.endswith(".so"):
            hint = (
                "install the development package that provides the unversioned link "
                "(Debian: libpcsclite-dev, RHEL: pcsc-lite-devel) or set PCSCLibraryName=libpcsclite.so.1"
            )
        else:
            hint = "point PCSCLibraryName at an installed libpcsclite"
        problems.append(f"the client loads {name} ({library.source}) but no {bits}-bit {name} exists: {hint}")
    return problems


@dataclass(frozen=True)
class PcscRequest:
    """What ``pcsc_info`` is asked: the ICAROOT whose module.ini names the library (unless ``library``
    names it), the names to suggest, the word sizes that must work (default: the machine's own),
    whether to ask pcscd, and which package manager to ask (``auto``, ``dpkg``, ``rpm``, ``none``)."""

    icaroot: str = "/opt/Citrix/ICAClient"
    library: Optional[str] = None
    library_candidates: Sequence[str] = DEFAULT_CANDIDATES
    required_bits: Sequence[int] = ()
    query_pcscd: bool = True
    package_manager: str = "auto"


def native_bits(machine: Optional[str] = None) -> int:
    """The word size of this machine's own builds (``platform.machine()``)."""
    return 64 if arch_bits(machine or platform.machine()) == 64 else 32


def _packages(
    request: PcscRequest, runner: Runner, which: Callable[[str], Optional[str]]
) -> Optional[list[PackageInstance]]:
    manager = request.package_manager
    dpkg_query, rpm = which("dpkg-query"), which("rpm")
    if manager == "auto":
        manager = "dpkg" if dpkg_query else "rpm" if rpm else "none"
    if manager == "none":
        return None
    if manager == "dpkg" and not dpkg_query:
        raise IcaClientError("cannot list libpcsclite packages: dpkg-query not found")
    if manager == "rpm" and not rpm:
        raise IcaClientError("cannot list libpcsclite packages: rpm not found")
    return installed_packages(runner, manager=manager, dpkg_query=dpkg_query, rpm=rpm)


def inspect_pcsc(
    request: PcscRequest,
    *,
    scard: Any,
    runner: Runner,
    which: Callable[[str], Optional[str]],
    read_file: Callable[[str], Optional[bytes]] = read_bytes,
) -> dict[str, Any]:
    """Every PC/SC fact the client depends on and the problems found in them, as ``pcsc_info``
    returns them. Read-only. ``scard`` is pyscard's ``smartcard.scard`` (unused when the request
    does not ask pcscd); ``which`` finds a program (None when absent)."""
    required_bits = sorted(set(request.required_bits or [native_bits()]), reverse=True)
    pcscd = query_pcscd(scard) if request.query_pcscd else None
    packages = _packages(request, runner, which)
    ldconfig = which("ldconfig")
    libraries = ldconfig_libraries(runner, ldconfig=ldconfig) if ldconfig else None
    if request.library:
        library, source = request.library, "library option"
    else:
        module_ini = os.path.join(request.icaroot, "config", "module.ini")
        library, source = library_from_module_ini(read_file(module_ini), path=module_ini)
    choice = LibraryChoice(
        name=library,
        source=source,
        paths=locate_library(library, libraries),
        suggestion=suggest_library(
            libraries or {name: locate_library(name, None) for name in request.library_candidates},
            candidates=request.library_candidates,
            required_bits=required_bits,
        ),
    )
    problems = find_problems(pcscd=pcscd, packages=packages, library=choice, required_bits=required_bits)
    found_bits = sorted({entry.bits for entry in choice.paths}, reverse=True)
    return {
        "pcscd": None if pcscd is None else {k: v for k, v in as_dict(pcscd).items() if k != "readers"},
        "readers": as_dict(pcscd.readers) if pcscd is not None else [],
        "libpcsclite_packages": as_dict(packages or []),
        "libpcsclite_architectures": runtime_architectures(packages or []),
        "pcsc_library": {
            "name": choice.name,
            "source": choice.source,
            "found": all(bits in found_bits for bits in required_bits),
            "bits": found_bits,
            "paths": as_dict(choice.paths),
        },
        "pcsc_libraries": as_dict(libraries or {}),
        "suggested_library": choice.suggestion,
        "required_bits": required_bits,
        "problems": problems,
    }
