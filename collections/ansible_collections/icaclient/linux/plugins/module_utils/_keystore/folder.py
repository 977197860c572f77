# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""What a keystore folder holds: its certificate files, its hash links, what the client sees.

PRIVATE: this is not a public API of the collection.

Layout: ``<icaroot>/keystore/cacerts`` holds trusted roots (kind ``root``),
``<icaroot>/keystore/intcerts`` intermediates (kind ``intermediate``; the folder
may be missing and is created). The client loads PEM files holding ONE
certificate each through OpenSSL subject-hash links (``HHHHHHHH.N``).
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field
from typing import Optional

from .._atomic_temps import TEMP_PREFIX
from .._errors import IcaClientError
from .._rehash import (
    REHASH_EXTENSIONS,
    NotAFile,
    NotLoadable,
    hash_link_name,
    read_regular_file,
)
from .._x509.certs import CertInfo, load_certificates

FOLDERS = {"root": "cacerts", "intermediate": "intcerts"}
#: Larger files are not certificates: they are not read.
MAX_FILE_BYTES = 1 << 20


def keystore_dir(icaroot: str, kind: str) -> str:
    """The folder that holds certificates of ``kind`` (``root`` or ``intermediate``)."""
    if kind not in FOLDERS:
        raise IcaClientError(f"unknown keystore kind {kind!r}: use root or intermediate")
    return os.path.join(icaroot, "keystore", FOLDERS[kind])


# ---------------------------------------------------------------------------
# What a folder holds


@dataclass
class StoredFile:
    """One entry of a keystore folder that is not a hash link."""

    name: str
    path: str
    certs: list[CertInfo]
    error: Optional[str] = None
    link_target: Optional[str] = None
    #: False for a link that leaves the folder (information: rehash reads through it)
    inside: bool = True
    private_keys: list[str] = field(default_factory=list)
    #: False when the entry is not a regular file, nor a link to one (a folder, a device, dangling)
    regular: bool = True

    @property
    def has_rehash_suffix(self) -> bool:
        return "." in self.name and self.name.rsplit(".", 1)[1].lower() in REHASH_EXTENSIONS

    @property
    def fmt(self) -> Optional[str]:
        return self.certs[0].source_format if self.certs else None

    @property
    def effective(self) -> bool:
        """Whether the client (through rehash) can load this file's certificate."""
        return self.has_rehash_suffix and len(self.certs) == 1 and self.certs[0].source_format == "pem"


@dataclass
class FolderState:
    directory: str
    exists: bool
    files: list[StoredFile]
    links: dict[str, str]  # hash link name -> link target as stored
    names: set[str] = field(default_factory=set)  # every entry, folders included

    def effective_by_fingerprint(self) -> dict[str, StoredFile]:
        found: dict[str, StoredFile] = {}
        for stored in self.files:
            if stored.effective:
                found.setdefault(stored.certs[0].fingerprint_sha256, stored)
        return found

    def by_name(self) -> dict[str, StoredFile]:
        return {stored.name: stored for stored in self.files}


def scan_folder(directory: str, *, now: Optional[datetime.datetime] = None) -> FolderState:
    """Read every entry of ``directory`` (hash links are listed, not read).

    A certificate file may be a link, anywhere (rehash reads through it); only a
    regular file is ever opened, and only when it is at most :data:`MAX_FILE_BYTES`.
    """
    if not os.path.isdir(directory):
        return FolderState(directory, False, [], {})
    try:
        names = sorted(os.listdir(directory))
    except OSError as exc:
        raise IcaClientError(f"cannot list {directory}: {exc.strerror}") from exc
    real_dir = os.path.realpath(directory)
    files: list[StoredFile] = []
    links: dict[str, str] = {}
    for name in names:
        path = os.path.join(directory, name)
        if name.startswith(TEMP_PREFIX):
            continue
        is_link = os.path.islink(path)
        if is_link and hash_link_name(name) is not None:
            links[name] = os.readlink(path)
            continue
        if not is_link and os.path.isdir(path):
            continue  # a sub-folder is not the keystore's business
        target = os.readlink(path) if is_link else None
        inside = os.path.dirname(os.path.realpath(path)) == real_dir
        files.append(_read_stored(name, path, target, inside, is_link, now))
    return FolderState(directory, True, files, links, set(names))


def _read_stored(
    name: str, path: str, target: Optional[str], inside: bool, is_link: bool, now: Optional[datetime.datetime]
) -> StoredFile:
    try:
        data = read_regular_file(path, limit=MAX_FILE_BYTES, is_link=is_link)
    except NotLoadable as exc:
        return StoredFile(name, path, [], str(exc), target, inside, regular=not isinstance(exc, NotAFile))
    keys: list[str] = []
    try:
        certs = load_certificates(data, now=now, private_keys=keys)
    except IcaClientError as exc:
        error = exc.message
        if keys and exc.details.get("cause") == "empty":
            error = f"a private key ({', '.join(keys)}) and no certificate"
        return StoredFile(name, path, [], error, target, inside, keys)
    return StoredFile(name, path, certs, None, target, inside, keys)
