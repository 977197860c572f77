# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""Hash links: their names, and the plan and result of one folder's rehash.

PRIVATE: this is not a public API of the collection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple, Optional

#: Suffixes ``openssl rehash`` reads (compared case-insensitively).
REHASH_EXTENSIONS = frozenset(("pem", "crt", "cer", "crl"))
KIND_CERT = ""
KIND_CRL = "r"

# Every name openssl rehash takes for one of its links (hex of either case, "r"
# or "R", any decimal number, even none) ...
_LINK_LIKE = re.compile(r"[0-9A-Fa-f]{8}\.[rR]?[0-9]*\Z")
# ... and the only form it writes and OpenSSL's lookups open.
_LINK_CANONICAL = re.compile(r"([0-9a-f]{8})\.(r?)(0|[1-9][0-9]*)\Z")

#: Larger files are neither certificates nor CRLs a CA folder should hold: they are not read.
MAX_REHASH_BYTES = 64 << 20

Bucket = tuple[str, str]  # (kind, hash)


@dataclass
class RehashResult:
    changed: bool
    created: list[str]
    removed: list[str]
    #: link name -> target, the hash links in the folder after the run (links we
    #: left alone because they point outside the folder included)
    links: dict[str, str]
    warnings: list[str]
    #: link name -> target before the run
    previous_links: dict[str, str] = field(default_factory=dict)


@dataclass
class RehashPlan:
    directory: str
    #: hash links present now (name -> target)
    before: dict[str, str]
    #: hash links after :func:`apply_rehash` (name -> target)
    after: dict[str, str]
    #: link names to write (new, or replacing a link with another target), sorted
    create: list[str]
    #: link names to delete, sorted
    remove: list[str]
    warnings: list[str]
    #: file name -> (kind, hash) of every file the rehash links (duplicates excluded)
    linked_files: dict[str, Bucket] = field(default_factory=dict)
    #: file name -> the earlier file holding the same certificate or CRL
    duplicates: dict[str, str] = field(default_factory=dict)
    #: file name -> why the rehash does not link it (files with a rehash suffix only)
    skipped: dict[str, str] = field(default_factory=dict)
    #: hash links kept because they point outside the folder at a certificate of their hash
    outside: dict[str, str] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.create or self.remove)


class _Link(NamedTuple):
    position: int  # in the sorted walk
    name: str
    target: str
    bucket: Bucket
    index: Optional[int]  # None when the name is not the canonical form
    #: False for a link that points outside the folder at a certificate of its hash:
    #: the rehash keeps it as it is
    managed: bool


class HashLink(NamedTuple):
    """What a name says when it is one of openssl rehash's link names."""

    kind: str  # KIND_CERT or KIND_CRL
    hash: str  # lower-case hex
    index: Optional[int]  # None when the name is not the only form OpenSSL's lookups open


def hash_link_name(name: str) -> Optional[HashLink]:
    """The hash link ``name`` is (as ``openssl rehash`` reads link names), or None."""
    if name[8:9] != "." or not _LINK_LIKE.match(name):
        return None
    canonical = _LINK_CANONICAL.match(name)
    kind = KIND_CRL if name[9:10] in ("r", "R") else KIND_CERT
    return HashLink(kind, name[:8].lower(), int(canonical.group(3)) if canonical else None)


class _Linkable(NamedTuple):
    position: int
    name: str
