#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: keystore_rehash
short_description: Make the subject-hash links of a Citrix Workspace app keystore folder
version_added: 0.1.0
author: icaclient.linux developers (@icaclient-linux)
description:
  - Makes the OpenSSL subject-hash links (C(HHHHHHHH.N) for certificates, C(HHHHHHHH.rN)
    for CRLs) in one keystore folder of the Citrix Workspace app for Linux, for example
    C(/opt/Citrix/ICAClient/keystore/cacerts). The client finds a CA certificate only
    through these links, which its C(ctx_rehash) tool makes; a certificate copied in
    without a rehash is ignored.
  - "With O(method=builtin) (the default) the links are exactly the ones C(openssl rehash)
    (OpenSSL 3.0) makes on the same folder: the same names pointing at the same files by
    their bare names. Files ending C(.pem), C(.crt), C(.cer) or C(.crl) (any case) are read
    in byte order of their names; a file must be PEM with exactly one certificate or CRL,
    else it is skipped with a warning (bundles, DER files); a certificate byte-identical to
    one already seen is skipped; certificates with the same subject are numbered from 0;
    an existing correct link keeps its number and a new one takes the lowest free number;
    hash links no longer needed are removed. Files that are not certificates are left
    alone. Certificates OpenSSL cannot load are not linked (warning)."
  - "Where O(method=builtin) deliberately differs from C(openssl rehash) 3.0 (its bugs, or
    safety), each of the following:"
  - "A wrong link (dangling, or to a file of another hash) whose number is below the count
    needed is replaced; C(openssl rehash) keeps it and numbers the right link after it."
  - "A second, higher-numbered link to a file already linked is removed, and so is every
    one of several stale links to the same missing file; C(openssl rehash) leaves them."
  - "A certificate file may be a link, to a file in the folder or anywhere else, through any
    chain of links, and the folder itself may be a link: as C(openssl rehash) does, the
    certificate is read through the link and the hash link names the link (for example the
    Mozilla roots linked in from C(/usr/share/ca-certificates/mozilla)). Only a regular file
    is ever opened (at most 64 MiB): a link to a folder, device, FIFO or socket, or a
    dangling one, is skipped with a warning naming what it is; C(openssl rehash) opens it
    (and hangs on a FIFO). Nothing is ever written through a link."
  - "A hash link that leaves the folder and reaches a certificate or CRL of the hash its
    name says is kept with its number (a warning names it); C(openssl rehash) removes it
    unless its number is below the count needed. Any other hash link leaving the folder is
    judged as C(openssl rehash) judges it, by its target's name."
  - "File names that are not UTF-8 are linked like any other; results show each byte that
    is not UTF-8 as C(\\xNN) and a backslash of a name doubled."
  - "Hash link names other than the canonical C(hhhhhhhh.N) (upper-case hex, leading
    zeros) and links to a file by another spelling (C(./file.pem)) are replaced; OpenSSL
    only ever opens C(hhhhhhhh.N), yet C(openssl rehash) keeps them."
  - "A regular file (not a link) that carries a hash link name is left alone and its number
    skipped; C(openssl rehash) overwrites it."
  - "Nothing is written when no link changes, so a correct read-only folder passes
    (C(openssl rehash) refuses any folder it cannot write), and a link that changes its
    target is swapped atomically instead of deleted and re-created."
  - With O(method=ctx_rehash) the client's own C(ctx_rehash) runs (without arguments, in the
    folder, as the client's installer runs it) and the module reports the links it changed;
    a warning says so when they differ from the ones C(openssl rehash) makes. In check mode
    the tool is not run; the result says what O(method=builtin) would change.
  - A folder of thousands of files is read by up to four processes while CPUs are idle.
  - With O(icaroot) instead of O(path), one call rehashes both keystore folders of the client,
    C(<icaroot>/keystore/cacerts) then C(<icaroot>/keystore/intcerts), skipping one that does
    not exist (a fresh install has no C(intcerts)); see RV(skipped_folders).
options:
  path:
    description:
      - The keystore folder to rehash, for example C(<icaroot>/keystore/cacerts) or
        C(<icaroot>/keystore/intcerts). It must exist.
      - Exactly one of O(path) and O(icaroot) is required.
    type: path
  icaroot:
    description:
      - The client's installation folder (C(ICAROOT)); rehashes C(<icaroot>/keystore/cacerts)
        and C(<icaroot>/keystore/intcerts), in that order, skipping a folder that does not
        exist. C(<icaroot>) and C(<icaroot>/keystore) must exist.
      - Exactly one of O(path) and O(icaroot) is required.
    type: path
  method:
    description:
      - V(builtin) makes the links in Python, exactly as C(openssl rehash) does (see above).
      - V(ctx_rehash) runs the client's C(ctx_rehash) tool.
    type: str
    choices: [builtin, ctx_rehash]
    default: builtin
  ctx_rehash_path:
    description:
      - The C(ctx_rehash) to run with O(method=ctx_rehash).
      - By default C(<icaroot>/util/ctx_rehash) for a folder C(<icaroot>/keystore/<name>)
        (with O(icaroot), C(<icaroot>/util/ctx_rehash)), else C(ctx_rehash) found in the
        E(PATH). With O(icaroot) the tool runs once in each folder.
    type: path
notes:
  - Supports check mode and diff mode (the links before and after, one per line; with
    O(icaroot) a list of diffs, one per folder rehashed).
  - With O(icaroot), a folder is rehashed only after the one before it succeeded; when a later
    folder fails, the error says which folders had already changed (their new links stay).
  - Each file skipped (bundle, DER, duplicate, not loadable) and each link left alone is
    named in a warning (the result's standard C(warnings)).
  - The folder must be writable only when a link has to change. An error (missing folder,
    read-only folder) names the folder and the cause and changes nothing.
seealso:
  - module: icaclient.linux.keystore_cert
  - module: icaclient.linux.keystore_info
  - name: openssl-rehash(1)
    description: The OpenSSL command whose link layout this module reproduces.
    link: https://docs.openssl.org/3.0/man1/openssl-rehash/
"""

EXAMPLES = r"""
- name: Rehash the trusted roots of the Citrix Workspace app
  icaclient.linux.keystore_rehash:
    path: /opt/Citrix/ICAClient/keystore/cacerts

- name: Rehash the intermediates with the client's own tool
  icaclient.linux.keystore_rehash:
    path: /opt/Citrix/ICAClient/keystore/intcerts
    method: ctx_rehash

- name: Report what a rehash would change, without changing it
  icaclient.linux.keystore_rehash:
    path: /opt/Citrix/ICAClient/keystore/cacerts
  check_mode: true
  register: keystore_rehash_preview

- name: Rehash both keystore folders (cacerts, and intcerts when it exists) in one call
  icaclient.linux.keystore_rehash:
    icaroot: /opt/Citrix/ICAClient
  register: keystore_rehash_both
"""

RETURN = r"""
method:
  description: The method used.
  returned: always
  type: str
  sample: builtin
links:
  description:
    - The hash links in the folder after the run (in check mode, after the run that would
      happen), link name to target. Hash links that leave the folder and work, left alone,
      are included.
  returned: when O(path) is given
  type: dict
  sample: {"3513523f.0": "corp-root.pem", "8deb7220.0": "gateway-ca.pem"}
created:
  description: Links written, new or pointing at another file than before (would be, in check mode).
  returned: when O(path) is given
  type: list
  elements: str
  sample: ["8deb7220.0"]
removed:
  description: Links deleted (would be, in check mode).
  returned: when O(path) is given
  type: list
  elements: str
  sample: ["5a1f2c3d.1"]
cmd:
  description: The command run with O(method=ctx_rehash) (not in check mode).
  returned: when O(path) is given, O(method=ctx_rehash) and not in check mode
  type: list
  elements: str
  sample: ["/opt/Citrix/ICAClient/util/ctx_rehash"]
folders:
  description: One entry per folder rehashed, in order (C(cacerts), then C(intcerts)).
  returned: when O(icaroot) is given
  type: list
  elements: dict
  contains:
    path:
      description: The folder.
      type: str
      sample: /opt/Citrix/ICAClient/keystore/cacerts
    changed:
      description: Whether a link of the folder changed (would, in check mode).
      type: bool
    created:
      description: As RV(created), for this folder.
      type: list
      elements: str
    removed:
      description: As RV(removed), for this folder.
      type: list
      elements: str
    links:
      description: As RV(links), for this folder.
      type: dict
    cmd:
      description: As RV(cmd), for this folder.
      returned: when O(method=ctx_rehash) and not in check mode
      type: list
      elements: str
  sample:
    - path: /opt/Citrix/ICAClient/keystore/cacerts
      changed: false
      created: []
      removed: []
      links: {"3513523f.0": "corp-root.pem"}
skipped_folders:
  description:
    - Keystore folders not rehashed because they do not exist.
    - Not called C(skipped), which would make Ansible report the whole task as skipped.
  returned: when O(icaroot) is given
  type: list
  elements: str
  sample: ["/opt/Citrix/ICAClient/keystore/intcerts"]
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.icaclient.linux.plugins.module_utils._display import display_text, displayable
from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError
from ansible_collections.icaclient.linux.plugins.module_utils._rehash import (
    find_ctx_rehash,
    format_links,
    rehash,
    rehash_keystore,
    rehash_with_ctx_rehash,
)
from ansible_collections.icaclient.linux.plugins.module_utils._runner import module_runner


def _links_diff(path, result):
    return {
        "before_header": f"{path} (hash links)",
        "after_header": f"{path} (hash links)",
        "before": format_links(result.previous_links),
        "after": format_links(result.links),
    }


def _rehash_icaroot(module):
    method = module.params["method"]
    try:
        done, skipped = rehash_keystore(
            module.params["icaroot"],
            method=method,
            ctx_rehash_path=module.params["ctx_rehash_path"],
            which=module.get_bin_path,
            runner=module_runner(module),
            check_mode=module.check_mode,
        )
    except IcaClientError as exc:
        module.fail_json(msg=display_text(exc.message), **displayable(exc.details))
    folders = []
    for each in done:
        for warning in each.result.warnings:
            module.warn(display_text(warning))
        entry = {
            "path": each.path,
            "changed": each.result.changed,
            "created": each.result.created,
            "removed": each.result.removed,
            "links": each.result.links,
        }
        if each.tool is not None:
            entry["cmd"] = [each.tool]
        folders.append(entry)
    outcome = {
        "changed": any(each.result.changed for each in done),
        "method": method,
        "folders": folders,
        "skipped_folders": skipped,
    }
    if module._diff:
        outcome["diff"] = [_links_diff(each.path, each.result) for each in done]
    module.exit_json(**displayable(outcome))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path"),
            icaroot=dict(type="path"),
            method=dict(type="str", default="builtin", choices=["builtin", "ctx_rehash"]),
            ctx_rehash_path=dict(type="path"),
        ),
        mutually_exclusive=[("path", "icaroot")],
        required_one_of=[("path", "icaroot")],
        supports_check_mode=True,
    )
    if module.params["icaroot"] is not None:
        _rehash_icaroot(module)
        return
    path = module.params["path"]
    method = module.params["method"]
    tool = None
    try:
        if method == "builtin":
            result = rehash(path, check_mode=module.check_mode)
        else:
            tool = find_ctx_rehash(path, module.params["ctx_rehash_path"], module.get_bin_path)
            result = rehash_with_ctx_rehash(
                path, tool=tool, runner=module_runner(module), check_mode=module.check_mode
            )
    except IcaClientError as exc:
        module.fail_json(msg=display_text(exc.message), **displayable(exc.details))
    for warning in result.warnings:
        module.warn(display_text(warning))
    outcome = {
        "changed": result.changed,
        "method": method,
        "links": result.links,
        "created": result.created,
        "removed": result.removed,
    }
    if tool is not None and not module.check_mode:
        outcome["cmd"] = [tool]
    if module._diff:
        outcome["diff"] = _links_diff(path, result)
    module.exit_json(**displayable(outcome))


if __name__ == "__main__":
    main()
