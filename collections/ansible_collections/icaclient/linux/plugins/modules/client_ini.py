#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: client_ini
short_description: Set or remove keys in the Citrix Workspace app's ini files
version_added: 0.1.0
author: icaclient.linux developers (@icaclient-linux)
description:
  - Sets or removes keys of one section of a client ini file such as C(wfclient.ini),
    C(appsrv.ini), C(module.ini) or a lockdown profile (C(All_Regions.ini), C(*_Region.ini)).
  - Edits are lossless. Comments, blank lines, order, the case of names, line ends (CRLF or
    LF), a missing final newline, a UTF-8 byte order mark and bytes that are not UTF-8 are
    kept; new lines use the file's own line end.
  - Names of sections and keys match case-insensitively. When a section or key appears more
    than once, the module edits the first one, which is the one the client reads (a warning
    names the others).
  - Known keys are validated before anything is written (allowed values, integer ranges,
    C(MinimumTLS) <= C(MaximumTLS), C(ProxyType=Secure) or C(Socks) needs C(ProxyHost),
    C(Script) needs C(ProxyAutoConfigURL), ports 1 to 65535, C(SSLProxyHost) as C(*:PORT) or a
    gateway FQDN of three labels or more). In a lockdown profile the values are checked as
    restrictions instead.
  - Secret keys (C(ProxyPassword) and any key whose name contains C(Password)) are given in
    O(secret_settings); their values are written to the file but shown as C(********) in the
    diff and never returned.
  - The file is replaced atomically and keeps its mode, owner and group; an unchanged file is
    not touched.
options:
  path:
    description: The ini file, for example C(/opt/Citrix/ICAClient/config/wfclient.ini).
    type: path
    required: true
  section:
    description: The section, without brackets, for example C(WFClient) or C(Network\Proxy).
    type: str
    required: true
  settings:
    description:
      - Keys and their values. A null value removes the key.
      - Numbers are written as they are; a YAML boolean is written in the key's own words
        (C(True)/C(False) or C(On)/C(Off)) and refused for a key the module does not know.
      - Secret keys with a value are refused here; give them in O(secret_settings) (a null value to
        remove one is accepted).
      - With O(state=absent), the keys to remove (values are ignored).
    type: dict
  secret_settings:
    description:
      - Like O(settings), for secret values such as C(ProxyPassword). Ansible keeps these values
        out of logs and output.
    type: dict
  state:
    description:
      - V(present) sets the keys; V(absent) removes the keys given in O(settings) and
        O(secret_settings), or the whole section when neither is given.
    type: str
    choices: [present, absent]
    default: present
  create:
    description: Create the file when it does not exist.
    type: bool
    default: true
  backup:
    description: Keep a copy of the file, named after the file and a timestamp, before changing it.
    type: bool
    default: false
  validate:
    description: Check the values of known keys and the rules between them before writing.
    type: bool
    default: true
  allow_tls13:
    description: Accept C(1.3) for C(MinimumTLS) and C(MaximumTLS) (for clients that support TLS 1.3).
    type: bool
    default: false
  client_version:
    description:
      - Version of the installed client, for example C(23.11.0.82). TLS 1.3 is accepted when it is
        at least the schema's C(tls13_min_client_version) (unset by default; see O(schema_overrides)).
    type: str
  schema_overrides:
    description:
      - Changes to the schema of known keys, for keys and rules this collection does not know or
        gets wrong. C(keys) maps a key to a spec (C(type) one of C(string), C(choice), C(int),
        C(bool), C(tls), C(url), C(hostport), C(relay); C(choices), C(min), C(max), C(secret),
        C(bool_words)); a null spec forgets the key. C(rules) adds rules; C(tls) and
        C(secret_patterns) replace those entries.
    type: dict
notes:
  - Supports check mode and diff mode.
  - Values from C($ICAROOT/config) reach only new users; update the users' C(~/.ICAClient) copies too.
  - A key in C(wfclient.ini) that C(All_Regions.ini) does not list is discarded by the client when
    C(AllowUnrecognisedICAParameters=false); see M(icaclient.linux.region_lockdown).
"""

EXAMPLES = r"""
- name: Limit the client to TLS 1.2
  icaclient.linux.client_ini:
    path: /opt/Citrix/ICAClient/config/wfclient.ini
    section: WFClient
    settings:
      MinimumTLS: "1.2"
      MaximumTLS: "1.2"

- name: Use an HTTPS proxy with credentials
  icaclient.linux.client_ini:
    path: /home/alice/.ICAClient/wfclient.ini
    section: WFClient
    settings:
      ProxyType: Secure
      ProxyHost: proxy.example.com:3128
      ProxyUsername: alice
    secret_settings:
      ProxyPassword: "{{ vault_proxy_password }}"
    backup: true

- name: Remove the proxy password again
  icaclient.linux.client_ini:
    path: /home/alice/.ICAClient/wfclient.ini
    section: WFClient
    secret_settings:
      ProxyPassword:
    state: absent
"""

RETURN = r"""
path:
  description: The file edited.
  returned: always
  type: str
  sample: /opt/Citrix/ICAClient/config/wfclient.ini
section:
  description: The section edited.
  returned: always
  type: str
  sample: WFClient
changed_keys:
  description: The keys whose values changed or that were removed (predicted in check mode).
  returned: always
  type: list
  elements: str
  sample: [MinimumTLS]
backup_file:
  description: The copy made before the change.
  returned: when O(backup=true) and the file changed
  type: str
  sample: /opt/Citrix/ICAClient/config/wfclient.ini.4242.2026-01-01@12:00:00~
diff:
  description: The file before and after, secret values shown as C(********).
  returned: always
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.icaclient.linux.plugins.module_utils._client_ini import update_ini_file
from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError
from ansible_collections.icaclient.linux.plugins.module_utils._ica_schema import build_schema


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            section=dict(type="str", required=True),
            settings=dict(type="dict"),
            secret_settings=dict(type="dict", no_log=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            create=dict(type="bool", default=True),
            backup=dict(type="bool", default=False),
            validate=dict(type="bool", default=True),
            allow_tls13=dict(type="bool", default=False),
            client_version=dict(type="str"),
            schema_overrides=dict(type="dict"),
        ),
        required_if=[("state", "present", ("settings", "secret_settings"), True)],
        supports_check_mode=True,
    )
    params = module.params
    try:
        result = update_ini_file(
            params["path"],
            section=params["section"],
            settings=params["settings"],
            secret_settings=params["secret_settings"],
            state=params["state"],
            create=params["create"],
            validate=params["validate"],
            allow_tls13=params["allow_tls13"],
            client_version=params["client_version"],
            schema=build_schema(params["schema_overrides"]),
            check_mode=module.check_mode,
            backup=module.backup_local if params["backup"] else None,
        )
    except IcaClientError as exc:
        module.fail_json(msg=exc.message, **exc.details)
    for warning in result.warnings:
        module.warn(warning)
    module.exit_json(diff=result.diff, **result.as_dict())


if __name__ == "__main__":
    main()
