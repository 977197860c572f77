#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: check_mode_info
short_description: Tell whether the task runs in check mode, by the play's keyword or by --check
version_added: 0.2.0
author: icaclient.linux developers (@icaclient-linux)
description:
  - Returns I(check_mode), true when modules of this task would be run in check mode, with
    C(--check), or with the C(check_mode) keyword of the task, its block or its play.
  - The magic variable C(ansible_check_mode) reflects C(--check) only. Inside a play made check
    mode by its keyword (as C(compliance.yml) runs the roles) it is false, so a role that guards
    a step with it runs the step as if for real. The roles of this collection ask this module
    instead.
  - Answered on the controller by an action plugin, without a call to the managed host.
options: {}
attributes:
  check_mode:
    support: full
    description: Reports check mode; changes nothing either way.
  diff_mode:
    support: none
    description: Nothing to show.
  platform:
    support: full
    platforms: all
    description: Runs on the controller.
"""

EXAMPLES = r"""
- name: Tell whether this run only predicts
  icaclient.linux.check_mode_info:
  register: run_mode

- name: Start the service only for real
  ansible.builtin.service:
    name: pcscd
    state: started
  when: not run_mode.check_mode
"""

RETURN = r"""
check_mode:
  description: Whether the task runs in check mode.
  returned: always
  type: bool
  sample: true
"""

from ansible.module_utils.basic import AnsibleModule


def main() -> None:
    # Reached only without the action plugin (for example through ansible-test): the same answer,
    # from the module's own side.
    module = AnsibleModule(argument_spec={}, supports_check_mode=True)
    module.exit_json(changed=False, check_mode=module.check_mode)


if __name__ == "__main__":
    main()
