#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: keystore_info
short_description: Audit the Citrix Workspace app keystore
version_added: 0.1.0
author: icaclient.linux developers (@icaclient-linux)
description:
  - Reads C(<icaroot>/keystore/cacerts) (roots) and C(<icaroot>/keystore/intcerts)
    (intermediates), or one folder given by O(path), and reports every certificate file
    with its subject, issuer, fingerprint, validity, key size, whether its OpenSSL
    subject-hash link is present and correct, and the problems found.
  - "Problems: V(expired), V(expires_soon), V(key_over_4096) (the client does not support
    such keys), V(not_ca), V(not_self_signed) (a root that cannot anchor a chain),
    V(unlinked) (no correct hash link: the client does not see it), V(bundle), V(der),
    V(pkcs7) (formats the client ignores), V(ignored_name) (a suffix rehash ignores),
    V(duplicate), V(unparsable), V(private_key) (a file holding a private key: every user
    can read the keystore), V(not_a_file) (a dangling link, or a link to a folder, device,
    FIFO or socket), and V(stale_link) for hash links the next rehash replaces or removes."
  - "Which hash links are correct is decided by the rule M(icaclient.linux.keystore_rehash)
    applies (the audit asks its plan): a working link is never stale."
  - "A certificate file may be a link, also one that leaves the folder (as when the Mozilla
    roots are linked in): the certificate it reaches is reported, with RV(certificates[].link)
    and RV(certificates[].leaves_folder) as information, not as a problem. Only regular files
    are read, at most 1 MiB each."
  - "File names that are not UTF-8 are shown with each such byte as C(\\xNN) and a backslash
    of a name doubled."
  - Files without a certificate suffix that are not certificates (a README) are not reported.
  - Changes nothing; runs in check mode too.
options:
  icaroot:
    description:
      - The client's installation folder (C(ICAROOT)). It must exist unless O(path) is given.
    type: path
    default: /opt/Citrix/ICAClient
  path:
    description:
      - Audit only this keystore folder instead of both folders under O(icaroot).
    type: path
  kind:
    description:
      - What the folder given by O(path) holds. Defaults to V(intermediate) when the folder is
        named C(intcerts), else V(root).
    type: str
    choices: [root, intermediate]
  expiry_warning_days:
    description:
      - Report V(expires_soon) for certificates that expire within this many days.
    type: int
    default: 30
notes:
  - Supports check mode.
  - Without the cryptography library on the managed host the module fails with
    C(missing_library=cryptography) in its result, so that a role can install it and try again.
requirements:
  - cryptography
seealso:
  - module: icaclient.linux.keystore_cert
  - module: icaclient.linux.keystore_rehash
"""

EXAMPLES = r"""
- name: Audit the client's keystore
  icaclient.linux.keystore_info:
  register: keystore

- name: Fail when a trusted root has expired or uses a key the client cannot handle
  ansible.builtin.assert:
    that:
      - keystore.summary.by_problem.expired | default(0) == 0
      - keystore.summary.by_problem.key_over_4096 | default(0) == 0

- name: Audit a keystore folder of a per-user installation
  icaclient.linux.keystore_info:
    path: /home/alice/ICAClient/linuxx64/keystore/cacerts
"""

RETURN = r"""
folders:
  description: One entry per audited folder.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: V(root) or V(intermediate).
      type: str
    path:
      description: The folder.
      type: str
    exists:
      description: Whether the folder exists.
      type: bool
    certificates:
      description: The folder's certificates, as in RV(certificates).
      type: list
      elements: dict
    links:
      description: Hash link name to link target, for every hash link in the folder.
      type: dict
    stale_links:
      description: Hash links the next rehash replaces or removes, each with C(link), C(target)
        and C(problem) (why).
      type: list
      elements: dict
    problems:
      description: The folder's problems, as in RV(problems).
      type: list
      elements: dict
certificates:
  description: Every certificate file of the audited folders (one entry per certificate of a bundle).
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: V(root) or V(intermediate).
      type: str
    file:
      description: File name.
      type: str
    path:
      description: Full path.
      type: str
    format:
      description: V(pem), V(bundle), V(der) or V(pkcs7); null when unparsable.
      type: str
    subject:
      description: Subject, RFC 4514.
      type: str
    issuer:
      description: Issuer, RFC 4514.
      type: str
    fingerprint:
      description: SHA-256 fingerprint, colon hex.
      type: str
    not_after:
      description: End of validity, ISO 8601 UTC.
      type: str
    days_left:
      description: Whole days until it expires (negative once expired).
      type: int
    key_type:
      description: Public key type.
      type: str
    key_bits:
      description: Key size in bits.
      type: int
    subject_hash:
      description: OpenSSL subject hash.
      type: str
    hash_links:
      description: Correct hash links pointing at this file.
      type: list
      elements: str
    linked:
      description: Whether a correct hash link points at this file.
      type: bool
    link:
      description: The link target when the file is a link; null otherwise.
      type: str
    leaves_folder:
      description: Whether the file is a link that leaves the folder (information; the
        certificate reported is the one it reaches).
      type: bool
    problems:
      description: Problem codes for this certificate.
      type: list
      elements: str
    error:
      description: Why the file could not be parsed; null otherwise.
      type: str
problems:
  description: Every problem found, with the file and what it means for the client.
  returned: always
  type: list
  elements: dict
  sample:
    - file: GTECyberTrustGlobalRoot.pem
      kind: root
      path: /opt/Citrix/ICAClient/keystore/cacerts/GTECyberTrustGlobalRoot.pem
      problem: expired
      message: the certificate has expired; chains through it fail (client error 70)
summary:
  description: Counts.
  returned: always
  type: dict
  sample:
    certificates: 12
    roots: 11
    intermediates: 1
    ok: 9
    with_problems: 3
    problems: 4
    by_problem: {expired: 2, unlinked: 1, bundle: 1}
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.icaclient.linux.plugins.module_utils._display import display_text, displayable
from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError
from ansible_collections.icaclient.linux.plugins.module_utils._keystore.audit import audit_keystore
from ansible_collections.icaclient.linux.plugins.module_utils._x509.certs import (
    CRYPTOGRAPHY_IMPORT_ERROR,
    HAS_CRYPTOGRAPHY,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            icaroot=dict(type="path", default="/opt/Citrix/ICAClient"),
            path=dict(type="path"),
            kind=dict(type="str", choices=["root", "intermediate"]),
            expiry_warning_days=dict(type="int", default=30),
        ),
        supports_check_mode=True,
    )
    if not HAS_CRYPTOGRAPHY:
        module.fail_json(
            msg=missing_required_lib("cryptography"),
            exception=CRYPTOGRAPHY_IMPORT_ERROR,
            missing_library="cryptography",
        )
    params = module.params
    try:
        result = audit_keystore(
            icaroot=params["icaroot"],
            path=params["path"],
            kind=params["kind"],
            expiry_warning_days=params["expiry_warning_days"],
        )
    except IcaClientError as exc:
        module.fail_json(msg=display_text(exc.message), **displayable(exc.details))
    module.exit_json(changed=False, **displayable(result))


if __name__ == "__main__":
    main()
