# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action of icaclient.linux.check_mode_info: answered on the controller, no call to the host."""

from __future__ import annotations

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        if self._task.args:
            result.update(failed=True, msg="check_mode_info takes no arguments")
            return result
        # The play context's check mode is what modules are told: --check, or the check_mode
        # keyword of the task, its block or its play.
        result.update(changed=False, check_mode=bool(self._play_context.check_mode))
        return result
