#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: keystore_cert
short_description: Add or remove a CA certificate in the Citrix Workspace app keystore
version_added: 0.1.0
author: icaclient.linux developers (@icaclient-linux)
description:
  - Adds (O(state=present)) or removes (O(state=absent)) one CA certificate, or every
    certificate of a bundle, in the keystore of the Citrix Workspace app for Linux,
    C(<icaroot>/keystore/cacerts) for trusted roots (O(kind=root)) and
    C(<icaroot>/keystore/intcerts) for intermediates (O(kind=intermediate); the folder
    is created when missing).
  - Reads PEM, DER (C(.crt), C(.cer), C(.der)), PKCS#7 (C(.p7b)) and PEM bundles. The client
    loads only PEM files that hold one certificate each, so bundles are split into one
    file per certificate and DER is converted to PEM. Files are written atomically with
    mode C(0644).
  - "File names: C(<name>.pem) for one certificate; C(<name>-<subject>.pem) for each
    certificate of a bundle, where C(<subject>) is the certificate's CN (else OU, else O)
    made file-name safe, so that the names do not shift when a bundle changes."
  - A certificate already present in the folder (same SHA-256 fingerprint, in a
    single-certificate PEM file under any name) is not written again.
  - "Refuses, naming the file and the cause and changing no file: a certificate that is
    not a CA, a root that is not self-signed, an RSA or DSA key over 4096 bits (the client
    does not support them), input that is empty, truncated, garbage or holds a private key,
    and (by O(expired)) an expired certificate. Every certificate of a bundle is checked
    before anything is written; a write that fails half way is rolled back."
  - "CA rule: the one OpenSSL applies when the client builds a chain. A keyUsage without
    keyCertSign is not a CA; otherwise basicConstraints decides; a version 1 self-issued
    certificate (common among old roots) counts as a CA."
  - After a change the folder is rehashed (OpenSSL subject-hash links C(HHHHHHHH.N), as
    C(ctx_rehash) and C(openssl rehash) make them) unless O(rehash=false).
  - "With O(certificates), one call adds and removes a list of certificates, roots and
    intermediates mixed (the call without it is a list of one item): every item is read, checked and planned (each against its folder as
    the items before it leave it) before any file is written, so one bad item fails the call,
    naming the item, and changes no file; the writes of all items are one change, rolled back
    as a whole when one fails; each folder an item touches is rehashed once at the end."
options:
  icaroot:
    description:
      - The client's installation folder (C(ICAROOT)). It must exist.
    type: path
    default: /opt/Citrix/ICAClient
  kind:
    description:
      - V(root) for a trusted root (C(keystore/cacerts)), V(intermediate) for an
        intermediate CA (C(keystore/intcerts)).
      - With O(certificates), the kind of an item that does not give its own.
    type: str
    choices: [root, intermediate]
    default: root
  state:
    description:
      - V(present) adds the certificate(s); V(absent) removes them.
      - With O(certificates), the state of an item that does not give its own.
    type: str
    choices: [present, absent]
    default: present
  src:
    description:
      - Path of the certificate file on the managed host (PEM, DER, PKCS#7 or a PEM bundle).
      - With O(state=absent), the certificate(s) in this file are removed from every
        single-certificate file that holds them.
      - Mutually exclusive with O(certificates).
    type: path
  content:
    description:
      - The certificate(s) as PEM text, instead of O(src).
      - Mutually exclusive with O(certificates).
    type: str
  name:
    description:
      - Readable base of the file names written (see above); a trailing C(.pem) is dropped.
        Defaults to the name of O(src) without its extensions (C(.pem), C(.crt), C(.cer),
        C(.der), C(.cert), C(.p7b), C(.p7c), C(.txt), C(.ca-bundle)), its case kept; characters
        other than ASCII letters, digits, C(.) and C(_) become C(-) (C(rootB.der.crt) stores
        C(rootB.pem)). For O(content), each certificate's subject.
      - With an explicit O(name) and a single certificate, a file of that name holding a
        different certificate is replaced (the name is a slot, as when a root is rotated).
        Otherwise a clashing file is never overwritten; the new file gets C(-<8 hex digits of
        its fingerprint>) appended.
      - With O(state=absent), removes the files written under this name (or the file with
        exactly this name).
      - Mutually exclusive with O(certificates).
    type: str
  fingerprint:
    description:
      - SHA-256 fingerprint (hexadecimal, colons optional).
      - With O(state=absent), removes the certificate with this fingerprint.
      - With O(state=present), pins the input, which must be exactly this one certificate.
      - Mutually exclusive with O(certificates).
    type: str
  certificates:
    description:
      - Certificates to add or remove in one call, in order, instead of O(src), O(content),
        O(name) and O(fingerprint). Each item takes the options of one call; O(kind),
        O(state) and O(expired) are the defaults of the items.
      - An item with O(certificates[].state=present) needs O(certificates[].src) or
        O(certificates[].content); one with O(certificates[].state=absent) needs any of
        O(certificates[].src), O(certificates[].content), O(certificates[].name) or
        O(certificates[].fingerprint).
      - A later item sees the effect of the earlier ones (a certificate an earlier item adds
        is V(present) for a later one; a later item can remove it again).
      - An empty list changes nothing and rehashes nothing.
    type: list
    elements: dict
    suboptions:
      src:
        description:
          - As O(src), for this item.
        type: path
      content:
        description:
          - As O(content), for this item. Mutually exclusive with O(certificates[].src).
        type: str
      name:
        description:
          - As O(name), for this item.
        type: str
      fingerprint:
        description:
          - As O(fingerprint), for this item.
        type: str
      kind:
        description:
          - As O(kind), for this item. Defaults to O(kind).
        type: str
        choices: [root, intermediate]
      state:
        description:
          - As O(state), for this item. Defaults to O(state).
        type: str
        choices: [present, absent]
      expired:
        description:
          - As O(expired), for this item. Defaults to O(expired).
        type: str
        choices: [refuse, warn]
  rehash:
    description:
      - Rehash the folder afterwards, which also repairs its hash links when the certificate
        was already present. Set to V(false) when adding many certificates and rehash once
        with M(icaclient.linux.keystore_rehash).
      - With O(certificates), every folder an item touches is rehashed once, after all items.
    type: bool
    default: true
  expired:
    description:
      - What to do with an expired certificate. V(refuse) fails; V(warn) adds it with a warning.
      - With O(certificates), the policy of an item that does not give its own.
    type: str
    choices: [refuse, warn]
    default: refuse
notes:
  - Supports check mode and diff mode. In check mode the result and the diff, hash links
    included, are those the real run gives.
  - Without the cryptography library on the managed host the module fails with
    C(missing_library=cryptography) in its result, so that a role can install it and try again.
  - The diff is a list, one entry per folder that changes.
  - Certificates are public; nothing here is secret.
requirements:
  - cryptography
seealso:
  - module: icaclient.linux.keystore_rehash
  - module: icaclient.linux.keystore_info
"""

EXAMPLES = r"""
- name: Trust the corporate root CA
  icaclient.linux.keystore_cert:
    src: /etc/pki/corp/corp-root.pem
    name: corp-root

- name: Add the issuing CA, which the PKI team hands out as DER
  icaclient.linux.keystore_cert:
    src: /etc/pki/corp/issuing-ca1.crt
    kind: intermediate

- name: Add the intermediates of a bundle, one file each, without rehashing yet
  icaclient.linux.keystore_cert:
    content: "{{ lookup('ansible.builtin.file', 'files/chain.pem') }}"
    name: corp-chain
    kind: intermediate
    rehash: false

- name: Remove an old root by its fingerprint
  icaclient.linux.keystore_cert:
    fingerprint: "AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89"
    state: absent

- name: Trust the new root and its issuing CA, retire the old root, in one call
  icaclient.linux.keystore_cert:
    certificates:
      - src: /etc/pki/corp/corp-root-2026.pem
        name: corp-root
      - src: /etc/pki/corp/issuing-ca1.crt
        kind: intermediate
      - name: corp-root-2016
        state: absent
  register: keystore_cert_batch
"""

RETURN = r"""
certificates:
  description:
    - One entry per item, in order. The call without O(certificates) is one item made of O(src),
      O(content), O(name), O(fingerprint), O(kind), O(state) and O(expired), so it returns a
      list of one.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: The kind of keystore folder the item worked on.
      type: str
      sample: root
    folder:
      description: The keystore folder.
      type: str
      sample: /opt/Citrix/ICAClient/keystore/cacerts
    state:
      description: The item's state.
      type: str
      sample: present
    changed:
      description: Whether the item's files changed (would, in check mode); links are in RV(rehash).
      type: bool
    subject:
      description: Subject (RFC 4514) of the item's first certificate; see RV(certificates[].certificates) for bundles.
      type: str
      sample: CN=Corp Root CA,O=Corp
    issuer:
      description: Issuer (RFC 4514) of the item's first certificate.
      type: str
      sample: CN=Corp Root CA,O=Corp
    fingerprint:
      description: SHA-256 fingerprint (colon hex) of the item's first certificate.
      type: str
      sample: "3B:0F:...:A1"
    not_after:
      description: End of validity (ISO 8601 UTC) of the item's first certificate.
      type: str
      sample: "2036-01-01T00:00:00Z"
    key_type:
      description: Public key type of the item's first certificate.
      type: str
      sample: RSA
    key_bits:
      description: Key size in bits of the item's first certificate.
      type: int
      sample: 4096
    subject_hash:
      description: OpenSSL subject hash (C(openssl x509 -hash)) of the item's first certificate.
      type: str
      sample: 1a2b3c4d
    hash_link:
      description: The first hash link pointing at a file of the item, if any.
      type: str
      sample: 1a2b3c4d.0
    hash_links:
      description: Every hash link pointing at the item's files.
      type: list
      elements: str
      sample: [1a2b3c4d.0]
    paths:
      description: Files written (created or replaced); empty when nothing changed.
      type: list
      elements: str
      sample: [/opt/Citrix/ICAClient/keystore/cacerts/corp-root.pem]
    removed:
      description: Files removed.
      type: list
      elements: str
      sample: []
    certificates:
      description:
        - One entry per certificate of the item (a bundle has several), with C(file) (the file
          name in the folder), C(path), C(action) (V(created), V(replaced), V(present), already
          there, or V(removed)) and C(hash_links) (the hash links pointing at the file).
        - Each entry also holds the certificate's facts by the names and meanings
          M(icaclient.linux.keystore_info) returns them in its C(certificates) (one source for
          both modules) C(subject), C(issuer), C(fingerprint), C(serial), C(not_before),
          C(not_after), C(key_type), C(key_bits), C(is_ca), C(self_signed) and C(subject_hash).
      type: list
      elements: dict
rehash:
  description:
    - One entry per folder an item touched, folder path to what its rehash did (C(changed), and
      the C(created) and C(removed) links), or null when not run (O(rehash=false), or the folder
      does not exist).
  returned: always
  type: dict
  sample: {"/opt/Citrix/ICAClient/keystore/cacerts": {"changed": false, "created": [], "removed": []}}
"""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.icaclient.linux.plugins.module_utils._display import display_text, displayable
from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError
from ansible_collections.icaclient.linux.plugins.module_utils._keystore.ensure import (
    CertificateItem,
    ensure_certificates,
)
from ansible_collections.icaclient.linux.plugins.module_utils._x509.certs import (
    CRYPTOGRAPHY_IMPORT_ERROR,
    HAS_CRYPTOGRAPHY,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            icaroot=dict(type="path", default="/opt/Citrix/ICAClient"),
            kind=dict(type="str", default="root", choices=["root", "intermediate"]),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            src=dict(type="path"),
            content=dict(type="str"),
            name=dict(type="str"),
            fingerprint=dict(type="str"),
            certificates=dict(
                type="list",
                elements="dict",
                options=dict(
                    src=dict(type="path"),
                    content=dict(type="str"),
                    name=dict(type="str"),
                    fingerprint=dict(type="str"),
                    kind=dict(type="str", choices=["root", "intermediate"]),
                    state=dict(type="str", choices=["present", "absent"]),
                    expired=dict(type="str", choices=["refuse", "warn"]),
                ),
                mutually_exclusive=[("src", "content")],
                # an item's state may come from the top-level state: present needs src or
                # content, which ensure_certificates checks per item
                required_one_of=[("src", "content", "name", "fingerprint")],
            ),
            rehash=dict(type="bool", default=True),
            expired=dict(type="str", default="refuse", choices=["refuse", "warn"]),
        ),
        mutually_exclusive=[
            ("src", "content"),
            ("certificates", "src"),
            ("certificates", "content"),
            ("certificates", "name"),
            ("certificates", "fingerprint"),
        ],
        required_if=[
            ("state", "present", ("src", "content", "certificates"), True),
            ("state", "absent", ("src", "content", "name", "fingerprint", "certificates"), True),
        ],
        supports_check_mode=True,
    )
    if not HAS_CRYPTOGRAPHY:
        module.fail_json(
            msg=missing_required_lib("cryptography"),
            exception=CRYPTOGRAPHY_IMPORT_ERROR,
            missing_library="cryptography",
        )
    params = module.params
    # the options of one certificate are a list of one item: one request shape, one result shape
    items = (
        params["certificates"]
        if params["certificates"] is not None
        else [CertificateItem.from_options(params)]
    )
    try:
        result = ensure_certificates(
            icaroot=params["icaroot"],
            certificates=items,
            kind=params["kind"],
            state=params["state"],
            expired=params["expired"],
            rehash=params["rehash"],
            check_mode=module.check_mode,
        )
    except IcaClientError as exc:
        module.fail_json(msg=display_text(exc.message), **displayable(exc.details))
    for warning in result.pop("warnings"):
        module.warn(display_text(warning))
    diff = result.pop("diff")
    if module._diff and result["changed"]:
        result["diff"] = diff
    module.exit_json(**displayable(result))


if __name__ == "__main__":
    main()
