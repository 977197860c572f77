# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""Would the client honour a setting: which values of ``wfclient.ini`` the lockdown profiles let through.

A value takes effect only if every lockdown profile that applies permits it:

- ``All_Regions.ini`` applies to every connection. A key it does not list is discarded when its
  ``[Top Level]`` says ``AllowUnrecognisedICAParameters=false``; a key it lists with a restriction
  that does not permit the value is discarded too.
- The region profile of the server's region (``Trusted_Region.ini`` ...) restricts only the keys it
  lists: an unlisted key is not restricted by it.

A discarded value leaves the client with the profile's default (the first item of a list
restriction) or, without one, the client's own default. Each verdict names the profile, the section
and the restriction, so that a person can fix the one line that discards the setting.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

from .document import IniDocument
from .restriction import parse_restriction, permits
from .schema import BOOLEAN_WORDS, REGION_FILES, lockdown_section

UNLISTED = "unlisted"  # All_Regions.ini does not list the key and discards unlisted keys
NOT_PERMITTED = "not_permitted"  # the key's restriction does not permit the value
NO_SECTION = "no_section"  # the schema knows no lockdown section for the key: it cannot be judged


@dataclass(frozen=True)
class Discard:
    """Why a profile keeps the client from using ``key=value``."""

    reason: str
    key: str
    value: str
    path: str
    section: Optional[str] = None
    restriction: Optional[str] = None

    @property
    def default(self) -> Optional[str]:
        """The value the profile makes the client use instead (its list's first item), if it names one."""
        if self.restriction is None:
            return None
        return parse_restriction(self.restriction).default

    def describe(self, shown: Optional[str] = None) -> str:
        """In words; ``shown`` replaces the value (a secret is never written out)."""
        value = repr(self.value) if shown is None else shown
        if self.reason == UNLISTED:
            return (
                f"{self.path} [{self.section}] does not list {self.key}: with AllowUnrecognisedICAParameters=false "
                "the client discards it"
            )
        if self.reason == NO_SECTION:
            return f"{self.key}: no lockdown section is known for it"
        return f"{self.path} [{self.section}] {self.key}={self.restriction} does not permit {value}"


def discards_unlisted(all_regions: IniDocument) -> bool:
    """True when ``All_Regions.ini`` makes the client discard every key it does not list."""
    allow = all_regions.get("Top Level", "AllowUnrecognisedICAParameters")
    return allow is not None and BOOLEAN_WORDS.get(allow.strip().lower()) is False


def region_of(path: str) -> Optional[str]:
    """``trusted`` for Trusted_Region.ini or Trusted_Regions.ini, and so on; None for other files."""
    name = os.path.basename(path).lower()
    for region, names in REGION_FILES.items():
        if region != "all" and name in (candidate.lower() for candidate in names):
            return region
    return None


def profile_section(
    key: str, overrides: Optional[Mapping[str, Any]] = None, schema: Optional[Mapping[str, Any]] = None
) -> Optional[str]:
    """The profile section that restricts ``key``: from ``overrides`` (key -> section, any case), else the schema."""
    for name, section in (overrides or {}).items():
        if str(name).lower() == key.lower():
            return str(section)
    return lockdown_section(key, schema)


def judge(
    profile: IniDocument,
    key: str,
    value: str,
    *,
    section: Optional[str],
    all_regions: bool,
) -> Optional[Discard]:
    """Why ``profile`` discards ``key=value`` (None: the client uses it). ``all_regions``: the profile is
    ``All_Regions.ini``, which discards unlisted keys when it says so; ``section``: the key's profile
    section (:func:`profile_section`)."""
    if section is None:
        return Discard(NO_SECTION, key, value, profile.source)
    restriction = profile.get(section, key)
    if restriction is None:
        if all_regions and discards_unlisted(profile):
            return Discard(UNLISTED, key, value, profile.source, section)
        return None
    if permits(restriction, value):
        return None
    return Discard(NOT_PERMITTED, key, value, profile.source, section, restriction)


@dataclass(frozen=True)
class Profiles:
    """The lockdown profiles a client reads: ``All_Regions.ini`` (None: absent) and the region files."""

    all_regions: Optional[IniDocument]
    regions: tuple[IniDocument, ...] = ()

    def discards(self, key: str, value: str, *, section: Optional[str] = None) -> list[Discard]:
        """Every profile that discards ``key=value``, ``All_Regions.ini`` first; section from the schema."""
        section = section or lockdown_section(key)
        found: list[Discard] = []
        if self.all_regions is not None:
            verdict = judge(self.all_regions, key, value, section=section, all_regions=True)
            if verdict is not None:
                found.append(verdict)
        for region in self.regions:
            verdict = judge(region, key, value, section=section, all_regions=False)
            if verdict is not None and verdict.reason != NO_SECTION:
                found.append(verdict)
        return found
