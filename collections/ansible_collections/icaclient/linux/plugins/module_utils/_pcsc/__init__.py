# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""PC/SC state as the Citrix client meets it: pcscd, readers, cards, libpcsclite.

``facts`` holds the codes, the data and the pure parsers; ``pcscd`` asks pcscd through
pyscard; ``system`` asks dpkg, rpm and ldconfig through the command runner; ``inspect``
gathers all of it for ``pcsc_info`` (:func:`inspect_pcsc`) and names the problems.
"""

from __future__ import annotations

from .facts import (  # noqa: F401  (the package's names)
    DEFAULT_CANDIDATES,
    DEFAULT_LIBRARY,
    LibraryPath,
    PackageInstance,
    PcscdState,
    Reader,
    abi_bits,
    arch_bits,
    as_dict,
    decode_state,
    elf_bits,
    format_atr,
    hex_code,
    library_from_module_ini,
    locate_library,
    parse_dpkg_query,
    parse_ldconfig,
    parse_rpm_query,
    runtime_architectures,
    suggest_library,
)
from .inspect import LibraryChoice, PcscRequest, find_problems, inspect_pcsc, native_bits  # noqa: F401
from .pcscd import query_pcscd  # noqa: F401
from .system import installed_packages, ldconfig_libraries  # noqa: F401
