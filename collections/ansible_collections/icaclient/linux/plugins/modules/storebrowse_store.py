#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: storebrowse_store
short_description: Add or remove a StoreFront or NetScaler Gateway store for a user
version_added: 0.1.0
author: icaclient.linux developers (@icaclient-linux)
description:
  - Adds or deletes one store in a user's Citrix Workspace app configuration through the
    client's own C(storebrowse) tool (C(-a), C(-l), C(-d), C(-g)).
  - Idempotent through the store listing (C(storebrowse -l)); URLs are compared with the
    scheme and host case-insensitive and without a trailing slash.
  - Runs C(storebrowse) as the target user (it writes that user's C(~/.ICAClient)) with
    C(runuser); no password is ever passed on the command line.
  - Exit code 150 (the store's certificate is not trusted) is reported with the keystore fix.
options:
  icaroot:
    description: The client's install root; C(storebrowse) is looked up in its C(util) folder.
    type: path
    default: /opt/Citrix/ICAClient
  url:
    description:
      - The store URL, for example C(https://storefront.example.com/Citrix/Store/discovery),
        or a NetScaler Gateway URL such as C(https://gateway.example.com).
      - A URL with a user name or password (C(https://user:password@host/...)) is refused, and
        neither is repeated in any output; stores authenticate in the client when the user signs in.
        A URL with control characters (a line end, a tab), a port outside 1 to 65535 or a broken
        IPv6 host is refused too, before C(storebrowse) runs.
    type: str
    required: true
  state:
    description: Whether the store is present or absent.
    type: str
    choices: [present, absent]
    default: present
  gateway:
    description:
      - Name of the NetScaler Gateway to set as the store's default gateway (C(storebrowse -g))
        when the store is added.
    type: str
  user:
    description:
      - The local user whose store list is managed. Omit to manage the stores of the user
        the module runs as.
    type: str
  home:
    description:
      - The user's home folder; defaults to the one in the password database.
      - It must exist (in check mode too); C(storebrowse) keeps the user's stores in C(~/.ICAClient) there.
    type: path
  storebrowse_path:
    description: Path of the C(storebrowse) tool when it is not in I(icaroot)/util.
    type: path
notes:
  - Supports check mode and diff mode.
"""

EXAMPLES = r"""
- name: Add the corporate StoreFront store for alice
  icaclient.linux.storebrowse_store:
    url: https://storefront.example.com/Citrix/Store/discovery
    user: alice

- name: Add a store reached through a NetScaler Gateway
  icaclient.linux.storebrowse_store:
    url: https://gateway.example.com
    gateway: Corporate Gateway
    user: alice

- name: Remove a retired store
  icaclient.linux.storebrowse_store:
    url: https://old-storefront.example.com/Citrix/Store/discovery
    user: alice
    state: absent
"""

RETURN = r"""
action:
  description: What was done, C(added), C(deleted) or C(none).
  returned: always
  type: str
  sample: added
stores:
  description: The store URLs the user has after the run (predicted in check mode).
  returned: always
  type: list
  elements: str
  sample: [https://storefront.example.com/Citrix/Store/discovery]
url:
  description: The store URL the task managed.
  returned: always
  type: str
"""

import pwd

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError
from ansible_collections.icaclient.linux.plugins.module_utils._runner import module_runner
from ansible_collections.icaclient.linux.plugins.module_utils._storebrowse import (
    StoreRequest,
    ensure_store,
    shown_url,
    url_secrets,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            icaroot=dict(type="path", default="/opt/Citrix/ICAClient"),
            url=dict(type="str", required=True),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            gateway=dict(type="str"),
            user=dict(type="str"),
            home=dict(type="path"),
            storebrowse_path=dict(type="path"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    # The URL is refused below when it holds credentials; masking them here keeps them out of
    # everything Ansible prints or registers, the module's own arguments included.
    for secret in url_secrets(params["url"]):
        module.no_log_values.add(secret)
    home = params["home"]
    if params["user"] and not home:
        try:
            home = pwd.getpwnam(params["user"]).pw_dir
        except KeyError:
            module.fail_json(msg=f"cannot manage stores of user {params['user']}: no such user")
    try:
        request = StoreRequest.from_options(params, home=home)
        outcome = ensure_store(
            module_runner(module), request, icaroot=params["icaroot"], check_mode=module.check_mode
        )
    except IcaClientError as exc:
        module.fail_json(msg=exc.message, url=shown_url(params["url"]), **exc.details)
    diff = {
        "before": "\n".join(outcome.stores_before) + "\n",
        "after": "\n".join(outcome.stores_after) + "\n",
        "before_header": f"stores of {params['user'] or 'the current user'}",
        "after_header": f"stores of {params['user'] or 'the current user'}",
    }
    module.exit_json(
        changed=outcome.changed,
        action=outcome.action,
        stores=outcome.stores_after,
        url=params["url"],
        diff=diff,
    )


if __name__ == "__main__":
    main()
