# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""The client's install root as the engine sees it: its keystore, its version, what that version does.

- The keystore: ``<ICAROOT>/keystore`` with ``cacerts/`` (roots) and
  ``intcerts/`` (intermediates) [C, shared/DOMAIN.md "Keystore"].
- The version: ``<ICAROOT>/pkginf/Ver.core.<platform>`` (``Ver.core.linuxx64``,
  ``Ver.core.linuxx86``, ...) holds a line ``ID_VERSION=<version>`` [C: read that
  way by a public support script]. Workspace app 2309 is 23.9.x.y. No file, an
  unreadable one, or files that disagree make the version *unknown*, a state of
  its own: a behaviour that depends on the version is then said to be unknown,
  never guessed.
- What each version brings is data: :data:`FEATURES`, one row per behaviour with
  the version that brought it and the confidence of the fact.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Optional

from ._errors import IcaClientError

__all__ = [
    "FEATURES",
    "ClientVersion",
    "Feature",
    "Keystore",
    "feature",
    "parse_version",
    "read_client_version",
]

VERSION_FOLDER = "pkginf"
VERSION_PREFIX = "Ver.core."
_MAX_VERSION_FILE = 64 * 1024
_DOTTED = re.compile(r"^(\d{1,3})\.(\d{1,3})(?:\.(\d{1,6}))?(?:\.(\d{1,9}))?$")
# Workspace app names its releases YYMM (2309 = 23.9); the first YYMM release was 1808 [C].
_YYMM = re.compile(r"^(1[89]|[2-9]\d)(0[1-9]|1[0-2])$")


@dataclass(frozen=True)
class Keystore:
    """A folder holding ``cacerts/`` (roots) and, optionally, ``intcerts/`` (intermediates)."""

    path: str

    @property
    def cacerts(self) -> str:
        return os.path.join(self.path, "cacerts")

    @property
    def intcerts(self) -> str:
        return os.path.join(self.path, "intcerts")

    @classmethod
    def of_icaroot(cls, icaroot: str) -> Keystore:
        return cls(os.path.join(icaroot, "keystore"))


@dataclass(frozen=True)
class ClientVersion:
    """The client's version (``parts`` None: unknown) and where it came from."""

    parts: Optional[tuple[int, ...]]
    text: Optional[str]
    source: str

    @property
    def known(self) -> bool:
        return self.parts is not None

    def at_least(self, since: tuple[int, ...]) -> Optional[bool]:
        """Whether this version is ``since`` or later; None when the version is unknown."""
        if self.parts is None:
            return None
        return self.parts[: len(since)] >= since

    def label(self) -> str:
        return self.text if self.text else "unknown"

    def as_dict(self) -> dict:
        return {"version": self.text, "known": self.known, "source": self.source}


@dataclass(frozen=True)
class Feature:
    """A behaviour the client has from version ``since`` on; ``mark`` as in shared/DOMAIN.md."""

    name: str
    since: tuple[int, ...]
    release: str  # how users name the release: "2309"
    mark: str
    what: str


#: Version-dependent behaviour, one row each [marks from shared/DOMAIN.md "Newer clients"].
FEATURES: dict[str, Feature] = {
    row.name: row
    for row in (
        Feature(
            "ecdhe_required",
            (19, 3),
            "1903",
            "P",
            "a server must offer one of the client's ECDHE suites (C on Windows/Mac, P on Linux)",
        ),
        Feature(
            "secure_proxy",
            (23, 8),
            "2308",
            "C",
            "ProxyType=Secure (HTTPS CONNECT) with ProxyHost as host:port",
        ),
        Feature(
            "system_store",
            (23, 9),
            "2309",
            "C",
            "the client also trusts the system certificate store, on by default "
            "(C that it exists and is on by default; U the key that turns it off and the paths)",
        ),
        Feature("pac_script", (24, 5), "2405", "C", "ProxyType=Script with ProxyAutoConfigURL (PAC)"),
    )
}


def feature(version: ClientVersion, name: str) -> Optional[bool]:
    """Whether ``version`` has the behaviour ``name`` of :data:`FEATURES` (None: version unknown)."""
    return version.at_least(FEATURES[name].since)


def parse_version(text: str) -> Optional[tuple[int, ...]]:
    """``(23, 9, 0, 24)`` for ``23.9.0.24``; ``(23, 9)`` for the release name ``2309``; None otherwise."""
    value = text.strip()
    match = _DOTTED.match(value)
    if match:
        return tuple(int(part) for part in match.groups() if part is not None)
    match = _YYMM.match(value)
    if match:
        return int(match.group(1)), int(match.group(2))
    return None


def given_version(text: str) -> ClientVersion:
    """The version a user gave (``client_version``); IcaClientError for one that is no version."""
    parts = parse_version(text)
    if parts is None:
        raise IcaClientError(
            f"client_version {text.strip()[:40]!r} is not a client version: give it as in "
            "Ver.core (23.9.0.24, 13.10) or as the release name (2309)"
        )
    return ClientVersion(parts, text.strip(), "explicit")


def read_client_version(icaroot: Optional[str]) -> ClientVersion:
    """The version in ``<icaroot>/pkginf/Ver.core.*`` (unknown, with the reason, when it cannot be read)."""
    if not icaroot:
        return ClientVersion(None, None, "no ICAROOT given (a bare keystore folder)")
    folder = os.path.join(icaroot, VERSION_FOLDER)
    try:
        names = sorted(name for name in os.listdir(folder) if name.startswith(VERSION_PREFIX))
    except FileNotFoundError:
        names = []
    except OSError as exc:
        return ClientVersion(None, None, f"cannot read {folder}: {(exc.strerror or str(exc)).lower()}")
    if not names:
        return ClientVersion(None, None, f"no {VERSION_PREFIX}<platform> file in {folder}")
    found: dict[tuple[int, ...], tuple[str, str]] = {}
    for name in names:
        path = os.path.join(folder, name)
        value = _id_version(path)
        if value is None:
            continue
        parts = parse_version(value)
        if parts is not None:
            found.setdefault(parts, (value, path))
    if not found:
        return ClientVersion(
            None, None, f"no readable ID_VERSION=<version> line in {folder}/{VERSION_PREFIX}*"
        )
    if len(found) > 1:
        listed = ", ".join(f"{value} ({path})" for value, path in found.values())
        return ClientVersion(None, None, f"the version files disagree: {listed}")
    parts, (value, path) = next(iter(found.items()))
    return ClientVersion(parts, value, path)


def _id_version(path: str) -> Optional[str]:
    try:
        with open(path, "rb") as handle:
            data = handle.read(_MAX_VERSION_FILE)
    except OSError:
        return None
    for line in data.decode("latin-1").splitlines():
        key, equals, value = line.partition("=")
        if equals and key.strip() == "ID_VERSION":
            return value.strip()
    return None
