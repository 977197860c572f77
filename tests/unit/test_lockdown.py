"""Lockdown profile semantics: what a restriction permits, and editing it."""

from __future__ import annotations

import pytest

from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError
from ansible_collections.icaclient.linux.plugins.module_utils._lockdown import (
    ANY,
    ANY_STRING,
    FIXED,
    LIST,
    RANGE,
    add_permitted,
    escape,
    is_profile,
    parse_restriction,
    permits,
    plan_profile_edit,
    region_files,
    remove_permitted,
    restriction_text,
    validate_profile,
)

PATH = "/opt/Citrix/ICAClient/config/Trusted_Region.ini"


@pytest.mark.parametrize(
    ("text", "form"),
    [
        ("", ANY_STRING),
        ("  ", ANY_STRING),
        ("*", ANY),
        ("true", FIXED),
        ("FALSE", FIXED),
        ("None,Auto,Wpad", LIST),
        ("1494,2598", LIST),
        ("100-,50-75", RANGE),
        ("-10", RANGE),
        ("8,100-", RANGE),
        ("a-b", LIST),
        ("*.example.com", LIST),
    ],
)
def test_restriction_forms(text, form):
    assert parse_restriction(text).form == form


@pytest.mark.parametrize(
    ("restriction", "value", "allowed"),
    [
        ("", "anything at all", True),
        ("", "", True),
        ("*", "42", True),
        ("*", "-3", True),
        ("*", "True", True),
        ("*", "off", True),
        ("*", "Secure", False),
        ("true", "True", True),
        ("true", "on", True),
        ("true", "false", False),
        ("false", "0", True),
        ("None,Auto,Wpad", "None", True),
        ("None,Auto,Wpad", "wpad", True),
        ("None,Auto,Wpad", "Secure", False),
        ("None,Auto,Wpad", "Socks", False),
        ("None, Auto ,Wpad", "Auto", True),
        ("*.example.com,localhost", "gw.example.com", True),
        ("*.example.com,localhost", "example.com", False),
        ("a\\*b", "a*b", True),
        ("a\\*b", "axxb", False),
        ("x\\,y,z", "x,y", True),
        ("x\\,y,z", "x", False),
        ("100-,50-75", "100", True),
        ("100-,50-75", "99999", True),
        ("100-,50-75", "60", True),
        ("100-,50-75", "76", False),
        ("100-,50-75", "abc", False),
        ("-10", "10", True),
        ("-10", "11", False),
        ("1494,2598", "2598", True),
        ("1494,2598", "80", False),
    ],
)
def test_permits(restriction, value, allowed):
    assert permits(restriction, value) is allowed


def test_list_default_is_the_first_item():
    assert parse_restriction("Auto,None,Wpad").default == "Auto"
    assert parse_restriction("a\\,b,c").default == "a,b"
    assert parse_restriction("*").default is None


@pytest.mark.parametrize(
    ("text", "values", "after"),
    [
        ("None,Auto,Wpad", ["Secure", "Socks"], "None,Auto,Wpad,Secure,Socks"),
        ("None,Auto,Wpad", ["wpad"], "None,Auto,Wpad"),
        ("", ["Secure"], ""),
        ("*", ["5", "true"], "*"),
        ("100-", ["50"], "100-,50"),
        ("100-", ["150"], "100-"),
        ("a", ["x*y,z"], "a,x\\*y\\,z"),
    ],
)
def test_add_permitted(text, values, after):
    result = add_permitted(text, values, key="ProxyType", path=PATH)
    assert result == after
    assert all(permits(result, value) for value in values)


@pytest.mark.parametrize(
    ("text", "values", "after"),
    [
        ("None,Auto,Wpad,Secure,Socks", ["socks", "Secure"], "None,Auto,Wpad"),
        ("None,Auto,Wpad", ["Secure"], "None,Auto,Wpad"),
        ("None,Auto,Wpad", ["None"], "Auto,Wpad"),
        ("1-100", ["50"], "1-49,51-100"),
        ("100-", ["100"], "101-"),
        ("-10,20", ["20"], "-10"),
    ],
)
def test_remove_permitted(text, values, after):
    result = remove_permitted(text, values, key="ProxyType", path=PATH)
    assert result == after
    assert not any(permits(result, value) for value in values)


@pytest.mark.parametrize(
    ("operation", "text", "values", "cause"),
    [
        (add_permitted, "*", ["Secure"], "permits any integer or boolean only"),
        (add_permitted, "true", ["false"], "fixed"),
        (add_permitted, "100-", ["abc"], "integer range"),
        (remove_permitted, "", ["Secure"], "cannot list exceptions"),
        (remove_permitted, "*", ["5"], "cannot list exceptions"),
        (remove_permitted, "None", ["None"], "no value would be left"),
        (remove_permitted, "*.example.com", ["a.example.com"], "wildcard"),
        (remove_permitted, "5", ["5"], "no value would be left"),
        (remove_permitted, "5-5", ["5"], "no integer would be left"),
    ],
)
def test_edits_that_cannot_be_expressed_are_refused(operation, text, values, cause):
    with pytest.raises(IcaClientError) as info:
        operation(text, values, key="ProxyType", path=PATH)
    assert cause in info.value.message
    assert PATH in info.value.message and "ProxyType" in info.value.message


@pytest.mark.parametrize(
    ("form", "values", "text"),
    [
        ("any_string", [], ""),
        ("any", [], "*"),
        ("list", ["None", "Auto", "Secure"], "None,Auto,Secure"),
        ("list", ["a,b"], "a\\,b"),
        ("range", ["100-", "50-75"], "100-,50-75"),
        ("range", ["8"], "8"),
    ],
)
def test_restriction_text(form, values, text):
    assert restriction_text(form, values) == text


@pytest.mark.parametrize(
    ("form", "values", "cause"),
    [
        ("list", [], "at least one value"),
        ("list", ["a", ""], "no empty values"),
        ("range", ["abc"], "needs values like"),
        ("range", ["75-50"], "75 is above 50"),
        ("fixed", [], "unknown restriction form"),
    ],
)
def test_restriction_text_refuses_bad_values(form, values, cause):
    with pytest.raises(IcaClientError, match=cause):
        restriction_text(form, values, key="ProxyPort", path=PATH)


def test_escape_round_trips_through_a_list():
    value = "we\\ird*,value"
    assert permits(escape(value), value)
    assert not permits(escape(value), "weird-value")


@pytest.mark.parametrize(
    ("present", "region", "found"),
    [
        (["Trusted_Region.ini"], "trusted", ["Trusted_Region.ini"]),
        (["Trusted_Regions.ini"], "trusted", ["Trusted_Regions.ini"]),
        (
            ["Trusted_Region.ini", "Trusted_Regions.ini"],
            "trusted",
            ["Trusted_Region.ini", "Trusted_Regions.ini"],
        ),
        (["Untrusted_Regions.ini", "All_Regions.ini"], "untrusted", ["Untrusted_Regions.ini"]),
        (["All_Regions.ini"], "ALL", ["All_Regions.ini"]),
    ],
)
def test_region_files_are_found_under_singular_and_plural_names(tmp_path, present, region, found):
    for name in present:
        (tmp_path / name).write_text("[Network\\Proxy]\n")
    assert region_files(str(tmp_path), region) == [str(tmp_path / name) for name in found]


def test_a_missing_region_file_names_both_spellings(tmp_path):
    with pytest.raises(IcaClientError, match=r"none of Unknown_Region\.ini, Unknown_Regions\.ini exists"):
        region_files(str(tmp_path), "unknown")
    with pytest.raises(IcaClientError, match="unknown region 'moon'"):
        region_files(str(tmp_path), "moon")


@pytest.mark.parametrize(
    ("name", "profile"),
    [
        ("All_Regions.ini", True),
        ("Trusted_Region.ini", True),
        ("untrusted_regions.ini", True),
        ("wfclient.ini", False),
        ("regions.ini", False),
    ],
)
def test_is_profile(name, profile):
    assert is_profile(f"/x/{name}") is profile


def test_validate_profile_checks_restrictions_but_not_setting_sections():
    validate_profile({"ProxyPort": "1-65535"}, path=PATH, section="Network\\Proxy")
    validate_profile({"EnableLockdown": "75-50"}, path=PATH, section="Top Level")
    with pytest.raises(IcaClientError, match="75 is above 50"):
        validate_profile({"ProxyPort": "75-50"}, path=PATH, section="Network\\Proxy")


STOCK = b"; trusted\r\n[Network\\Proxy]\r\nProxyType=None,Auto,Wpad\r\n\r\n[Other]\r\nX=1\r\n"


def test_plan_profile_edit_changes_one_line_and_keeps_the_rest():
    change = plan_profile_edit(STOCK, path=PATH, section="network\\proxy", key="proxytype", permit=["Secure"])
    assert change.before == "None,Auto,Wpad"
    assert change.after == "None,Auto,Wpad,Secure"
    assert change.new_data == STOCK.replace(b"Wpad\r\n", b"Wpad,Secure\r\n")
    assert change.changed and not change.warnings


def test_plan_profile_edit_form_then_deny_then_permit():
    change = plan_profile_edit(
        STOCK, path=PATH, section="Network\\Proxy", key="ProxyType",
        restriction="list", values=["Auto", "None", "Socks"], deny=["Socks"], permit=["Secure"],
    )  # fmt: skip
    assert change.after == "Auto,None,Secure"
    assert change.warnings == [
        f"{PATH}: the default of ProxyType (the first permitted value) changes from None to Auto"
    ]


def test_plan_profile_edit_needs_a_form_to_create_a_key():
    with pytest.raises(IcaClientError, match="has no ProxyHost in \\[Network\\\\Proxy\\]; give restriction"):
        plan_profile_edit(STOCK, path=PATH, section="Network\\Proxy", key="ProxyHost", permit=["x"])
    change = plan_profile_edit(
        STOCK, path=PATH, section="Network\\Proxy", key="ProxyHost", restriction="any_string"
    )
    assert change.before is None and change.after == ""
    assert b"ProxyType=None,Auto,Wpad\r\nProxyHost=\r\n" in change.new_data


def test_plan_profile_edit_refuses_a_value_both_permitted_and_denied():
    with pytest.raises(IcaClientError, match="secure is both permitted and denied"):
        plan_profile_edit(
            STOCK, path=PATH, section="Network\\Proxy", key="ProxyType", permit=["Secure"], deny=["secure"]
        )


def test_plan_profile_edit_with_nothing_to_do_is_unchanged():
    change = plan_profile_edit(
        STOCK, path=PATH, section="Network\\Proxy", key="ProxyType", permit=["auto"], deny=["Secure"]
    )
    assert not change.changed and change.after == change.before
