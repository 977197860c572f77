#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: pcsc_info
short_description: Report the PC/SC state the Citrix Workspace app depends on for smart cards
version_added: 0.1.0
author: icaclient.linux developers (@icaclient-linux)
description:
  - Reports, read only, what smart card logon in the Citrix Workspace app for Linux needs and
    users cannot see when it is missing.
  - Whether pcscd is reachable, its readers, whether a card is present in each and the card's ATR
    (asked through pyscard without connecting to any card). pcscd not running is a result
    (I(pcscd.running=false) with the message C(pcscd is not running)), not a failure.
  - Which libpcsclite packages are installed, per architecture (C(dpkg-query) or C(rpm)), so a
    missing 32-bit C(libpcsclite1) for a 32-bit client build shows.
  - Whether the PC/SC library the client will load exists for each required word size,
    C(module.ini [SmartCard] PCSCLibraryName), or the client's default C(libpcsclite.so), looked up
    in the dynamic linker's cache (C(ldconfig -p)). Debian ships the unversioned C(libpcsclite.so)
    only in C(libpcsclite-dev).
  - A list of problems in plain words, and the library name that would work (I(suggested_library)).
options:
  icaroot:
    description: The client's install root; its C(config/module.ini) names the PC/SC library.
    type: path
    default: /opt/Citrix/ICAClient
  library:
    description:
      - The PC/SC library to check instead of the one C(module.ini) names. A bare name is looked up
        the way the dynamic linker does; an absolute path is checked as it is.
    type: str
  library_candidates:
    description: Names tried, in order, for I(suggested_library).
    type: list
    elements: str
    default: [libpcsclite.so, libpcsclite.so.1]
  required_bits:
    description:
      - Word sizes the library must exist for. A 32-bit client build needs a 32-bit library.
      - Defaults to the host's native word size.
    type: list
    elements: int
    choices: [32, 64]
  query_pcscd:
    description:
      - Ask pcscd for its readers and cards. Needs the C(pyscard) Python library on the managed
        host; without it, set this to C(false) to report packages and libraries only.
    type: bool
    default: true
  package_manager:
    description:
      - How installed libpcsclite packages are listed. C(auto) uses C(dpkg-query) when present,
        else C(rpm); C(none) skips the package query.
    type: str
    choices: [auto, dpkg, rpm, none]
    default: auto
requirements:
  - pyscard (when I(query_pcscd=true))
notes:
  - Supports check mode; the module changes nothing.
seealso:
  - name: pcsc-lite
    description: The PC/SC middleware for Linux (pcscd and libpcsclite).
    link: https://pcsclite.apdu.fr/
"""

EXAMPLES = r"""
- name: Read the smart card state of the endpoint
  icaclient.linux.pcsc_info:
  register: pcsc

- name: Fail when a 32-bit client build could not load the PC/SC library
  icaclient.linux.pcsc_info:
    required_bits: [32, 64]
    query_pcscd: false
  register: pcsc_libs
  failed_when: pcsc_libs.problems | length > 0

- name: Show the readers and the cards in them
  ansible.builtin.debug:
    msg: "{{ pcsc.readers | map(attribute='name') | zip(pcsc.readers | map(attribute='atr')) | list }}"
"""

RETURN = r"""
pcscd:
  description: Whether pcscd answered; null when I(query_pcscd=false).
  returned: always
  type: dict
  contains:
    running:
      description: True when pcscd accepted a PC/SC context.
      type: bool
    message:
      description: What was found, for people, for example C(pcscd is not running (...)).
      type: str
    error_code:
      description: The PC/SC return code when pcscd could not be reached, for example C(0x8010001D).
      type: str
  sample: {running: true, message: "pcscd is running; 2 reader(s), 1 card(s) present", error_code: null}
readers:
  description: The readers pcscd knows, with the card state of each (empty when pcscd is not running).
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The reader name.
      type: str
    card_present:
      description: Whether a card is in the reader.
      type: bool
    atr:
      description: The card's ATR as hex bytes separated by spaces; null without a card.
      type: str
    state:
      description: The reader state flags (C(empty), C(present), C(inuse), C(mute), ...).
      type: list
      elements: str
  sample:
    - {name: "Virtual PCD 00 00", card_present: true, atr: "3B 95 13 81 01 80 73 FF 01 00 0B", state: [changed, present]}
libpcsclite_packages:
  description: Installed packages that carry libpcsclite, one entry per architecture.
  returned: always
  type: list
  elements: dict
  sample:
    - {name: libpcsclite1, arch: amd64, version: 1.9.9-2, bits: 64, runtime: true}
    - {name: libpcsclite1, arch: i386, version: 1.9.9-2, bits: 32, runtime: true}
libpcsclite_architectures:
  description: The architectures the shared libpcsclite package is installed for (development packages left out).
  returned: always
  type: list
  elements: str
  sample: [amd64, i386]
pcsc_library:
  description: The library the client will load and where the dynamic linker finds it.
  returned: always
  type: dict
  contains:
    name:
      description: The library name or path.
      type: str
    source:
      description: Where the name came from (module.ini, the default, or the I(library) option).
      type: str
    found:
      description: True when the library exists for every required word size.
      type: bool
    bits:
      description: The word sizes the library was found for.
      type: list
      elements: int
    paths:
      description: The files found, with their ABI and word size.
      type: list
      elements: dict
  sample: {name: libpcsclite.so, source: "client default, no /opt/Citrix/ICAClient/config/module.ini", found: false, bits: [], paths: []}
pcsc_libraries:
  description: Every C(libpcsclite.so*) name the dynamic linker knows, with its files (empty without ldconfig).
  returned: always
  type: dict
  sample: {"libpcsclite.so.1": [{path: /lib/x86_64-linux-gnu/libpcsclite.so.1, abi: "libc6,x86-64", bits: 64}]}
suggested_library:
  description: The first of I(library_candidates) that exists for every required word size, or null.
  returned: always
  type: str
  sample: libpcsclite.so.1
required_bits:
  description: The word sizes that were required.
  returned: always
  type: list
  elements: int
  sample: [64, 32]
problems:
  description: What stands between the client and smart card logon, in plain words; empty when all is well.
  returned: always
  type: list
  elements: str
  sample: ["pcscd is not running (SCardEstablishContext: 0x8010001D, service not available)"]
"""

import os
import platform
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.icaclient.linux.plugins.module_utils._atomic import read_bytes
from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError
from ansible_collections.icaclient.linux.plugins.module_utils._pcsc import (
    as_dict,
    find_problems,
    installed_packages,
    ldconfig_libraries,
    library_from_module_ini,
    locate_library,
    query_pcscd,
    runtime_architectures,
    suggest_library,
)
from ansible_collections.icaclient.linux.plugins.module_utils._runner import module_runner

try:
    from smartcard import scard
except ImportError:
    scard = None
    PYSCARD_IMPORT_ERROR = traceback.format_exc()
else:
    PYSCARD_IMPORT_ERROR = None


def _native_bits():
    return (
        64
        if platform.machine().lower()
        in ("x86_64", "amd64", "aarch64", "arm64", "ppc64le", "s390x", "riscv64")
        else 32
    )


def main():
    module = AnsibleModule(
        argument_spec=dict(
            icaroot=dict(type="path", default="/opt/Citrix/ICAClient"),
            library=dict(type="str"),
            library_candidates=dict(
                type="list", elements="str", default=["libpcsclite.so", "libpcsclite.so.1"]
            ),
            required_bits=dict(type="list", elements="int", choices=[32, 64]),
            query_pcscd=dict(type="bool", default=True),
            package_manager=dict(type="str", choices=["auto", "dpkg", "rpm", "none"], default="auto"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    if params["query_pcscd"] and scard is None:
        module.fail_json(msg=missing_required_lib("pyscard"), exception=PYSCARD_IMPORT_ERROR)
    runner = module_runner(module)
    required_bits = sorted(set(params["required_bits"] or [_native_bits()]), reverse=True)
    try:
        pcscd = query_pcscd(scard) if params["query_pcscd"] else None

        manager = params["package_manager"]
        dpkg_query = module.get_bin_path("dpkg-query")
        rpm = module.get_bin_path("rpm")
        if manager == "auto":
            manager = "dpkg" if dpkg_query else "rpm" if rpm else "none"
        if manager == "dpkg" and not dpkg_query:
            module.fail_json(msg="cannot list libpcsclite packages: dpkg-query not found")
        if manager == "rpm" and not rpm:
            module.fail_json(msg="cannot list libpcsclite packages: rpm not found")
        packages = (
            installed_packages(runner, manager=manager, dpkg_query=dpkg_query, rpm=rpm)
            if manager != "none"
            else None
        )

        ldconfig = module.get_bin_path("ldconfig", opt_dirs=["/sbin", "/usr/sbin"])
        libraries = ldconfig_libraries(runner, ldconfig=ldconfig) if ldconfig else None

        if params["library"]:
            library, source = params["library"], "library option"
        else:
            module_ini = os.path.join(params["icaroot"], "config", "module.ini")
            library, source = library_from_module_ini(read_bytes(module_ini), path=module_ini)
        paths = locate_library(library, libraries)
        suggestion = suggest_library(
            libraries or {name: locate_library(name, None) for name in params["library_candidates"]},
            candidates=params["library_candidates"],
            required_bits=required_bits,
        )
        problems = find_problems(
            pcscd=pcscd,
            packages=packages,
            library=library,
            library_source=source,
            library_paths=paths,
            required_bits=required_bits,
            suggestion=suggestion,
        )
    except IcaClientError as exc:
        module.fail_json(msg=exc.message, **exc.details)

    found_bits = sorted({entry.bits for entry in paths}, reverse=True)
    module.exit_json(
        changed=False,
        pcscd=None if pcscd is None else {k: v for k, v in as_dict(pcscd).items() if k != "readers"},
        readers=as_dict(pcscd.readers) if pcscd is not None else [],
        libpcsclite_packages=as_dict(packages or []),
        libpcsclite_architectures=runtime_architectures(packages or []),
        pcsc_library={
            "name": library,
            "source": source,
            "found": all(bits in found_bits for bits in required_bits),
            "bits": found_bits,
            "paths": as_dict(paths),
        },
        pcsc_libraries=as_dict(libraries or {}),
        suggested_library=suggestion,
        required_bits=required_bits,
        problems=problems,
    )


if __name__ == "__main__":
    main()
