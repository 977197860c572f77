"""Would the client honour a setting: the lockdown profiles' verdicts on real profile files."""

from __future__ import annotations

from pathlib import Path

import pytest

from ansible_collections.icaclient.linux.plugins.module_utils._ini.document import parse
from ansible_collections.icaclient.linux.plugins.module_utils._ini.effective import (
    NO_SECTION,
    NOT_PERMITTED,
    UNLISTED,
    Profiles,
    discards_unlisted,
    judge,
    profile_section,
    region_of,
)

CONFIG = Path(__file__).parent.parent / "fixtures" / "icaroot" / "config"


def profile(name: str):
    return parse((CONFIG / name).read_bytes(), source=str(CONFIG / name))


@pytest.mark.parametrize(
    ("key", "value", "reason", "default"),
    [
        ("ProxyType", "Secure", None, None),  # ProxyType= permits any string
        ("MinimumTLS", "1.2", None, None),
        ("MaximumTLS", "1.3", NOT_PERMITTED, "1.2"),
        ("SSLCiphers", "XX", NOT_PERMITTED, "ALL"),
        ("HDXoverUDP", "Off", UNLISTED, None),  # not listed, AllowUnrecognisedICAParameters=false
    ],
)
def test_all_regions_discards_unlisted_keys_and_values_it_does_not_permit(key, value, reason, default):
    verdict = judge(profile("All_Regions.ini"), key, value, section=profile_section(key), all_regions=True)
    assert (verdict.reason if verdict else None) == reason
    if verdict is not None:
        assert verdict.default == default and verdict.path.endswith("All_Regions.ini")


def test_a_region_profile_restricts_only_what_it_lists():
    trusted = profile("Trusted_Region.ini")
    verdict = judge(trusted, "ProxyType", "Secure", section="Network\\Proxy", all_regions=False)
    assert (
        verdict.reason == NOT_PERMITTED
        and verdict.restriction == "None,Auto,Wpad"
        and verdict.default == "None"
    )
    assert verdict.describe().endswith("[Network\\Proxy] ProxyType=None,Auto,Wpad does not permit 'Secure'")
    assert judge(trusted, "HDXoverUDP", "Off", section="Network\\UDT", all_regions=False) is None
    assert judge(trusted, "Custom", "1", section=None, all_regions=False).reason == NO_SECTION


def test_profiles_list_every_profile_that_discards_a_value():
    profiles = Profiles(
        profile("All_Regions.ini"), (profile("Trusted_Region.ini"), profile("Untrusted_Regions.ini"))
    )
    found = profiles.discards("ProxyType", "Secure")
    assert [Path(d.path).name for d in found] == ["Trusted_Region.ini", "Untrusted_Regions.ini"]
    assert profiles.discards("ProxyType", "Wpad") == []


def test_names_and_switches():
    assert discards_unlisted(profile("All_Regions.ini"))
    assert not discards_unlisted(parse(b"[Top Level]\nAllowUnrecognisedICAParameters=On\n", source="x"))
    assert (
        region_of("/c/Trusted_Regions.ini") == "trusted" and region_of("/c/Unknown_Region.ini") == "unknown"
    )
    assert region_of("/c/All_Regions.ini") is None and region_of("/c/wfclient.ini") is None
    assert profile_section("Custom", {"custom": "Network\\Custom"}) == "Network\\Custom"
    assert profile_section("ProxyType") == "Network\\Proxy"
