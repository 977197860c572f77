#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: region_lockdown
short_description: Set what a Citrix Workspace app lockdown profile permits for a key
version_added: 0.1.0
author: icaclient.linux developers (@icaclient-linux)
description:
  - Edits the restriction of one key in the client's lockdown profiles (C(All_Regions.ini) and the
    region files C(Trusted_Region.ini), C(Untrusted_Region.ini), C(Unknown_Region.ini)).
  - A value the profiles do not permit is silently ignored by the client. The stock region files
    permit only C(None), C(Auto) and C(Wpad) for C(ProxyType); a C(Socks), C(Secure) or C(Script)
    proxy must be permitted here first.
  - Restriction forms, as the client reads them; C(Key=) any string; C(Key=*) any integer or
    boolean; C(Key=a,b,c) only these values, the first being the default (C(*) is a wildcard, C(\)
    escapes); C(Key=100-,50-75) integer ranges; C(true)/C(false) a fixed boolean.
  - Region files are found under the singular name of real packages (C(Trusted_Region.ini)) and the
    plural name of the vendor's document (C(Trusted_Regions.ini)); when both exist, both are edited.
  - The restriction form is applied first, then O(deny), then O(permit). Nothing is written unless
    the edit is valid for every file.
options:
  icaroot:
    description: The client's install root; the profiles are in its C(config) folder.
    type: path
  config_dir:
    description: A folder holding the profiles, for example a user's C(~/.ICAClient).
    type: path
  path:
    description: One profile file, named directly.
    type: path
  region:
    description:
      - The profiles to edit, with O(icaroot) or O(config_dir). V(all) is C(All_Regions.ini).
    type: list
    elements: str
    choices: [all, trusted, untrusted, unknown, restricted, intranet, internet]
  section:
    description:
      - The profile section holding the key, without brackets. Defaults to the key's section in the
        schema of known keys, for example C(Network\Proxy) for C(ProxyType); required for other keys.
    type: str
  key:
    description: The key whose restriction is edited, for example C(ProxyType).
    type: str
    required: true
  permit:
    description: Values to permit. A list restriction gets them appended (the default stays first).
    type: list
    elements: str
  deny:
    description: Values to stop permitting (removed from a list, cut out of integer ranges).
    type: list
    elements: str
  restriction:
    description:
      - Set the restriction form; V(any_string) (C(Key=)), V(any) (C(Key=*), any integer or boolean),
        V(list) or V(range) with O(values). Needed to create a key the profile lacks.
    type: str
    choices: [any_string, any, list, range]
  values:
    description:
      - The permitted values of a V(list) restriction (the first is the default), or the ranges of a
        V(range) restriction such as C(100-) or C(50-75).
    type: list
    elements: str
  backup:
    description: Keep a copy of each profile, named after the file and a timestamp, before changing it.
    type: bool
    default: false
notes:
  - Supports check mode and diff mode.
  - Profiles in C($ICAROOT/config) reach only new users; existing users' C(~/.ICAClient) copies of
    C(All_Regions.ini) must be edited too (O(config_dir)).
"""

EXAMPLES = r"""
- name: Permit Secure and Socks proxies in the trusted region
  icaclient.linux.region_lockdown:
    icaroot: /opt/Citrix/ICAClient
    region: [trusted, untrusted]
    key: ProxyType
    permit: [Secure, Socks]

- name: Let All_Regions.ini accept any ProxyHost string
  icaclient.linux.region_lockdown:
    icaroot: /opt/Citrix/ICAClient
    region: [all]
    key: ProxyHost
    restriction: any_string

- name: Allow only ports 1494 and 2598 and above 8000 for a custom key
  icaclient.linux.region_lockdown:
    path: /home/alice/.ICAClient/All_Regions.ini
    section: Network\Custom
    key: ExamplePort
    restriction: range
    values: ["1494", "2598", "8000-"]
"""

RETURN = r"""
files:
  description: One entry per profile file, with the key's restriction before and after.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: The profile file.
      type: str
    before:
      description: The restriction before (null when the key was absent).
      type: str
    after:
      description: The restriction after (predicted in check mode).
      type: str
    changed:
      description: Whether this file changes.
      type: bool
    backup_file:
      description: The copy made before the change, with O(backup=true).
      type: str
  sample:
    - path: /opt/Citrix/ICAClient/config/Trusted_Region.ini
      before: None,Auto,Wpad
      after: None,Auto,Wpad,Secure
      changed: true
section:
  description: The section edited.
  returned: always
  type: str
  sample: Network\Proxy
diff:
  description: Each profile before and after.
  returned: always
  type: list
  elements: dict
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError
from ansible_collections.icaclient.linux.plugins.module_utils._ica_schema import lockdown_section
from ansible_collections.icaclient.linux.plugins.module_utils._lockdown import region_files, update_profiles


def main():
    module = AnsibleModule(
        argument_spec=dict(
            icaroot=dict(type="path"),
            config_dir=dict(type="path"),
            path=dict(type="path"),
            region=dict(
                type="list",
                elements="str",
                choices=["all", "trusted", "untrusted", "unknown", "restricted", "intranet", "internet"],
            ),
            section=dict(type="str"),
            key=dict(type="str", required=True, no_log=False),
            permit=dict(type="list", elements="str"),
            deny=dict(type="list", elements="str"),
            restriction=dict(type="str", choices=["any_string", "any", "list", "range"]),
            values=dict(type="list", elements="str"),
            backup=dict(type="bool", default=False),
        ),
        required_one_of=[("icaroot", "config_dir", "path"), ("permit", "deny", "restriction")],
        mutually_exclusive=[("icaroot", "config_dir", "path"), ("path", "region")],
        required_by={"icaroot": "region", "config_dir": "region"},
        required_if=[("restriction", "list", ("values",)), ("restriction", "range", ("values",))],
        supports_check_mode=True,
    )
    params = module.params
    section = params["section"] or lockdown_section(params["key"])
    if not section:
        module.fail_json(
            msg=f"section is required for key {params['key']}: the schema does not know its section"
        )
    try:
        if params["path"]:
            paths = [params["path"]]
        else:
            config_dir = params["config_dir"] or os.path.join(params["icaroot"], "config")
            paths = []
            for region in params["region"]:
                paths.extend(path for path in region_files(config_dir, region) if path not in paths)
        changes = update_profiles(
            paths,
            section=section,
            key=params["key"],
            restriction=params["restriction"],
            values=params["values"] or [],
            permit=params["permit"] or [],
            deny=params["deny"] or [],
            check_mode=module.check_mode,
            backup=module.backup_local if params["backup"] else None,
        )
    except IcaClientError as exc:
        module.fail_json(msg=exc.message, **exc.details)
    for change in changes:
        for warning in change.warnings:
            module.warn(warning)
    module.exit_json(
        changed=any(change.changed for change in changes),
        section=section,
        files=[change.as_dict() for change in changes],
        diff=[change.diff() for change in changes],
    )


if __name__ == "__main__":
    main()
