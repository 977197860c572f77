# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``icaclient.linux.change_summary`` filter (documented in change_summary.yml beside it)."""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.icaclient.linux.plugins.module_utils._report.changes import summarize_changes


def change_summary(registered, prefix=""):
    if not isinstance(registered, Mapping):
        raise AnsibleFilterError(
            f"change_summary expects a mapping of variable name to registered result, got {type(registered).__name__}"
        )
    return summarize_changes(registered, prefix=str(prefix or ""))


class FilterModule:
    def filters(self):
        return {"change_summary": change_summary}
