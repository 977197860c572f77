# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``icaclient.linux.client_settings_problems`` filter (documented in client_settings_problems.yml
beside it)."""

from __future__ import annotations

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError
from ansible_collections.icaclient.linux.plugins.module_utils._ini.client_ini import settings_problems
from ansible_collections.icaclient.linux.plugins.module_utils._ini.rules import build_schema


def client_settings_problems(sections, allow_tls13=False, client_version=None, schema_overrides=None):
    if not isinstance(sections, Mapping):
        raise AnsibleFilterError(
            "client_settings_problems expects a mapping of section name to settings, "
            f"got {type(sections).__name__}"
        )
    for section, settings in sections.items():
        if settings is not None and not isinstance(settings, Mapping):
            raise AnsibleFilterError(
                f"client_settings_problems: the settings of section {section} must be a mapping of key to "
                f"value, got {type(settings).__name__}"
            )
    if schema_overrides is not None and not isinstance(schema_overrides, Mapping):
        raise AnsibleFilterError(
            f"client_settings_problems: schema_overrides must be a mapping, got {type(schema_overrides).__name__}"
        )
    try:
        schema = build_schema(schema_overrides)
        return settings_problems(
            sections,
            allow_tls13=bool(allow_tls13),
            client_version=None if client_version is None else str(client_version),
            schema=schema,
        )
    except IcaClientError as exc:  # a bad schema override: the filter's own input, not a setting
        raise AnsibleFilterError(f"client_settings_problems: {exc.message}") from exc


class FilterModule:
    def filters(self):
        return {"client_settings_problems": client_settings_problems}
