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

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError
from ansible_collections.icaclient.linux.plugins.module_utils._pcsc import (
    DEFAULT_CANDIDATES,
    PcscRequest,
    inspect_pcsc,
)
from ansible_collections.icaclient.linux.plugins.module_utils._runner import module_runner

try:
    from smartcard import scard
except ImportError:
    scard = None
    PYSCARD_IMPORT_ERROR = traceback.format_exc()
else:
    PYSCARD_IMPORT_ERROR = None


def main():
    module = AnsibleModule(
        argument_spec=dict(
            icaroot=dict(type="path", default="/opt/Citrix/ICAClient"),
            library=dict(type="str"),
            library_candidates=dict(type="list", elements="str", default=list(DEFAULT_CANDIDATES)),
            required_bits=dict(type="list", elements="int", choices=[32, 64]),
            query_pcscd=dict(type="bool", default=True),
            package_manager=dict(type="str", choices=["auto", "dpkg", "rpm", "none"], default="auto"),
        ),
        supports_check_mode=True,
    )
    if module.params["query_pcscd"] and scard is None:
        module.fail_json(msg=missing_required_lib("pyscard"), exception=PYSCARD_IMPORT_ERROR)
    request = PcscRequest(**{key: value for key, value in module.params.items() if value is not None})
    try:
        result = inspect_pcsc(
            request,
            scard=scard,
            runner=module_runner(module),
            which=lambda name: module.get_bin_path(name, opt_dirs=["/sbin", "/usr/sbin"]),
        )
    except IcaClientError as exc:
        module.fail_json(msg=exc.message, **exc.details)
    module.exit_json(changed=False, **result)


if __name__ == "__main__":
    main()
