"""The filters the roles declare their variables with (plugins/filter/config_role.py, keystore_role.py,
stores_role.py): pure functions, called as Jinja calls them."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from ansible.errors import AnsibleFilterError

from ansible_collections.icaclient.linux.plugins.filter import config_role, keystore_role, stores_role
from ansible_collections.icaclient.linux.plugins.filter.config_role import (
    client_folders,
    client_words,
    files_in_folders,
    lockdown_entries,
    lockdown_items,
    uid_range_users,
)
from ansible_collections.icaclient.linux.plugins.filter.keystore_role import keystore_rehash_steps
from ansible_collections.icaclient.linux.plugins.filter.stores_role import store_items
from ansible_collections.icaclient.linux.plugins.module_utils._ini.lockdown import REGION_FILES
from ansible_collections.icaclient.linux.plugins.module_utils._ini.schema import key_spec, lockdown_section

FILTER_DIR = Path(config_role.__file__).parent
CONFIG_ROLE = Path(__file__).resolve().parents[2] / "roles" / "icaclient_config"
PROXY = "Network\\Proxy"
SSL = "Network\\SSL"


def _config_vars() -> dict:
    return yaml.safe_load((CONFIG_ROLE / "vars" / "main.yml").read_text())


@pytest.mark.parametrize(
    "plugin", [config_role, keystore_role, stores_role], ids=lambda plugin: plugin.__name__
)
def test_every_filter_has_its_documentation(plugin):
    for name in plugin.FilterModule().filters():
        doc = yaml.safe_load((FILTER_DIR / f"{name}.yml").read_text())
        assert doc["DOCUMENTATION"]["name"] == name
        assert doc["RETURN"]["_value"]["description"]
        assert f"icaclient.linux.{name}" in doc["EXAMPLES"]


# -- lockdown_entries ------------------------------------------------------------------------------


def test_lockdown_entries_place_each_key_and_permit_its_value():
    sections = {
        "WFClient": {
            "MinimumTLS": "1.2",
            "ProxyType": "Secure",
            "ProxyPort": "3128",
            "ProxyAuthenticationBasic": "True",
            "ProxyBypassList": "a.example,b.example",
            "ProxyHost": None,  # not set: no entry
            "TransportReconnectEnabled": "Off",
        },
        "Custom": {"Retries": 3, "Beep": True, "Name": "x"},
    }
    entries = lockdown_entries(
        sections,
        lockdown_sections={"TransportReconnectEnabled": "Network\\CGP", "MinimumTLS": "Elsewhere"},
        list_keys=["ProxyBypassList"],
        listed_only=["ProxyPassword"],
    )
    assert entries == [
        # The role's override wins over the schema's section.
        {"key": "MinimumTLS", "section": "Elsewhere", "permit": ["1.2"], "restriction_if_missing": "any_string"},
        {"key": "ProxyType", "section": PROXY, "permit": ["Secure"], "restriction_if_missing": "any_string"},
        # Integer and boolean keys of the schema get * when the profile lacks them.
        {"key": "ProxyPort", "section": PROXY, "permit": ["3128"], "restriction_if_missing": "any"},
        {"key": "ProxyAuthenticationBasic", "section": PROXY, "permit": ["True"], "restriction_if_missing": "any"},
        # A list: any string, never a choice list of its items.
        {"key": "ProxyBypassList", "section": PROXY, "permit": [], "restriction": "any_string"},
        {"key": "TransportReconnectEnabled", "section": "Network\\CGP", "permit": ["Off"], "restriction_if_missing": "any_string"},
        # Keys the schema does not know: no section, the form by the YAML type; a boolean is never permitted by value.
        {"key": "Retries", "section": None, "permit": ["3"], "restriction_if_missing": "any"},
        {"key": "Beep", "section": None, "permit": [], "restriction_if_missing": "any"},
        {"key": "Name", "section": None, "permit": ["x"], "restriction_if_missing": "any_string"},
        # The password is listed, never permitted by value.
        {"key": "ProxyPassword", "section": PROXY, "restriction_if_missing": "any_string", "permit": []},
    ]  # fmt: skip


def test_lockdown_entries_of_the_role_keys_follow_the_schema():
    """What the role's own variables set is placed where the schema says, with the schema's form."""
    settings = _config_vars()["__icaclient_config_role_settings_all"]
    entries = lockdown_entries({"WFClient": dict.fromkeys(settings, "1")}, list_keys=["ProxyBypassList"])
    assert [entry["key"] for entry in entries] == list(settings)
    for entry in entries:
        key = entry["key"]
        assert key_spec(key) is not None, key
        assert entry["section"] == lockdown_section(key) is not None, key
        expected = "any" if key_spec(key)["type"] in ("int", "bool") else "any_string"
        assert entry.get("restriction_if_missing", entry.get("restriction")) == expected, key


def test_lockdown_entries_without_settings_and_bad_input():
    assert lockdown_entries({}) == []
    assert lockdown_entries({"WFClient": None}) == []
    with pytest.raises(AnsibleFilterError, match="must be a mapping"):
        lockdown_entries(["WFClient"])
    with pytest.raises(AnsibleFilterError, match="the settings of section WFClient must be a mapping"):
        lockdown_entries({"WFClient": "MinimumTLS=1.2"})


# -- client_words ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"ProxyAuthenticationBasic": True, "ProxyAuthenticationNTLM": False}, {"ProxyAuthenticationBasic": "True", "ProxyAuthenticationNTLM": "False"}),
        # Ansible's boolean spellings for a key of type bool, as the role's bool variables mean them.
        ({"ProxyAuthenticationBasic": "yes", "ProxyAuthenticationNTLM": "0"}, {"ProxyAuthenticationBasic": "True", "ProxyAuthenticationNTLM": "False"}),
        ({"HDXoverUDP": False}, {"HDXoverUDP": "Off"}),
        ({"HDXoverUDP": True}, {"HDXoverUDP": "On"}),
        ({"HDXoverUDP": "Preferred"}, {"HDXoverUDP": "Preferred"}),  # a string stays as written
        ({"ProxyPort": 3128, "MinimumTLS": 1.2}, {"ProxyPort": "3128", "MinimumTLS": "1.2"}),
        ({"ProxyHost": None, "ProxyType": "Secure"}, {"ProxyType": "Secure"}),
        ({}, {}),
    ],
    ids=["booleans", "boolean-spellings", "off", "on", "choice", "numbers", "null-left-out", "empty"],
)  # fmt: skip
def test_client_words(settings, expected):
    assert client_words(settings, bool_words={"HDXoverUDP": ["On", "Off"]}) == expected


def test_client_words_refuses_a_boolean_without_words():
    with pytest.raises(AnsibleFilterError, match="a YAML boolean is ambiguous for this key"):
        client_words({"HDXoverUDP": True})
    with pytest.raises(AnsibleFilterError, match="must be a mapping"):
        client_words(["ProxyType"])


def test_the_roles_bool_words_cover_its_boolean_keys():
    declared = _config_vars()
    words = declared["__icaclient_config_bool_words"]
    for key in words:
        assert key_spec(key) is not None and "bool_words" not in key_spec(key), key
    assert client_words({key: True for key in words}, bool_words=words) == {
        key: pair[0] for key, pair in words.items()
    }


def test_the_roles_region_file_names_match_the_lockdown_engine():
    names = _config_vars()["__icaclient_config_region_files"]
    for region in ("trusted", "untrusted", "unknown"):
        assert sorted(name for name, value in names.items() if value == region) == sorted(
            REGION_FILES[region]
        )


# -- users, folders, files -------------------------------------------------------------------------


GETENT = {
    "root": ["x", "0", "0", "root", "/root", "/bin/bash"],
    "zoe": ["x", "1001", "1001", "", "/home/zoe", "/bin/bash"],
    "alice": ["x", "1000", "1000", "", "/home/alice", "/bin/bash"],
    "nobody": ["x", "65534", "65534", "", "/nonexistent", "/usr/sbin/nologin"],
    "broken": ["x"],
    "odd": ["x", "not-a-number"],
}


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [(1000, 59999, ["alice", "zoe"]), ("1001", "1001", ["zoe"]), (0, 0, ["root"]), (2000, 1000, [])],
)
def test_uid_range_users(low, high, expected):
    assert uid_range_users(GETENT, low, high) == expected


def test_uid_range_users_bad_input():
    assert uid_range_users(None, 0, 10) == []
    with pytest.raises(AnsibleFilterError, match="min_uid and max_uid must be integers"):
        uid_range_users(GETENT, "low", 10)


def test_client_folders_keeps_real_folders_only():
    results = [
        {"item": "alice", "stat": {"exists": True, "isdir": True, "path": "/home/alice/.ICAClient"}},
        # A link to a folder (stat does not follow it), a file, a missing folder, a skipped item.
        {"item": "mallory", "stat": {"exists": True, "isdir": False, "islnk": True, "path": "/home/mallory/.ICAClient"}},
        {"item": "bob", "stat": {"exists": True, "isdir": False, "path": "/home/bob/.ICAClient"}},
        {"item": "carol", "stat": {"exists": False}},
        {"item": "dave", "skipped": True},
    ]  # fmt: skip
    assert client_folders(results) == {"/home/alice/.ICAClient": "alice"}
    assert client_folders([]) == {}
    with pytest.raises(AnsibleFilterError, match="must be a list"):
        client_folders({"results": []})


def test_files_in_folders_keeps_the_named_folders_sorted():
    files = [
        {"path": "/ica/config/wfclient.ini", "mode": "0644"},
        {"path": "/ica/config/usertemplate/wfclient.ini"},
        {"path": "/ica/config/All_Regions.ini"},
        {"path": "/ica/config/other/wfclient.ini"},  # a subfolder the walk also saw
        {"path": "/home/alice/.ICAClient/All_Regions.ini"},
    ]
    kept = files_in_folders(files, ["/ica/config", "/ica/config/usertemplate", "/home/alice/.ICAClient"])
    assert [found["path"] for found in kept] == [
        "/home/alice/.ICAClient/All_Regions.ini",
        "/ica/config/All_Regions.ini",
        "/ica/config/usertemplate/wfclient.ini",
        "/ica/config/wfclient.ini",
    ]
    assert kept[-1] == files[0]  # the find entries as they are
    assert files_in_folders([], ["/ica/config"]) == []


PROXY_ENTRY = {
    "key": "ProxyType",
    "section": PROXY,
    "permit": ["Secure"],
    "restriction_if_missing": "unrestricted",
}
ALL_ENTRIES = [
    {"key": "ProxyType", "section": PROXY, "permit": ["Secure"], "restriction_if_missing": "any_string"},
    {"key": "ProxyBypassList", "section": PROXY, "permit": [], "restriction": "any_string"},
    {"key": "MinimumTLS", "section": SSL, "permit": ["1.2"], "restriction_if_missing": "any_string"},
]
PROFILES = [
    "/ica/config/All_Regions.ini",
    "/ica/config/Trusted_Region.ini",
    "/ica/config/Untrusted_Regions.ini",
    "/ica/config/Unknown_Region.ini",
    "/home/alice/.ICAClient/All_Regions.ini",
]


def test_lockdown_items_give_each_profile_its_entries():
    items = lockdown_items(
        PROFILES, entries=ALL_ENTRIES, region_entries=[PROXY_ENTRY], regions=["trusted", "Untrusted"]
    )
    assert items == [
        {"path": "/ica/config/All_Regions.ini", "entries": ALL_ENTRIES},
        {"path": "/ica/config/Trusted_Region.ini", "entries": [PROXY_ENTRY]},
        {"path": "/ica/config/Untrusted_Regions.ini", "entries": [PROXY_ENTRY]},
        # unknown is not a proxy region: nothing to do there.
        {"path": "/home/alice/.ICAClient/All_Regions.ini", "entries": ALL_ENTRIES},
    ]
    # No proxy type: the region profiles are not read at all.
    assert [item["path"] for item in lockdown_items(PROFILES, entries=ALL_ENTRIES, regions=["trusted"])] == [
        "/ica/config/All_Regions.ini",
        "/home/alice/.ICAClient/All_Regions.ini",
    ]
    assert lockdown_items(PROFILES) == []


def test_lockdown_items_merge_the_role_entries_into_the_exact_sections():
    exact = {
        "all": [
            {"key": "ProxyType", "section": PROXY, "restriction": "list", "values": ["None", "Auto"]},
            {"key": "ProxyBypassList", "section": PROXY, "restriction": "list", "values": ["old.example"]},
            {"key": "ProxyHost", "section": PROXY, "restriction": "any_string"},
        ],
        "Unknown": [
            {
                "key": "SmartCardAllowed",
                "section": "Virtual Channels\\Smartcard",
                "restriction": "list",
                "values": ["false"],
            }
        ],
    }
    items = lockdown_items(
        PROFILES[:4], entries=ALL_ENTRIES, region_entries=[PROXY_ENTRY], regions=["trusted"], exact=exact
    )
    assert items[0] == {
        "path": "/ica/config/All_Regions.ini",
        "exact": True,
        "entries": [
            # The owned restriction, with the role's value permitted on top (the engine appends it).
            {
                "key": "ProxyType",
                "section": PROXY,
                "restriction": "list",
                "values": ["None", "Auto"],
                "permit": ["Secure"],
            },
            # A list key: any string wins over the owned choice list.
            {"key": "ProxyBypassList", "section": PROXY, "restriction": "any_string", "permit": []},
            {"key": "ProxyHost", "section": PROXY, "restriction": "any_string"},
            # The role's key in a section not owned: its section becomes exact with it.
            {"key": "MinimumTLS", "section": SSL, "permit": ["1.2"], "restriction_if_missing": "any_string"},
        ],
    }
    assert items[1] == {"path": "/ica/config/Trusted_Region.ini", "entries": [PROXY_ENTRY]}
    # A region owned exactly, proxy region or not.
    assert items[2] == {"path": "/ica/config/Unknown_Region.ini", "entries": exact["Unknown"], "exact": True}
    assert "permit" not in exact["all"][0]  # the input is left as it was


def test_lockdown_items_bad_input():
    with pytest.raises(AnsibleFilterError, match="unknown region everywhere"):
        lockdown_items(PROFILES, exact={"everywhere": [{"key": "ProxyType"}]})
    with pytest.raises(AnsibleFilterError, match="each exact entry of region all is a mapping with a key"):
        lockdown_items(PROFILES, exact={"all": ["ProxyType="]})
    with pytest.raises(AnsibleFilterError, match=r"wfclient\.ini is not a lockdown profile name"):
        lockdown_items(["/ica/config/wfclient.ini"], entries=ALL_ENTRIES)
    with pytest.raises(AnsibleFilterError, match="must be a list"):
        lockdown_items("/ica/config/All_Regions.ini", entries=ALL_ENTRIES)


# -- keystore and stores ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("certificates", "rehash", "method", "expected"),
    [
        # Both folders rehashed by the certificate call: no separate step.
        ([{"kind": "root"}, {"kind": "intermediate"}], True, "builtin", (True, False)),
        # One folder in the call: the separate step rehashes both (repairs the other's links).
        ([{"kind": "root"}, {"state": "absent"}], True, "builtin", (True, True)),
        ([{"kind": "intermediate", "state": "absent"}, {"state": "absent"}], True, "builtin", (True, False)),
        # Nothing listed: only the separate step.
        ([], True, "builtin", (False, True)),
        # ctx_rehash: never inside the certificate call.
        ([{"kind": "root"}, {"kind": "intermediate"}], True, "ctx_rehash", (False, True)),
        ([{"kind": "root"}, {"kind": "intermediate"}], False, "builtin", (False, False)),
        ([{"kind": "root"}], "no", "builtin", (False, False)),
    ],
    ids=["both", "roots-only", "removal-kinds", "none-listed", "ctx-rehash", "off", "off-as-word"],
)
def test_keystore_rehash_steps(certificates, rehash, method, expected):
    steps = keystore_rehash_steps(certificates, rehash=rehash, method=method)
    assert (steps["with_certificates"], steps["on_its_own"]) == expected


def test_keystore_rehash_steps_bad_input():
    with pytest.raises(AnsibleFilterError, match="expects the list of certificate items"):
        keystore_rehash_steps({"kind": "root"})
    with pytest.raises(AnsibleFilterError, match="each certificate item must be a mapping"):
        keystore_rehash_steps(["corp-root.pem"])


def test_store_items_give_each_store_its_users():
    stores = [
        {"url": "https://sf.example/Citrix/Store/discovery"},
        {"url": "https://gw.example", "gateway": "gw", "users": ["carol"]},
        {"url": "https://old.example", "state": "absent", "users": []},
    ]
    assert store_items(stores, ["alice", "bob"]) == [
        {"url": "https://sf.example/Citrix/Store/discovery", "users": ["alice", "bob"]},
        {"url": "https://gw.example", "gateway": "gw", "users": ["carol"]},
        {"url": "https://old.example", "state": "absent", "users": []},
    ]
    assert "users" not in stores[0]  # the input is left as it was
    assert store_items([], ["alice"]) == []
    with pytest.raises(AnsibleFilterError, match="expects a list of stores"):
        store_items("https://sf.example")
    with pytest.raises(AnsibleFilterError, match="users must be a list"):
        store_items(stores, "alice")
