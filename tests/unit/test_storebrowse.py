"""Pure parts of the storebrowse wrapper: listing parsing, URL comparison, exit codes."""

from __future__ import annotations

import pytest

from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError
from ansible_collections.icaclient.linux.plugins.module_utils._runner import CommandResult
from ansible_collections.icaclient.linux.plugins.module_utils._storebrowse import (
    StoreRequest,
    check,
    ensure_store,
    find_store,
    normalise_url,
    parse_listing,
    shown_url,
    url_secrets,
    user_argv,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://SF.Example.com/Citrix/Store/", "https://sf.example.com/Citrix/Store"),
        ("HTTPS://sf.example.com:443/Citrix/Store", "https://sf.example.com/Citrix/Store"),
        ("https://sf.example.com:8443", "https://sf.example.com:8443"),
        ("http://sf.example.com/x", "http://sf.example.com/x"),
    ],
)
def test_normalise_url(url, expected):
    assert normalise_url(url) == expected


@pytest.mark.parametrize("url", ["sf.example.com", "ftp://sf.example.com/", "https://", ""])
def test_normalise_url_rejects_what_is_not_a_store_url(url):
    with pytest.raises(IcaClientError, match="invalid store URL"):
        normalise_url(url)


def test_parse_listing_finds_the_url_field_whatever_its_position():
    out = (
        "'Corp Store'\t'https://sf.example.com/Citrix/Store/discovery'\t'Corp Gateway'\n"
        "\n"
        "'https://gw.example.com'\t'Gateway store'\n"
        "No stores configured\n"
    )
    stores = parse_listing(out)
    assert [store.url for store in stores] == [
        "https://sf.example.com/Citrix/Store/discovery",
        "https://gw.example.com",
    ]
    assert stores[0].fields == ("Corp Store", "https://sf.example.com/Citrix/Store/discovery", "Corp Gateway")


def test_find_store_matches_a_base_url_against_the_full_discovery_url():
    stores = parse_listing("'Corp'\t'https://sf.example.com/Citrix/Store/discovery'\n")
    assert find_store(stores, "https://SF.example.com/Citrix/Store") is not None
    assert find_store(stores, "https://sf.example.com/Citrix/Other") is None


def test_user_argv_runs_as_the_user_with_their_home():
    assert user_argv(["/sb", "-l"], "alice", "/home/alice") == [
        "runuser",
        "-u",
        "alice",
        "--",
        "env",
        "HOME=/home/alice",
        "/sb",
        "-l",
    ]
    assert user_argv(["/sb", "-l"], None, None) == ["/sb", "-l"]


@pytest.mark.parametrize(
    ("rc", "cause"),
    [
        (150, "add the issuing root CA to /opt/ica/keystore/cacerts"),
        (235, "unable to add the store"),
        (237, "not found"),
        (248, "refused the credentials"),
        (5, "rejected its arguments"),
        (99, "storebrowse failed"),
    ],
)
def test_exit_codes_become_clear_errors(rc, cause):
    result = CommandResult(("/sb", "-a", "https://sf"), rc, "", "boom")
    with pytest.raises(IcaClientError) as caught:
        check(result, action="add", url="https://sf", icaroot="/opt/ica")
    assert cause in caught.value.message
    assert f"exit code {rc}" in caught.value.message
    assert caught.value.details["rc"] == rc
    assert caught.value.details["stderr"] == "boom"


SECRET = "S3cretPW"


@pytest.mark.parametrize(
    "url",
    [
        f"https://alice:{SECRET}@storefront.example.com/Citrix/Store/discovery",
        f"https://{SECRET}@storefront.example.com/Citrix/Store",
        f"https://alice:p@ss{SECRET}@storefront.example.com:8443/",
        f"https://alice:{SECRET}/x@storefront.example.com/",  # a slash in the password: no valid port
    ],
)
def test_credentials_in_a_store_url_are_refused_without_repeating_them(url):
    with pytest.raises(IcaClientError, match="invalid store URL") as caught:
        normalise_url(url)
    text = caught.value.message + repr(caught.value.details)
    assert SECRET not in text
    assert "alice" not in text
    assert "storefront.example.com" in text  # which store it was stays clear


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://sf.example.com/Citrix/Store\nhttps://evil.example.com/", "\\n"),
        ("https://sf.example.com/Citrix/Store\r", "\\r"),
        ("https://sf.example.com/Citrix\t/Store", "\\t"),
        ("https://sf.exa\x00mple.com/", "\\x00"),
        ("https://sf.example.com/\x7f", "\\x7f"),
    ],
)
def test_control_characters_in_a_store_url_are_refused(url, shown):
    with pytest.raises(IcaClientError, match="control character") as caught:
        normalise_url(url)
    assert shown in caught.value.message
    assert "\n" not in caught.value.message and "\r" not in caught.value.message


@pytest.mark.parametrize(
    ("url", "cause"),
    [
        ("https://sf.example.com:99999/Citrix/Store", "port"),
        ("https://sf.example.com:0/Citrix/Store", "port"),
        ("https://sf.example.com:https/Citrix/Store", "port"),
        ("https://[::1", "IPv6"),
        ("https://[sf.example.com]/x", "IPv6"),
    ],
)
def test_malformed_store_urls_are_the_modules_invalid_url_error(url, cause):
    with pytest.raises(IcaClientError, match="invalid store URL") as caught:
        normalise_url(url)
    assert cause in caught.value.message


def test_an_ipv6_store_url_is_accepted():
    assert normalise_url("https://[::1]:8443/Citrix/Store/") == "https://[::1]:8443/Citrix/Store"


def test_shown_url_leaves_credentials_out_and_escapes_control_characters():
    assert shown_url(f"https://alice:{SECRET}@sf.example.com/x") == "https://***@sf.example.com/x"
    assert shown_url("https://sf.example.com/x\ny") == "https://sf.example.com/x\\ny"
    assert shown_url("https://sf.example.com/x") == "https://sf.example.com/x"


def test_url_secrets_name_what_output_must_mask():
    assert set(url_secrets(f"https://alice:{SECRET}@sf.example.com/")) == {f"alice:{SECRET}", SECRET}
    assert url_secrets("https://sf.example.com/") == []


def test_a_user_whose_home_does_not_exist_is_a_clear_error_before_storebrowse_runs(tmp_path):
    calls = []

    def run(argv, **_kwargs):
        calls.append(argv)
        return CommandResult(tuple(argv), 0, "", "")

    tool = tmp_path / "storebrowse"
    tool.write_text("#!/bin/sh\n")
    tool.chmod(0o755)
    for check_mode in (True, False):
        with pytest.raises(IcaClientError) as caught:
            request = StoreRequest(
                url="https://sf.example.com/Citrix/Store",
                user="alice",
                home=str(tmp_path / "no-such-home"),
                storebrowse_path=str(tool),
            )
            ensure_store(run, request, icaroot=str(tmp_path), check_mode=check_mode)
        assert caught.value.message == (
            f"cannot manage stores of user alice: the home folder {tmp_path}/no-such-home does not exist "
            "(storebrowse keeps the user's stores in ~/.ICAClient there); create the home or give the "
            "user's home"
        )
    assert calls == []
