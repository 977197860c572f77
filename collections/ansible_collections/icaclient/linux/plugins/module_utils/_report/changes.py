# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""What a role would change in check mode, summarised without values.

Secrets: a role's diff is summarised as file names, line counts and ini KEY names, never
values, because registered results no longer carry the ``no_log`` marks of their tasks.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from typing import Any, Optional

_MAX_TOKENS = 8  # names shown per changed file in a role's diff summary
_MAX_NOTE = 240  # characters kept of a prepared diff
_INI_KEY = re.compile(r"^\s*([^=;#\[\]\s][^=;#\[\]]*?)\s*=")
_INI_SECTION = re.compile(r"^\s*\[([^\]]+)\]\s*$")


def _diff_items(diff: Any) -> list[Mapping[str, Any]]:
    if isinstance(diff, Mapping):
        return [diff]
    if isinstance(diff, Sequence) and not isinstance(diff, (str, bytes)):
        return [item for item in diff if isinstance(item, Mapping)]
    return []


def _token(line: str) -> str:
    """A changed line's name: an ini key or [section] (never a value), else its first word."""
    section = _INI_SECTION.match(line)
    if section:
        return f"[{section.group(1).strip()}]"
    key = _INI_KEY.match(line)
    if key:
        return key.group(1).strip()
    words = line.split()
    return words[0][:64] if words else ""


def _summarize_diff(diff: Mapping[str, Any]) -> Optional[dict[str, Any]]:
    if "prepared" in diff:
        # A module's own account of the change (apt: the packages it would install).
        text = " ".join(str(diff.get("prepared") or "").split())
        if not text:
            return None
        return {"file": None, "added": None, "removed": None, "names": [], "note": text[:_MAX_NOTE]}
    before = diff.get("before")
    after = diff.get("after")
    if not isinstance(before, str) or not isinstance(after, str):
        return None
    added: list[str] = []
    removed: list[str] = []
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0):
        if line.startswith(("+++", "---", "@@")):
            continue
        if line.startswith("+"):
            added.append(line[1:])
        elif line.startswith("-"):
            removed.append(line[1:])
    if not added and not removed:
        return None
    names: list[str] = []
    for line in removed + added:
        token = _token(line)
        if token and token not in names:
            names.append(token)
    header = diff.get("after_header") or diff.get("before_header")
    return {
        "file": str(header) if header else None,
        "added": len(added),
        "removed": len(removed),
        "names": names,
        "note": None,
    }


def _item_label(item: Any) -> Optional[str]:
    if item is None:
        return None
    if isinstance(item, (str, int, float)):
        return str(item)
    if isinstance(item, Mapping):
        for key in ("name", "path", "url", "key", "src", "folder"):
            value = item.get(key)
            if isinstance(value, (str, int)) and str(value):
                return str(value)
        nested = item.get("item")
        return _item_label(nested)
    if isinstance(item, Sequence):
        parts = [label for label in (_item_label(part) for part in item) if label]
        return " ".join(parts) or None
    return None


def summarize_changes(registered: Mapping[str, Any], *, prefix: str = "") -> list[dict[str, Any]]:
    """What a role's registered task results say would change, one entry per changed result.

    ``registered`` maps variable names to what ``register`` stored (a loop's ``results`` are
    looked into); anything that is not a task result (a fact, a list) is ignored. ``prefix``
    is cut from the names (``__icaclient_keystore_``), so that the step reads
    ``roots_result``. Each entry: ``step``, ``item`` (a label or None) and ``files`` (see
    :func:`_summarize_diff`; empty when the module gave no diff).
    """
    entries: list[dict[str, Any]] = []
    for name in sorted(registered):
        value = registered[name]
        if not isinstance(value, Mapping) or "changed" not in value:
            continue
        step = name[len(prefix) :] if prefix and name.startswith(prefix) else name
        results = value.get("results")
        if isinstance(results, list):
            candidates = [(r, r.get("item")) for r in results if isinstance(r, Mapping)]
        else:
            candidates = [(value, None)]
        for result, item in candidates:
            if not result.get("changed") or result.get("skipped"):
                continue
            files = [s for s in (_summarize_diff(d) for d in _diff_items(result.get("diff"))) if s]
            entries.append({"step": step, "item": _item_label(item), "files": files})
    return entries


def _step_label(change: Mapping[str, Any]) -> str:
    step = str(change.get("step") or "a step")
    step = step[: -len("_result")] if step.endswith("_result") and len(step) > len("_result") else step
    return f"{step} ({change['item']})" if change.get("item") else step


def describe_changes(changes: Sequence[Mapping[str, Any]]) -> str:
    """One line for people: per file the lines added and removed and the keys or names changed
    (several steps changing one file are added up), then the changes without a diff."""
    files: dict[str, dict[str, Any]] = {}
    others: list[str] = []
    for change in changes:
        summaries = change.get("files") or []
        if not summaries:
            others.append(_step_label(change))
        for summary in summaries:
            if summary.get("note"):
                others.append(f"{_step_label(change)}: {summary['note']}")
                continue
            where = str(summary.get("file") or _step_label(change))
            entry = files.setdefault(where, {"added": 0, "removed": 0, "names": []})
            entry["added"] += int(summary.get("added") or 0)
            entry["removed"] += int(summary.get("removed") or 0)
            entry["names"] += [n for n in summary.get("names") or [] if n not in entry["names"]]
    parts = []
    for where, entry in files.items():
        names = entry["names"]
        shown = ", ".join(names[:_MAX_TOKENS])
        if len(names) > _MAX_TOKENS:
            shown += f", +{len(names) - _MAX_TOKENS} more"
        parts.append(f"{where} (+{entry['added']}/-{entry['removed']}{': ' + shown if shown else ''})")
    return "; ".join(dict.fromkeys(parts + others))
