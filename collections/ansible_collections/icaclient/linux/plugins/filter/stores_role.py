# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ``icaclient.linux.store_items`` filter (documented in store_items.yml beside it)."""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError


def store_items(stores, users=None):
    name = "store_items"
    if isinstance(stores, (str, bytes, Mapping)) or not hasattr(stores, "__iter__"):
        raise AnsibleFilterError(f"{name} expects a list of stores, got {type(stores).__name__}")
    default_users = [] if users is None else users
    if isinstance(default_users, (str, bytes, Mapping)) or not hasattr(default_users, "__iter__"):
        raise AnsibleFilterError(f"{name}: users must be a list of user names, got {type(users).__name__}")
    items = []
    for store in stores:
        if not isinstance(store, Mapping):
            raise AnsibleFilterError(f"{name}: each store must be a mapping, got {type(store).__name__}")
        items.append({**store, "users": store["users"] if "users" in store else list(default_users)})
    return items


class FilterModule:
    def filters(self):
        return {"store_items": store_items}
