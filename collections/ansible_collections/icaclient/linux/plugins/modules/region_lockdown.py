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
  - O(entries) edits several keys in one run; each file is read and written once, and nothing is
    written unless every edit is valid for every file.
  - O(profiles) gives each profile file entries of its own, for example every key of a playbook
    listed in C(All_Regions.ini) and a proxy type permitted in the region files, in one run.
    Every profile is read and every entry planned before any file is written; nothing is written
    unless every profile accepts every one of its entries.
  - A profile is never read or written through a symbolic link, nor behind a folder link another
    user owns; profiles sit in users' folders (C(~/.ICAClient)), where a link could point root at
    any file. Such a profile, or one that is not a regular file, fails the run with a message that
    names it (a link an administrator made on purpose is reported, not replaced by a copy; give the
    file it points to by its own path). A profile replaced between reading and writing is not written.
  - The profiles are written as one transaction. When a write fails halfway (a full file system,
    say), every profile already written is put back as it was; the failure names the file that
    failed (C(failed_path)), lists the files put back (C(restored)) and any that could not be
    (C(not_restored); only then is C(changed) true).
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
    description:
      - The key whose restriction is edited, for example C(ProxyType). Give O(key) or O(entries).
    type: str
  entries:
    description:
      - Several keys to edit at once, in order, each with the options O(key), O(section), O(permit),
        O(deny), O(restriction), O(restriction_if_missing) and O(values) of its own.
      - Mutually exclusive with those options at the top level.
    type: list
    elements: dict
    suboptions: &entry_options
      key:
        description: The key.
        type: str
        required: true
      section:
        description: The profile section; defaults to the key's section in the schema of known keys.
        type: str
      permit:
        description: Values to permit.
        type: list
        elements: str
      deny:
        description: Values to stop permitting.
        type: list
        elements: str
      restriction:
        description: Set the restriction form.
        type: str
        choices: [any_string, any, list, range]
      restriction_if_missing:
        description: The restriction form of the key in a profile that lacks it.
        type: str
        choices: [any_string, any, list, range, unrestricted]
      values:
        description: The values of a V(list) or V(range) restriction.
        type: list
        elements: str
  exact:
    description:
      - Each section the edits name holds exactly the keys they name; every other key of those
        sections is removed (listed in RV(files) with C(after) null). With O(profiles), give it per
        profile instead.
      - Use it to set a whole profile section, for example the C(Network\Proxy) section of a region
        file, to the restrictions a playbook lists. A missing section is created by the first entry
        that writes a key in it.
    type: bool
    default: false
  profiles:
    description:
      - Profile files, each with the entries of its own, edited in one run.
      - Mutually exclusive with O(icaroot), O(config_dir), O(path), O(region), O(key), O(entries),
        O(section), O(permit), O(deny), O(restriction), O(restriction_if_missing), O(values) and O(exact).
      - A profile file named twice is refused; give all of its entries in one item.
    type: list
    elements: dict
    suboptions:
      path:
        description: The profile file. It must exist.
        type: path
        required: true
      entries:
        description:
          - The keys to edit in this file, in order, as in the top-level O(entries) (the same suboptions).
        type: list
        elements: dict
        required: true
        suboptions: *entry_options
      exact:
        description: As the top-level O(exact), for this profile.
        type: bool
        default: false
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
        V(list) or V(range) with O(values). Needed to create a key the profile lacks, unless
        O(restriction_if_missing) is given.
    type: str
    choices: [any_string, any, list, range]
  restriction_if_missing:
    description:
      - The restriction form (with O(values) for V(list) and V(range)) of the key in a profile that
        lacks it; a profile that has the key keeps its restriction, and O(values) are then ignored.
        O(permit) and O(deny) apply in both cases.
      - For C(All_Regions.ini) with C(AllowUnrecognisedICAParameters=false), where a key the profile
        does not list is discarded, this makes sure a key is listed without overwriting what an
        administrator already restricted.
      - V(unrestricted) leaves a missing key out; a region profile does not restrict a key it does
        not list, so there is nothing to O(permit) (a O(deny) is refused). Use it to permit a value
        in region files whatever their content, for example the users' C(~/.ICAClient) copies.
    type: str
    choices: [any_string, any, list, range, unrestricted]
  values:
    description:
      - The permitted values of a V(list) restriction (the first is the default), or the ranges of a
        V(range) restriction such as C(100-) or C(50-75), for O(restriction) or O(restriction_if_missing).
    type: list
    elements: str
  backup:
    description:
      - Keep a copy of each profile, named after the file and a timestamp, before changing it.
      - A backup is written completely or not at all (never an empty file on a full file system);
        the backups of a run that fails are removed with its changes.
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

- name: Make sure All_Regions.ini lists ProxyHost and permits the proxy, keeping its restriction
  icaclient.linux.region_lockdown:
    icaroot: /opt/Citrix/ICAClient
    region: [all]
    key: ProxyHost
    permit: [proxy.example.com:3128]
    restriction_if_missing: any_string

- name: List every key a playbook sets in a user's All_Regions.ini, in one run
  icaclient.linux.region_lockdown:
    config_dir: /home/alice/.ICAClient
    region: [all]
    entries:
      - key: MinimumTLS
        permit: ["1.2"]
        restriction_if_missing: any_string
      - key: ProxyPort
        permit: ["3128"]
        restriction_if_missing: any

- name: List the keys in All_Regions.ini and permit a Secure proxy in the trusted region, in one run
  icaclient.linux.region_lockdown:
    profiles:
      - path: /opt/Citrix/ICAClient/config/All_Regions.ini
        entries:
          - key: ProxyType
            permit: [Secure]
            restriction_if_missing: any_string
          - key: ProxyHost
            permit: [proxy.example.com:3128]
            restriction_if_missing: any_string
      - path: /opt/Citrix/ICAClient/config/Trusted_Region.ini
        entries:
          - key: ProxyType
            permit: [Secure]
            restriction_if_missing: unrestricted
    backup: true

- name: Make the proxy section of the trusted region permit exactly these values, and nothing else
  icaclient.linux.region_lockdown:
    icaroot: /opt/Citrix/ICAClient
    region: [trusted]
    exact: true
    entries:
      - key: ProxyType
        restriction: list
        values: [None, Secure]
      - key: ProxyHost
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
  description:
    - One entry per profile file and key, with the key's restriction before and after, in the order
      of the files (O(profiles), or the files of O(region)) and of the keys (O(entries), or O(key)),
      then the keys O(exact) removed.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: The profile file.
      type: str
    key:
      description: The key.
      type: str
    section:
      description: The section of the key.
      type: str
    before:
      description: The restriction before (null when the key was absent).
      type: str
    after:
      description:
        - The restriction after (predicted in check mode); null when the key stays absent
          (O(restriction_if_missing=unrestricted)) or O(exact) removed it.
      type: str
    changed:
      description: Whether this file changes.
      type: bool
    backup_file:
      description: The copy made before the change, with O(backup=true).
      type: str
  sample:
    - path: /opt/Citrix/ICAClient/config/Trusted_Region.ini
      key: ProxyType
      section: Network\Proxy
      before: None,Auto,Wpad
      after: None,Auto,Wpad,Secure
      changed: true
section:
  description: The section edited (the same as in each entry of RV(files); kept for playbooks that read it).
  returned: when O(key) is given
  type: str
  sample: Network\Proxy
diff:
  description: Each profile before and after (once per file with O(entries) or O(profiles)).
  returned: always
  type: list
  elements: dict
"""

import os

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError
from ansible_collections.icaclient.linux.plugins.module_utils._ini.lockdown import (
    ProfileEdit,
    ProfileFile,
    region_files,
    update_profile_sets,
)
from ansible_collections.icaclient.linux.plugins.module_utils._ini.schema import lockdown_section
from ansible_collections.icaclient.linux.plugins.module_utils._transaction import backup_copy

_FORMS = ["any_string", "any", "list", "range"]
_IF_MISSING = [*_FORMS, "unrestricted"]
_EDIT_OPTIONS = ("permit", "deny", "restriction", "restriction_if_missing")
_NEEDS_VALUES = [
    ("restriction", "list", ("values",)),
    ("restriction", "range", ("values",)),
    ("restriction_if_missing", "list", ("values",)),
    ("restriction_if_missing", "range", ("values",)),
]
_NOT_WITH_PROFILES = (
    "icaroot",
    "config_dir",
    "path",
    "region",
    "key",
    "entries",
    "section",
    "values",
    "exact",
    *_EDIT_OPTIONS,
)


def _entries_spec():
    """The options of one entry, for ``entries`` and for each profile's ``entries``."""
    return dict(
        type="list",
        elements="dict",
        options=dict(
            key=dict(type="str", required=True, no_log=False),
            section=dict(type="str"),
            permit=dict(type="list", elements="str"),
            deny=dict(type="list", elements="str"),
            restriction=dict(type="str", choices=_FORMS),
            restriction_if_missing=dict(type="str", choices=_IF_MISSING),
            values=dict(type="list", elements="str"),
        ),
        required_one_of=[_EDIT_OPTIONS],
        mutually_exclusive=[("restriction", "restriction_if_missing")],
        required_if=_NEEDS_VALUES,
    )


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
            key=dict(type="str", no_log=False),
            entries=_entries_spec(),
            exact=dict(type="bool", default=False),
            profiles=dict(
                type="list",
                elements="dict",
                options=dict(
                    path=dict(type="path", required=True),
                    entries=dict(_entries_spec(), required=True),
                    exact=dict(type="bool", default=False),
                ),
            ),
            permit=dict(type="list", elements="str"),
            deny=dict(type="list", elements="str"),
            restriction=dict(type="str", choices=_FORMS),
            restriction_if_missing=dict(type="str", choices=_IF_MISSING),
            values=dict(type="list", elements="str"),
            backup=dict(type="bool", default=False),
        ),
        required_one_of=[("icaroot", "config_dir", "path", "profiles"), ("key", "entries", "profiles")],
        mutually_exclusive=[
            ("icaroot", "config_dir", "path"),
            *(("profiles", name) for name in _NOT_WITH_PROFILES),
            ("path", "region"),
            ("restriction", "restriction_if_missing"),
            *(("entries", name) for name in ("key", "section", "values", *_EDIT_OPTIONS)),
        ],
        required_by={"icaroot": "region", "config_dir": "region"},
        required_if=_NEEDS_VALUES,
        supports_check_mode=True,
    )
    params = module.params
    if params["key"] is not None and all(params[name] is None for name in _EDIT_OPTIONS):
        module.fail_json(msg=f"one of the following is required: {', '.join(_EDIT_OPTIONS)}")
    try:
        profiles = _request(params)
        files = update_profile_sets(
            profiles,
            check_mode=module.check_mode,
            backup=backup_copy if params["backup"] else None,
        )
    except IcaClientError as exc:
        module.fail_json(msg=exc.message, **exc.details)
    for change in files:
        for warning in change.warnings:
            module.warn(warning)
    result = dict(
        changed=any(change.changed for change in files),
        diff=[change.diff() for change in files],
        files=[entry for change in files for entry in change.entries()],
    )
    if params["key"] is not None:
        result["section"] = profiles[0].edits[0].section
    module.exit_json(**result)


def _request(params):
    """Every form as one request: profile files, each with its edits (the single key is a list of one)."""
    if params["profiles"] is not None:
        return [
            ProfileFile(profile["path"], [_edit(entry) for entry in profile["entries"]], profile["exact"])
            for profile in params["profiles"]
        ]
    edits = [_edit(entry) for entry in (params["entries"] if params["entries"] is not None else [params])]
    if params["path"]:
        paths = [params["path"]]
    else:
        config_dir = params["config_dir"] or os.path.join(params["icaroot"], "config")
        paths = []
        for region in params["region"]:
            paths.extend(path for path in region_files(config_dir, region) if path not in paths)
    return [ProfileFile(path, edits, params["exact"]) for path in paths]


def _edit(options):
    """A ProfileEdit from the module's (or one entry's) options; the section from the schema if not given."""
    section = options["section"] or lockdown_section(options["key"])
    if not section:
        raise IcaClientError(
            f"section is required for key {options['key']}: the schema does not know its section"
        )
    return ProfileEdit(
        key=options["key"],
        section=section,
        restriction=options["restriction"],
        values=options["values"] or [],
        permit=options["permit"] or [],
        deny=options["deny"] or [],
        restriction_if_missing=options["restriction_if_missing"],
    )


if __name__ == "__main__":
    main()
