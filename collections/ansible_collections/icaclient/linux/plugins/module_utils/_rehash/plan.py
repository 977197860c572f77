# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""The one rule for which hash links of a folder are right (:func:`plan_rehash`).

PRIVATE: this is not a public API of the collection.
"""

from __future__ import annotations

import os
from typing import Optional

from .._errors import IcaClientError
from .links import KIND_CERT, Bucket, RehashPlan, _Link, _Linkable
from .scan import _BLOCKED, _ENTRY_NAME, _FILE, _LINK, _SKIPPED, _Planned, _scan_all, _Scanner


def plan_rehash(directory: str, *, overlay: Optional[dict[str, Optional[bytes]]] = None) -> RehashPlan:
    """Work out, without changing anything, which hash links ``directory`` needs.

    ``overlay`` plans against the folder as a change will leave it: file name ->
    the bytes of the regular file it will be, or None when it will be gone. With
    an overlay a missing folder is planned as an empty one (the change creates it).
    """
    try:
        with os.scandir(directory) as listing:
            entries: list = list(listing)
    except FileNotFoundError as exc:
        if overlay is None:
            raise IcaClientError(f"cannot rehash {directory}: no such folder") from exc
        entries = []
    except NotADirectoryError as exc:
        raise IcaClientError(f"cannot rehash {directory}: not a folder") from exc
    except OSError as exc:
        raise IcaClientError(f"cannot rehash {directory}: cannot list it: {exc.strerror}") from exc
    real_directory = os.path.realpath(directory)
    if overlay:
        entries = [entry for entry in entries if entry.name not in overlay]
        entries.extend(_Planned(name, data) for name, data in overlay.items() if data is not None)
    # openssl rehash walks the names in strcmp order, i.e. by bytes. For ASCII names (the
    # usual) that is the order of the strings; otherwise sort by the bytes themselves.
    entries.sort(key=_ENTRY_NAME)
    if not all(name.isascii() for name in map(_ENTRY_NAME, entries)):
        entries.sort(key=lambda entry: os.fsencode(entry.name))

    warnings: list[str] = []
    links: list[_Link] = []
    blocked: dict[Bucket, set[int]] = {}
    skipped: dict[str, str] = {}
    duplicates: dict[str, str] = {}
    # per hash: certificate (or CRL) fingerprint -> the first file holding it, in walk order
    linkable: dict[Bucket, dict[bytes, _Linkable]] = {}
    scanner = _Scanner(os.path.join(directory, ""), real_directory.rstrip(os.sep) + os.sep)
    for record in _scan_all(scanner, entries):
        what = record[0]
        if what == _FILE:
            _what, position, name, bucket, fingerprint = record
            same_hash = linkable.get(bucket)
            if same_hash is None:
                linkable[bucket] = {fingerprint: _Linkable(position, name)}
            elif fingerprint in same_hash:
                kind = "certificate" if bucket[0] == KIND_CERT else "CRL"
                first = same_hash[fingerprint].name
                duplicates[name] = first
                warnings.append(f"skipping duplicate {kind} {scanner.prefix}{name}: same as {first}")
            else:
                same_hash[fingerprint] = _Linkable(position, name)
        elif what == _LINK:
            links.append(_Link(*record[1:]))
        elif what == _BLOCKED:
            blocked.setdefault(record[1], set()).add(record[2])
        elif what == _SKIPPED:
            skipped[record[1]] = record[3]
            warnings.append(record[2])
        else:
            warnings.append(record[1])

    before = {link.name: link.target for link in links}
    desired = _assign(linkable, links, blocked)
    outside = {link.name: link.target for link in links if not link.managed}
    after = dict(outside)
    after.update(desired)
    create = sorted(name for name, target in desired.items() if before.get(name) != target)
    remove = sorted(link.name for link in links if link.managed and link.name not in desired)
    linked_files = {item.name: bucket for bucket, by_der in linkable.items() for item in by_der.values()}
    return RehashPlan(
        directory, before, after, create, remove, warnings, linked_files, duplicates, skipped, outside
    )


def _assign(
    linkable: dict[Bucket, dict[bytes, _Linkable]], links: list[_Link], blocked: dict[Bucket, set[int]]
) -> dict[str, str]:
    """Number the links of each hash the way openssl rehash does (minus its bugs): link name -> file."""
    links_by_bucket: dict[Bucket, list[_Link]] = {}
    for link in links:
        links_by_bucket.setdefault(link.bucket, []).append(link)

    desired: dict[str, str] = {}
    for bucket, by_der in linkable.items():
        kind, name_hash = bucket
        bucket_links = links_by_bucket.get(bucket)
        if len(by_der) == 1 and bucket not in blocked:
            # The common case, one file per hash: index 0, unless a link we may not
            # touch holds it
            (only,) = by_der.values()
            if not bucket_links or all(link.managed or link.index != 0 for link in bucket_links):
                desired[f"{name_hash}.{kind}0"] = only.name
                continue
        items = list(by_der.values())
        needed = len(items)
        # openssl rehash numbers new links in the order it first met each file:
        # its own name or a link of this hash pointing at it, whichever sorts first
        first_seen = {item.name: item.position for item in items}
        kept: dict[str, int] = {}
        taken = set(blocked.get(bucket, ()))
        for link in bucket_links or ():
            if not link.managed:
                if link.index is not None:
                    taken.add(link.index)
                continue
            if link.target not in first_seen:
                continue
            first_seen[link.target] = min(first_seen[link.target], link.position)
            if link.index is not None and link.index < needed:
                previous = kept.get(link.target)
                if previous is None or link.index < previous:
                    kept[link.target] = link.index
        taken.update(kept.values())
        for target, index in kept.items():
            desired[f"{name_hash}.{kind}{index}"] = target
        index = 0
        for item in sorted((i for i in items if i.name not in kept), key=lambda i: first_seen[i.name]):
            while index in taken:
                index += 1
            desired[f"{name_hash}.{kind}{index}"] = item.name
            taken.add(index)
    return desired
