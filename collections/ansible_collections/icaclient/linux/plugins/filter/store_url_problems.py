# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``icaclient.linux.store_url_problems`` filter (documented in store_url_problems.yml beside it)."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError
from ansible_collections.icaclient.linux.plugins.module_utils._storebrowse import normalise_url


def store_url_problems(urls):
    if isinstance(urls, (str, bytes)) or not hasattr(urls, "__iter__"):
        raise AnsibleFilterError(
            f"store_url_problems expects a list of store URLs, got {type(urls).__name__}"
        )
    problems = []
    for url in urls:
        try:
            normalise_url(str(url))
        except IcaClientError as exc:
            problems.append(exc.message)
    return problems


class FilterModule:
    def filters(self):
        return {"store_url_problems": store_url_problems}
