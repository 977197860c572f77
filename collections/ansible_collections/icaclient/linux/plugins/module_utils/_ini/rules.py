# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""The schema as configured (:func:`build_schema`) and whole sections checked against it (:func:`validate`)."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any, Optional

from .._errors import IcaClientError
from .schema import SCHEMA, normalize_tls, shown
from .values import _CHECKS, _version_tuple, check_value


def build_schema(overrides: Optional[Mapping[str, Any]] = None) -> dict[str, Any]:
    """The default schema with ``overrides`` applied.

    ``overrides["keys"]``: key specs merged into the known ones (a spec of ``None``
    forgets the key); ``overrides["rules"]``: rules added; ``overrides["tls"]`` and
    ``overrides["secret_patterns"]`` replace the corresponding entries.
    """
    schema = copy.deepcopy(SCHEMA)
    if not overrides:
        return schema
    unknown = set(overrides) - {"keys", "rules", "tls", "secret_patterns"}
    if unknown:
        raise IcaClientError(f"unknown schema override(s): {', '.join(sorted(unknown))}")
    index = {name.lower(): name for name in schema["keys"]}
    for name, spec in (overrides.get("keys") or {}).items():
        existing = index.get(name.lower())
        if spec is None:
            if existing:
                del schema["keys"][existing]
            continue
        if not isinstance(spec, Mapping):
            raise IcaClientError(f"schema override for key {name} must be a mapping")
        if existing:
            schema["keys"][existing].update(copy.deepcopy(dict(spec)))
        else:
            schema["keys"][name] = copy.deepcopy(dict(spec))
    for spec in schema["keys"].values():
        if spec.get("type", "string") not in _CHECKS:
            raise IcaClientError(f"schema: unknown key type {spec.get('type')!r}")
    schema["rules"].extend(copy.deepcopy(list(overrides.get("rules") or [])))
    if "tls" in overrides:
        schema["tls"].update(copy.deepcopy(dict(overrides["tls"])))
    if "secret_patterns" in overrides:
        schema["secret_patterns"] = [str(p).lower() for p in overrides["secret_patterns"]]
    return schema


def validate(
    settings_after: Mapping[str, str],
    *,
    path: str,
    section: Optional[str] = None,
    changed_keys: Optional[Iterable[str]] = None,
    allow_tls13: bool = False,
    client_version: Optional[str] = None,
    schema: Optional[Mapping[str, Any]] = None,
) -> None:
    """Check the settings of one section as they will be after an edit.

    ``settings_after`` maps key to value (any case). With ``changed_keys``, single
    values are checked only for those keys and a rule only when one of its keys
    changed, so a stock file's own oddities never block an unrelated edit.
    Raises IcaClientError naming the file, the key and the (masked) value.
    """
    schema = schema or SCHEMA
    values = {key.lower(): (key, value) for key, value in settings_after.items()}
    changed = None if changed_keys is None else {key.lower() for key in changed_keys}
    where = f"{path} [{section}]" if section else path
    problems: list[str] = []

    for folded, (key, value) in values.items():
        if changed is not None and folded not in changed:
            continue
        problem = check_value(
            key, value, schema=schema, allow_tls13=allow_tls13, client_version=client_version
        )
        if problem:
            problems.append(f"{key}={shown(key, value, schema)}: {problem}")

    for rule in schema["rules"]:
        problem = _check_rule(rule, values, changed, schema)
        if problem:
            problems.append(problem)

    if problems:
        raise IcaClientError(
            f"invalid settings for {where}: " + "; ".join(problems),
            path=path,
            section=section,
            problems=problems,
        )


def _check_rule(
    rule: Mapping[str, Any],
    values: Mapping[str, tuple[str, str]],
    changed: Optional[set[str]],
    schema: Mapping[str, Any],
) -> Optional[str]:
    kind = rule.get("rule")
    if kind == "requires":
        involved = [rule["key"], *rule["requires"]]
        if changed is not None and not any(name.lower() in changed for name in involved):
            return None
        entry = values.get(rule["key"].lower())
        if entry is None or entry[1].lower() not in (v.lower() for v in rule["values"]):
            return None
        missing = [name for name in rule["requires"] if not values.get(name.lower(), ("", ""))[1]]
        if missing:
            key, value = entry
            return f"{key}={shown(key, value, schema)} needs {' and '.join(missing)} to be set"
        return None
    if kind == "tls_order":
        low_name, high_name = rule["minimum"], rule["maximum"]
        if changed is not None and low_name.lower() not in changed and high_name.lower() not in changed:
            return None
        defaults = schema["tls"].get("defaults", {})
        low_raw = values.get(low_name.lower(), (low_name, defaults.get(low_name)))[1]
        high_raw = values.get(high_name.lower(), (high_name, defaults.get(high_name)))[1]
        low = normalize_tls(low_raw, schema) if low_raw else None
        high = normalize_tls(high_raw, schema) if high_raw else None
        if low is None or high is None:
            return None  # reported as a bad single value
        if _version_tuple(low) > _version_tuple(high):
            low_note = "" if low_name.lower() in values else " (the client's default)"
            high_note = "" if high_name.lower() in values else " (the client's default)"
            return (
                f"{low_name}={low_raw}{low_note} is above {high_name}={high_raw}{high_note}: "
                "no TLS version would be left to negotiate"
            )
        return None
    raise IcaClientError(f"schema: unknown rule {kind!r}")
