"""Lockdown profile semantics: what a restriction permits, and editing it."""

from __future__ import annotations

import os

import pytest

from ansible_collections.icaclient.linux.plugins.module_utils._atomic import UnsafeFileError
from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError
from ansible_collections.icaclient.linux.plugins.module_utils._ini.lockdown import (
    ProfileEdit,
    ProfileFile,
    is_profile,
    plan_profile_edits,
    region_files,
    update_profile_entries,
    update_profile_sets,
    validate_profile,
)
from ansible_collections.icaclient.linux.plugins.module_utils._ini.lockdown import (
    plan_profile_edit as plan_with_edit,
)
from ansible_collections.icaclient.linux.plugins.module_utils._ini.restriction import (
    ANY,
    ANY_STRING,
    FIXED,
    LIST,
    RANGE,
    add_permitted,
    escape,
    parse_restriction,
    permits,
    remove_permitted,
    restriction_text,
)

PATH = "/opt/Citrix/ICAClient/config/Trusted_Region.ini"


def plan_profile_edit(data, *, path, **fields):
    """One key's edit as a request object (ProfileEdit)."""
    return plan_with_edit(data, ProfileEdit(**fields), path=path)


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


@pytest.mark.parametrize(
    ("key", "form", "values", "permit", "after", "created"),
    [
        # A missing key is created with the form, then the permitted value is applied.
        ("ProxyHost", "any_string", [], ["proxy:3128"], "", True),
        ("ProxyPort", "any", [], ["3128"], "*", True),
        ("ProxyType", "list", ["None", "Auto"], [], "None,Auto,Wpad", False),  # exists: kept as it is
        ("ProxyType", "any_string", [], ["Secure"], "None,Auto,Wpad,Secure", False),  # exists: permit only
        ("ProxyType", "list", ["None"], ["Secure"], "None,Auto,Wpad,Secure", False),  # values ignored
        ("SSLCiphers", "list", ["GOV", "COM"], ["ALL"], "GOV,COM,ALL", True),
        ("ProxyTimeout", "range", ["1-60000"], [], "1-60000", True),
    ],
)
def test_restriction_if_missing_creates_only_a_missing_key(key, form, values, permit, after, created):
    change = plan_profile_edit(
        STOCK, path=PATH, section="Network\\Proxy", key=key,
        restriction_if_missing=form, values=values, permit=permit,
    )  # fmt: skip
    assert change.after == after
    assert (change.before is None) is created
    if created:
        assert f"{key}={after}\r\n".encode() in change.new_data
    elif not permit:
        assert not change.changed


def test_restriction_if_missing_keeps_an_existing_restriction_even_when_it_refuses_the_value():
    stock = b"[Network\\Proxy]\nProxyUseDefault=*\n"
    with pytest.raises(
        IcaClientError, match=r"'Maybe' for ProxyUseDefault .* set the restriction form first"
    ):
        plan_profile_edit(
            stock, path=PATH, section="Network\\Proxy", key="ProxyUseDefault",
            restriction_if_missing="any_string", permit=["Maybe"],
        )  # fmt: skip


def test_restriction_and_restriction_if_missing_exclude_each_other():
    with pytest.raises(IcaClientError, match="give restriction or restriction_if_missing, not both"):
        plan_profile_edit(
            STOCK, path=PATH, section="Network\\Proxy", key="ProxyHost",
            restriction="any", restriction_if_missing="any_string",
        )  # fmt: skip


def test_restriction_if_missing_unrestricted_leaves_a_missing_key_out():
    region = b"[Virtual Channels\\Smartcard]\nSmartCardAllowed=*\n"
    change = plan_profile_edit(
        region, path=PATH, section="Network\\Proxy", key="ProxyType",
        restriction_if_missing="unrestricted", permit=["Secure"],
    )  # fmt: skip
    assert not change.changed and change.before is None and change.after is None
    # A listed key is edited as usual.
    listed = plan_profile_edit(
        STOCK, path=PATH, section="Network\\Proxy", key="ProxyType",
        restriction_if_missing="unrestricted", permit=["Secure"],
    )  # fmt: skip
    assert listed.after == "None,Auto,Wpad,Secure"
    with pytest.raises(
        IcaClientError, match="does not list ProxyType in \\[Network\\\\Proxy\\], so it does not"
    ):
        plan_profile_edit(
            region, path=PATH, section="Network\\Proxy", key="ProxyType",
            restriction_if_missing="unrestricted", deny=["Socks"],
        )  # fmt: skip


def test_plan_profile_edits_applies_the_entries_in_order_on_one_file():
    edits = [
        ProfileEdit(key="ProxyType", section="Network\\Proxy", permit=["Secure"]),
        ProfileEdit(key="ProxyHost", section="Network\\Proxy", restriction_if_missing="any_string"),
        ProfileEdit(key="ProxyType", section="Network\\Proxy", deny=["Wpad"]),
    ]
    change = plan_profile_edits(STOCK, path=PATH, edits=edits)
    assert [(c.before, c.after) for c in change.changes] == [
        ("None,Auto,Wpad", "None,Auto,Wpad,Secure"),
        (None, ""),
        ("None,Auto,Wpad,Secure", "None,Auto,Secure"),
    ]
    assert change.new_data == STOCK.replace(b"Wpad\r\n", b"Secure\r\nProxyHost=\r\n")
    assert [entry["key"] for entry in change.entries()] == ["ProxyType", "ProxyHost", "ProxyType"]
    assert change.diff()["before"] != change.diff()["after"]


def test_update_profile_entries_writes_nothing_when_one_entry_of_one_file_is_invalid(tmp_path):
    good, odd = tmp_path / "All_Regions.ini", tmp_path / "Other" / "All_Regions.ini"
    odd.parent.mkdir()
    good.write_bytes(STOCK)
    odd.write_bytes(STOCK.replace(b"ProxyType=None,Auto,Wpad", b"ProxyType=*"))
    edits = [
        ProfileEdit(key="ProxyHost", section="Network\\Proxy", restriction_if_missing="any_string"),
        ProfileEdit(key="ProxyType", section="Network\\Proxy", permit=["Secure"]),
    ]
    with pytest.raises(IcaClientError, match=f"'Secure' for ProxyType in {odd}"):
        update_profile_entries([str(good), str(odd)], edits)
    assert good.read_bytes() == STOCK
    changes = update_profile_entries([str(good)], edits)
    assert changes[0].changed and b"ProxyHost=\r\n" in good.read_bytes()


ALL_REGIONS = b"[Top Level]\nAllowUnrecognisedICAParameters=false\n\n[Network\\Proxy]\nProxyType=\n"


def _profile_sets(tmp_path):
    all_regions, trusted = tmp_path / "All_Regions.ini", tmp_path / "Trusted_Region.ini"
    all_regions.write_bytes(ALL_REGIONS)
    trusted.write_bytes(STOCK)
    return (
        all_regions,
        trusted,
        [
            (
                str(all_regions),
                [
                    ProfileEdit(
                        key="ProxyHost", section="Network\\Proxy", restriction_if_missing="any_string"
                    ),
                    ProfileEdit(key="ProxyPort", section="Network\\Proxy", restriction_if_missing="any"),
                ],
            ),
            (str(trusted), [ProfileEdit(key="ProxyType", section="Network\\Proxy", permit=["Secure"])]),
        ],
    )


def test_update_profile_sets_gives_each_profile_its_own_entries(tmp_path):
    all_regions, trusted, profiles = _profile_sets(tmp_path)
    checked = update_profile_sets(profiles, check_mode=True)
    assert [c.changed for c in checked] == [True, True]
    assert all_regions.read_bytes() == ALL_REGIONS and trusted.read_bytes() == STOCK
    calls = []
    changes = update_profile_sets(profiles, backup=lambda path: calls.append(path) or path + "~")
    assert all_regions.read_bytes() == ALL_REGIONS + b"ProxyHost=\nProxyPort=*\n"
    assert trusted.read_bytes() == STOCK.replace(b"Wpad\r\n", b"Wpad,Secure\r\n")
    assert calls == [str(all_regions), str(trusted)]
    assert [(e["path"], e["key"], e["after"]) for c in changes for e in c.entries()] == [
        (str(all_regions), "ProxyHost", ""),
        (str(all_regions), "ProxyPort", "*"),
        (str(trusted), "ProxyType", "None,Auto,Wpad,Secure"),
    ]
    assert not any(c.changed for c in update_profile_sets(profiles))


def test_update_profile_sets_writes_nothing_when_one_profile_refuses(tmp_path):
    all_regions, trusted, profiles = _profile_sets(tmp_path)
    trusted.write_bytes(STOCK.replace(b"ProxyType=None,Auto,Wpad", b"ProxyType=*"))
    before = (all_regions.read_bytes(), trusted.read_bytes())
    with pytest.raises(IcaClientError, match=f"'Secure' for ProxyType in {trusted}"):
        update_profile_sets(profiles, backup=lambda path: pytest.fail("backup before every plan was made"))
    assert (all_regions.read_bytes(), trusted.read_bytes()) == before


def test_update_profile_sets_refuses_a_missing_or_repeated_profile(tmp_path):
    all_regions, _trusted, profiles = _profile_sets(tmp_path)
    missing = str(tmp_path / "Unknown_Region.ini")
    with pytest.raises(
        IcaClientError, match=f"cannot edit lockdown profile {missing}: the file does not exist"
    ):
        update_profile_sets([*profiles, (missing, profiles[1][1])])
    again = (f"{tmp_path}/./All_Regions.ini", profiles[1][1])
    with pytest.raises(
        IcaClientError, match=r"All_Regions\.ini: it is given twice \(as .*All_Regions\.ini\)"
    ):
        update_profile_sets([*profiles, again])
    assert all_regions.read_bytes() == ALL_REGIONS


@pytest.mark.parametrize("dangling", [False, True], ids=["link", "dangling-link"])
def test_a_profile_that_is_a_link_is_found_and_refused_never_read_or_replaced(tmp_path, dangling):
    target = tmp_path / "elsewhere.ini"
    if not dangling:
        target.write_bytes(b"[Network\\Proxy]\nProxyType=Secret-Value\n")
    config = tmp_path / "config"
    config.mkdir()
    link = config / "All_Regions.ini"
    link.symlink_to(target)
    paths = region_files(str(config), "all")
    assert paths == [str(link)]  # found, so that the refusal names it
    edit = ProfileEdit(key="ProxyType", section="Network\\Proxy", permit=["Secure"])
    for call in (
        lambda: update_profile_entries(paths, [edit]),
        lambda: update_profile_sets([(str(link), [edit])], check_mode=True),
    ):
        with pytest.raises(UnsafeFileError) as caught:
            call()
        assert caught.value.reason == "symlink"
        assert caught.value.message.startswith(
            f"cannot edit lockdown profile {link}: it is a symbolic link, and root does not read or write"
        )
        assert "Secret-Value" not in caught.value.message
    assert link.is_symlink() and sorted(p.name for p in config.iterdir()) == ["All_Regions.ini"]


def test_a_profile_that_is_not_a_regular_file_is_refused(tmp_path):
    fifo = tmp_path / "All_Regions.ini"
    os.mkfifo(fifo)
    edit = ProfileEdit(key="ProxyType", section="Network\\Proxy", permit=["Secure"])
    with pytest.raises(
        UnsafeFileError, match=f"cannot edit lockdown profile {fifo}: it is not a regular file"
    ):
        update_profile_entries([str(fifo)], [edit])


# -- exact: a whole section -------------------------------------------------------------------------------


def test_exact_keeps_only_the_named_keys_of_the_named_sections():
    data = (
        b"; trusted\n[Network\\Proxy]\n; types\nProxyType=None,Auto\nProxyHost=\nProxyTimeout=*\n\n"
        b"[Virtual Channels\\Smartcard]\nSmartCardAllowed=*\n"
    )
    edits = [
        ProfileEdit(key="ProxyType", section="network\\proxy", restriction="list", values=["None", "Secure"]),
        ProfileEdit(key="ProxyBypassList", section="Network\\Proxy", restriction="any_string"),
    ]
    change = plan_profile_edits(data, path=PATH, edits=edits, exact=True)
    assert change.new_data == (
        b"; trusted\n[Network\\Proxy]\n; types\nProxyType=None,Secure\nProxyBypassList=\n\n"
        b"[Virtual Channels\\Smartcard]\nSmartCardAllowed=*\n"
    )
    assert [(e["key"], e["before"], e["after"], e["changed"]) for e in change.entries()] == [
        ("ProxyType", "None,Auto", "None,Secure", True),
        ("ProxyBypassList", None, "", True),
        ("ProxyHost", "", None, True),
        ("ProxyTimeout", "*", None, True),
    ]
    again = plan_profile_edits(change.new_data, path=PATH, edits=edits, exact=True)
    assert not again.changed and len(again.changes) == 2
    plain = plan_profile_edits(data, path=PATH, edits=edits)
    assert b"ProxyHost=\n" in plain.new_data and len(plain.changes) == 2


def test_exact_creates_a_missing_section_and_reaches_every_file_of_a_set(tmp_path):
    all_regions, trusted, _profiles = _profile_sets(tmp_path)
    edit = ProfileEdit(key="HDXoverUDP", section="Network\\UDT", restriction="list", values=["Off"])
    changes = update_profile_sets([ProfileFile(str(trusted), [edit], exact=True)], check_mode=True)
    assert changes[0].changed and trusted.read_bytes() == STOCK
    update_profile_entries([str(trusted), str(all_regions)], [edit], exact=True)
    for path in (trusted, all_regions):
        assert path.read_bytes().replace(b"\r\n", b"\n").endswith(b"[Network\\UDT]\nHDXoverUDP=Off\n")
    assert b"ProxyType=None,Auto,Wpad" in trusted.read_bytes()
