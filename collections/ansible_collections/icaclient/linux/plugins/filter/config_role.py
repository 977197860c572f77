# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The filters the icaclient_config role declares its variables with, so that the role holds no
Jinja loop: ``lockdown_entries``, ``client_words``, ``uid_range_users``, ``client_folders``,
``files_in_folders`` and ``lockdown_items`` (each documented in the ``.yml`` file of its name)."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Optional

from ansible.errors import AnsibleFilterError
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError
from ansible_collections.icaclient.linux.plugins.module_utils._ini.rules import build_schema
from ansible_collections.icaclient.linux.plugins.module_utils._ini.schema import (
    REGION_FILES,
    key_spec,
    lockdown_section,
)
from ansible_collections.icaclient.linux.plugins.module_utils._ini.values import ini_value

# Forms of icaclient.linux.region_lockdown (restriction and restriction_if_missing).
_ANY = "any"
_ANY_STRING = "any_string"


def _mapping(value, what: str, filter_name: str) -> Mapping:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise AnsibleFilterError(f"{filter_name}: {what} must be a mapping, got {type(value).__name__}")
    return value


def _sequence(value, what: str, filter_name: str) -> list:
    if value is None:
        return []
    if isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__iter__"):
        raise AnsibleFilterError(f"{filter_name}: {what} must be a list, got {type(value).__name__}")
    return list(value)


def _is_integer(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _form_if_missing(key: str, value) -> str:
    """What a profile that lacks ``key`` gets: any integer or boolean (``*``) for the schema's int and
    bool keys, any string for its other keys; for a key the schema does not know, by the value's type."""
    spec = key_spec(key)
    if spec is not None:
        return _ANY if spec.get("type") in ("int", "bool") else _ANY_STRING
    return _ANY if isinstance(value, bool) or _is_integer(value) else _ANY_STRING


def lockdown_entries(sections, lockdown_sections=None, list_keys=None, listed_only=None):
    """One region_lockdown entry per key set in ``sections`` (section -> key -> value), then one per
    key of ``listed_only`` (listed in the profile, no value permitted: the proxy password)."""
    name = "lockdown_entries"
    sections = _mapping(sections, "the input (section -> key -> value)", name)
    placed = _mapping(lockdown_sections, "lockdown_sections", name)
    list_keys = set(_sequence(list_keys, "list_keys", name))
    entries = []
    for section, settings in sections.items():
        for key, value in _mapping(settings, f"the settings of section {section}", name).items():
            if value is None:
                continue
            entry = {"key": key, "section": placed.get(key, lockdown_section(key))}
            if key in list_keys:
                # A comma in a lockdown value makes a choice list: a list value is never permitted by value.
                entry.update(permit=[], restriction=_ANY_STRING)
            else:
                permit = [] if isinstance(value, bool) else [str(value)]
                entry.update(permit=permit, restriction_if_missing=_form_if_missing(key, value))
            entries.append(entry)
    for key in _sequence(listed_only, "listed_only", name):
        section = placed.get(key, lockdown_section(key))
        entries.append({"key": key, "section": section, "restriction_if_missing": _ANY_STRING, "permit": []})
    return entries


def client_words(settings, bool_words=None):
    """The settings that are set (not null), each value as the client writes it: a boolean in the key's
    words (the schema's, else ``bool_words``), a number as its text. A key the schema types bool reads
    any of Ansible's boolean spellings (``yes``, ``on``, ``1``)."""
    name = "client_words"
    settings = _mapping(settings, "the input (key -> value)", name)
    extra_words = _mapping(bool_words, "bool_words", name)
    try:
        schema = build_schema(
            {"keys": {key: {"bool_words": list(words)} for key, words in extra_words.items()}}
        )
        words = {}
        for key, value in settings.items():
            if value is None:
                continue
            spec = key_spec(key, schema)
            if spec is not None and spec.get("type") == "bool" and not isinstance(value, bool):
                value = boolean(value, strict=False)
            words[key] = ini_value(key, value, path="the role's settings", schema=schema)
        return words
    except (IcaClientError, TypeError) as exc:
        raise AnsibleFilterError(f"{name}: {exc}") from exc


def _uid(entry) -> int:
    try:
        return int(entry[1])
    except (TypeError, ValueError, IndexError, KeyError):
        return -1


def uid_range_users(getent_passwd, min_uid, max_uid):
    """The names of the users of a getent passwd result (name -> [password, uid, ...]) whose uid is in
    ``min_uid`` to ``max_uid``, sorted."""
    name = "uid_range_users"
    passwd = _mapping(getent_passwd, "the input (a getent passwd result)", name)
    try:
        low, high = int(min_uid), int(max_uid)
    except (TypeError, ValueError) as exc:
        raise AnsibleFilterError(f"{name}: min_uid and max_uid must be integers") from exc
    return sorted(user for user, entry in passwd.items() if low <= _uid(entry) <= high)


def client_folders(stat_results):
    """The folders a looped ``ansible.builtin.stat`` found (a folder, never a link to one), each to the
    loop item it was found for: path -> item."""
    name = "client_folders"
    results = _sequence(stat_results, "the input (the results of a looped stat)", name)
    folders = {}
    for result in results:
        stat = _mapping(result, "each result", name).get("stat")
        if isinstance(stat, Mapping) and stat.get("isdir"):
            folders[stat["path"]] = result.get("item")
    return folders


def files_in_folders(found_files, folders):
    """The files of an ``ansible.builtin.find`` result that lie directly in one of ``folders`` (a find
    that recurses also sees their subfolders), sorted by path."""
    name = "files_in_folders"
    files = _sequence(found_files, "the input (the files of a find result)", name)
    wanted = set(_sequence(folders, "folders", name))
    kept = [
        found for found in files if posixpath.dirname(_mapping(found, "each file", name)["path"]) in wanted
    ]
    return sorted(kept, key=lambda found: found["path"])


def _region(path: str) -> Optional[str]:
    name = posixpath.basename(path)
    return next((region for region, names in REGION_FILES.items() if name in names), None)


def _entry_name(entry: Mapping) -> tuple[str, str]:
    return (str(entry.get("section") or "").lower(), str(entry["key"]).lower())


def _merged(exact: list, entries: list) -> list:
    """The exact entries, each with what the role's entry for the same key adds: its permitted values,
    and its restriction where it gives one (a list key: any string); then the role's other entries."""
    role = {_entry_name(entry): entry for entry in entries}
    merged = []
    for owned in exact:
        entry = dict(owned)
        extra = role.pop(_entry_name(owned), None)
        if extra is not None:
            permit = list(entry.get("permit") or [])
            entry["permit"] = permit + [value for value in extra.get("permit") or [] if value not in permit]
            if extra.get("restriction"):
                entry["restriction"] = extra["restriction"]
                entry.pop("values", None)
            elif not entry.get("restriction") and extra.get("restriction_if_missing"):
                entry.setdefault("restriction_if_missing", extra["restriction_if_missing"])
        merged.append(entry)
    return merged + [entry for entry in entries if _entry_name(entry) in role]


def lockdown_items(paths, entries=None, region_entries=None, regions=None, exact=None):
    """The profiles of one icaclient.linux.region_lockdown call: ``All_Regions.ini`` files get ``entries``,
    the region profiles of ``regions`` get ``region_entries``, and a profile whose region ``exact`` names
    gets those entries too and is made exact. A profile with nothing to do is left out."""
    name = "lockdown_items"
    entries = _sequence(entries, "entries", name)
    region_entries = _sequence(region_entries, "region_entries", name)
    regions = {str(region).lower() for region in _sequence(regions, "regions", name)}
    exact = {str(region).lower(): owned for region, owned in _mapping(exact, "exact", name).items()}
    for region, owned in exact.items():
        if region not in REGION_FILES:
            raise AnsibleFilterError(
                f"{name}: exact names the unknown region {region}; use one of {', '.join(REGION_FILES)}"
            )
        for entry in _sequence(owned, f"the exact entries of region {region}", name):
            if not isinstance(entry, Mapping) or "key" not in entry:
                raise AnsibleFilterError(
                    f"{name}: each exact entry of region {region} is a mapping with a key"
                )
    items = []
    for path in _sequence(paths, "the input (profile paths)", name):
        region = _region(path)
        if region is None:
            raise AnsibleFilterError(f"{name}: {path} is not a lockdown profile name")
        own = entries if region == "all" else region_entries if region in regions else []
        owned = _sequence(exact.get(region), f"the exact entries of region {region}", name)
        if owned:
            items.append({"path": path, "entries": _merged(owned, own), "exact": True})
        elif own:
            items.append({"path": path, "entries": own})
    return items


class FilterModule:
    def filters(self):
        return {
            "lockdown_entries": lockdown_entries,
            "client_words": client_words,
            "uid_range_users": uid_range_users,
            "client_folders": client_folders,
            "files_in_folders": files_in_folders,
            "lockdown_items": lockdown_items,
        }
