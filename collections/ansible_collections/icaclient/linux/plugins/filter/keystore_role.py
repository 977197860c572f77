# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ``icaclient.linux.keystore_rehash_steps`` filter (documented in keystore_rehash_steps.yml beside
it): where the icaclient_keystore role rehashes, so that each folder is rehashed once."""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

# The keystore folders (keystore_cert's item kinds); an item without kind is a root.
_KINDS = ("root", "intermediate")
_BUILTIN = "builtin"


def keystore_rehash_steps(certificates, rehash=True, method=_BUILTIN):
    name = "keystore_rehash_steps"
    if isinstance(certificates, (str, bytes, Mapping)) or not hasattr(certificates, "__iter__"):
        raise AnsibleFilterError(
            f"{name} expects the list of certificate items, got {type(certificates).__name__}"
        )
    items = list(certificates)
    for item in items:
        if not isinstance(item, Mapping):
            raise AnsibleFilterError(
                f"{name}: each certificate item must be a mapping, got {type(item).__name__}"
            )
    wanted = boolean(rehash, strict=False)
    # keystore_cert rehashes, the builtin way, the folders its certificates are in.
    in_call = wanted and str(method) == _BUILTIN and len(items) > 0
    kinds = {item.get("kind") or _KINDS[0] for item in items}
    both_in_call = in_call and all(kind in kinds for kind in _KINDS)
    return {"with_certificates": in_call, "on_its_own": wanted and not both_in_call}


class FilterModule:
    def filters(self):
        return {"keystore_rehash_steps": keystore_rehash_steps}
