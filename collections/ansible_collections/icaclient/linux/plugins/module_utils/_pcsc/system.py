# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""libpcsclite packages (dpkg or rpm) and libraries (``ldconfig -p``), through the command runner;
their output is parsed by the pure functions of :mod:`.facts`."""

from __future__ import annotations

from typing import Optional

from .._errors import IcaClientError
from .._runner import Runner
from .facts import (
    DPKG_PACKAGES,
    RPM_PACKAGES,
    LibraryPath,
    PackageInstance,
    parse_dpkg_query,
    parse_ldconfig,
    parse_rpm_query,
)


def installed_packages(
    runner: Runner, *, manager: str, dpkg_query: Optional[str], rpm: Optional[str]
) -> list[PackageInstance]:
    """libpcsclite packages installed, per architecture, from dpkg or rpm."""
    if manager == "dpkg":
        argv = [dpkg_query, "-W", "-f", "${Package}\t${Architecture}\t${Version}\t${db:Status-Status}\n"]
        argv += [f"{name}:*" for name in DPKG_PACKAGES]
        result = runner(argv)
        # dpkg-query exits 1 when a pattern matches nothing: that is an answer, not a failure.
        if result.rc not in (0, 1):
            raise result.error("cannot list libpcsclite packages: dpkg-query failed")
        return parse_dpkg_query(result.stdout)
    if manager == "rpm":
        argv = [rpm, "-q", "--qf", "%{NAME}\t%{ARCH}\t%{VERSION}-%{RELEASE}\n", *RPM_PACKAGES]
        result = runner(argv)
        # rpm -q exits with the number of names not installed.
        if result.rc < 0 or (result.rc and not result.stdout):
            raise result.error("cannot list libpcsclite packages: rpm -q failed")
        return parse_rpm_query(result.stdout)
    raise IcaClientError(f"cannot list libpcsclite packages: unknown package manager {manager!r}")


def ldconfig_libraries(runner: Runner, *, ldconfig: str) -> dict[str, list[LibraryPath]]:
    result = runner([ldconfig, "-p"])
    if result.rc != 0:
        raise result.error("cannot list the dynamic linker's libraries: ldconfig -p failed")
    return parse_ldconfig(result.stdout)
