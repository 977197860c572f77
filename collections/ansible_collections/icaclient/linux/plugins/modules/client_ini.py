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
  - O(copies) applies the same edit to other copies of the file in the same run, for example
    C($ICAROOT/config/usertemplate/wfclient.ini) and the users' C(~/.ICAClient/wfclient.ini).
    Every file is read, edited in memory and validated before any is written; when one of them
    is refused, the message names that file and the cause, and no file is changed.
  - The files are written as one transaction. When a write fails halfway (for example a user's
    copy on a full C(/home) while the ICAROOT has room), every file already written is put back
    as it was; the failure names the file that failed (C(failed_path)), lists the files put back
    (C(restored)) and any that could not be (C(not_restored); only then is C(changed) true).
options:
  path:
    description:
      - The ini file, for example C(/opt/Citrix/ICAClient/config/wfclient.ini).
      - It is never read or written through a symbolic link, nor behind a folder link another user
        owns (a user's link could point root at any file); such a path, or one that is not a regular
        file, fails with a message that names it. A link an administrator made on purpose is reported,
        not replaced by a copy; give the file it points to by its own path.
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
      - V(exact) makes the section hold exactly the keys given in O(settings) and O(secret_settings)
        (a key with a null value counts as not given); every other key of the section is removed,
        the given keys are set, and the lines kept keep their order and comments. The section is
        created when it is missing. Validation, check mode, diff, O(copies) and the transaction are
        those of V(present).
    type: str
    choices: [present, absent, exact]
    default: present
  copies:
    description:
      - Other copies of the same file to keep in step with O(path); each gets the same edit.
      - A copy is edited only where it exists; a missing copy is never created, it is listed in
        RV(skipped_copies). O(create) applies to O(path) only.
      - A copy that is a symbolic link, that lies behind a folder link owned by another user, or
        that is not a regular file is not edited; a warning names it and RV(skipped_copies) lists it.
        Root must not follow a link a user made. A copy that is the same file as O(path) or as an
        earlier copy is skipped too.
      - Each written copy keeps its owner, group and mode, so a user's copy stays the user's.
      - With copies, RV(diff) is a list with one entry per changed file.
    type: list
    elements: path
    default: []
  create:
    description: Create the file when it does not exist (O(path) only, never a copy).
    type: bool
    default: true
  backup:
    description:
      - Keep a copy of the file, named after the file and a timestamp, before changing it.
      - Applies to every file written, O(path) and each of O(copies); a backup keeps the owner of its file.
      - A backup is written completely or not at all (never an empty file on a full file system);
        the backups of a run that fails are removed with its changes.
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

- name: Set the proxy for new users and for every existing user's copy, in one run
  icaclient.linux.client_ini:
    path: /opt/Citrix/ICAClient/config/wfclient.ini
    copies:
      - /opt/Citrix/ICAClient/config/usertemplate/wfclient.ini
      - /home/alice/.ICAClient/wfclient.ini
      - /home/bob/.ICAClient/wfclient.ini
    section: WFClient
    settings:
      ProxyType: Secure
      ProxyHost: proxy.example.com:3128
    secret_settings:
      ProxyPassword: "{{ vault_proxy_password }}"
  register: wfclient_result

- name: Show which copies were not there
  ansible.builtin.debug:
    msg: "{{ wfclient_result.skipped_copies | map(attribute='path') | list }}"

- name: Make the proxy section hold exactly these keys (any other key in it is removed)
  icaclient.linux.client_ini:
    path: /opt/Citrix/ICAClient/config/wfclient.ini
    section: Network\Proxy
    state: exact
    settings:
      ProxyType: Secure
      ProxyHost: proxy.example.com:3128
    secret_settings:
      ProxyPassword: "{{ vault_proxy_password }}"

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
  description: The keys of O(path) whose values changed or that were removed (predicted in check mode).
  returned: always
  type: list
  elements: str
  sample: [MinimumTLS]
backup_file:
  description: The backup of O(path) made before the change.
  returned: when O(backup=true) and the file changed
  type: str
  sample: /opt/Citrix/ICAClient/config/wfclient.ini.4242.2026-01-01@12:00:00~
files:
  description: One entry per file edited, O(path) first, then each copy that was edited, in order.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: The file.
      type: str
    changed:
      description: Whether this file changed (would change in check mode).
      type: bool
    changed_keys:
      description: The keys of this file whose values changed or that were removed.
      type: list
      elements: str
    backup_file:
      description: The backup of this file, when O(backup=true) and the file changed.
      type: str
  sample:
    - path: /opt/Citrix/ICAClient/config/wfclient.ini
      changed: true
      changed_keys: [ProxyType, ProxyHost]
    - path: /home/alice/.ICAClient/wfclient.ini
      changed: false
      changed_keys: []
skipped_copies:
  description:
    - The copies that were not edited, with the reason; V(missing) (the copy does not exist),
      V(symlink) (it is a symbolic link, or lies behind a folder link another user owns),
      V(not_a_file) (not a regular file) or V(duplicate) (the same file as O(path) or an
      earlier copy).
    - Not named C(skipped), which Ansible reads as the status of the whole task.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: The copy.
      type: str
    reason:
      description: Why it was skipped.
      type: str
      choices: [missing, symlink, not_a_file, duplicate]
  sample:
    - path: /home/carol/.ICAClient/wfclient.ini
      reason: missing
diff:
  description:
    - The file before and after, secret values shown as C(********).
    - With O(copies), a list with one such entry per changed file.
  returned: always
  type: raw
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError
from ansible_collections.icaclient.linux.plugins.module_utils._ini.client_ini import IniEdit
from ansible_collections.icaclient.linux.plugins.module_utils._ini.files import update_ini_files
from ansible_collections.icaclient.linux.plugins.module_utils._ini.rules import build_schema
from ansible_collections.icaclient.linux.plugins.module_utils._transaction import backup_copy

# The options that make up the edit of a section (IniEdit), the same for the file and each copy.
_EDIT_OPTIONS = (
    "section",
    "settings",
    "secret_settings",
    "state",
    "validate",
    "allow_tls13",
    "client_version",
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            path=dict(type="path", required=True),
            copies=dict(type="list", elements="path", default=[]),
            section=dict(type="str", required=True),
            settings=dict(type="dict"),
            secret_settings=dict(type="dict", no_log=True),
            state=dict(type="str", choices=["present", "absent", "exact"], default="present"),
            create=dict(type="bool", default=True),
            backup=dict(type="bool", default=False),
            validate=dict(type="bool", default=True),
            allow_tls13=dict(type="bool", default=False),
            client_version=dict(type="str"),
            schema_overrides=dict(type="dict"),
        ),
        required_if=[
            ("state", "present", ("settings", "secret_settings"), True),
            ("state", "exact", ("settings", "secret_settings"), True),
        ],
        supports_check_mode=True,
    )
    params = module.params
    try:
        edit = IniEdit(
            schema=build_schema(params["schema_overrides"]), **{name: params[name] for name in _EDIT_OPTIONS}
        )
        # One request shape: the file and its copies are one list, the file first.
        result = update_ini_files(
            [params["path"], *params["copies"]],
            edit,
            create=params["create"],
            check_mode=module.check_mode,
            backup=backup_copy if params["backup"] else None,
        )
    except IcaClientError as exc:
        module.fail_json(msg=exc.message, **exc.details)
    for warning in result.warnings:
        module.warn(warning)
    diff = result.diffs() if params["copies"] else result.main.diff
    module.exit_json(diff=diff, **result.as_dict())


if __name__ == "__main__":
    main()
