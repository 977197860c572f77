"""Pure parts of the storebrowse wrapper: listing parsing, URL comparison, exit codes."""

from __future__ import annotations

import pytest

from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError
from ansible_collections.icaclient.linux.plugins.module_utils._runner import CommandResult
from ansible_collections.icaclient.linux.plugins.module_utils._storebrowse import (
    check,
    find_store,
    normalise_url,
    parse_listing,
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
