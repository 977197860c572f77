"""The schema of known keys: values the client accepts and the rules between keys."""

from __future__ import annotations

import pytest

from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError
from ansible_collections.icaclient.linux.plugins.module_utils._ini.rules import build_schema, validate
from ansible_collections.icaclient.linux.plugins.module_utils._ini.schema import (
    MASK,
    is_secret,
    lockdown_section,
    normalize_tls,
)
from ansible_collections.icaclient.linux.plugins.module_utils._ini.values import check_value, ini_value

PATH = "/etc/icaroot/config/wfclient.ini"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("ProxyType", "None"),
        ("ProxyType", "secure"),
        ("proxytype", "SocksV5"),
        ("ProxyType", "Script"),
        ("ProxyPort", "1"),
        ("ProxyPort", "65535"),
        ("ProxyTimeout", "30000"),
        ("ProxyHost", "proxy.example.com:3128"),
        ("ProxyHost", "10.0.0.1"),
        ("ProxyHost", "[2001:db8::1]:8080"),
        ("ProxyHost", ""),
        ("ProxyAutoConfigURL", "http://wpad.example.com/proxy.pac"),
        ("WpadHost", "http://wpad/wpad.dat"),
        ("ProxyUseDefault", "True"),
        ("ProxyAuthenticationNTLM", "off"),
        ("SmartCard", "On"),
        ("DisableCtrlAltDel", "0"),
        ("MinimumTLS", "1.2"),
        ("MaximumTLS", "12"),
        ("MinimumTLS", "10"),
        ("SSLProxyHost", "*:443"),
        ("SSLProxyHost", "*:8443"),
        ("SSLProxyHost", "gateway.example.com:443"),
        ("SSLProxyHost", "sg.corp.example.com"),
        ("CGPAddress", "*:2598"),
        ("SSLCiphers", "GOV"),
        ("SSLCertificateRevocationCheckPolicy", "FullAccessCheckAndCRLRequired"),
        ("SomeUnknownKey", "anything at all"),
    ],
)
def test_values_the_client_accepts_pass(key, value):
    assert check_value(key, value) is None


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        ("ProxyType", "Http", "must be one of None, Auto, Wpad, Socks, SocksV4, SocksV5, Secure, Script"),
        ("ProxyPort", "0", "from 1 to 65535"),
        ("ProxyPort", "70000", "from 1 to 65535"),
        ("ProxyPort", "80a", "must be an integer"),
        ("ProxyTimeout", "-1", "from 0 to 3600000"),
        ("ProxyHost", "proxy.example.com:0", "port '0' must be an integer from 1 to 65535"),
        ("ProxyHost", "proxy.example.com:70000", "port '70000'"),
        ("ProxyHost", "bad host", "without blanks"),
        ("ProxyAutoConfigURL", "wpad.example.com/proxy.pac", "must be a URL"),
        ("ProxyUseDefault", "maybe", "must be a boolean"),
        ("MinimumTLS", "1.3", "TLS 1.3 is not enabled"),
        ("MaximumTLS", "13", "TLS 1.3 is not enabled"),
        ("MaximumTLS", "SSLv3", "must be a TLS version"),
        ("SSLProxyHost", "*:70000", "port '70000'"),
        ("SSLProxyHost", "*:0", "port '0'"),
        ("SSLProxyHost", "*", "must be *:PORT"),
        ("SSLProxyHost", "example.com:443", "at least 3 labels"),
        ("SSLProxyHost", "gateway:443", "at least 3 labels"),
        ("SSLProxyHost", "10.1.2.3:443", "not an IP address"),
        ("SSLCiphers", "STRONG", "must be one of ALL, COM, GOV"),
        ("SSLCertificateRevocationCheckPolicy", "Always", "must be one of"),
        ("PCSCLibraryName", "", "must not be empty"),
    ],
)
def test_values_the_client_rejects_are_named(key, value, problem):
    assert problem in (check_value(key, value) or "")


def test_tls13_needs_allow_tls13_or_a_client_version_from_the_schema():
    assert check_value("MaximumTLS", "1.3", allow_tls13=True) is None
    assert check_value("MaximumTLS", "1.3", client_version="24.2.0.65") is not None
    schema = build_schema({"tls": {"tls13_min_client_version": "24.2"}})
    assert check_value("MaximumTLS", "1.3", client_version="24.2.0.65", schema=schema) is None
    assert check_value("MaximumTLS", "1.3", client_version="23.11.0.82", schema=schema) is not None


@pytest.mark.parametrize(
    ("client", "allowed"), [("1912", False), ("2309", False), ("2402", True), ("24.2", True)]
)
def test_release_names_are_versions_too(client: str, allowed: bool) -> None:
    # "1912" is 19.12, older than 24.2: read as the number 1912 it passed every minimum.
    schema = build_schema({"tls": {"tls13_min_client_version": "24.2"}})
    assert (check_value("MaximumTLS", "1.3", client_version=client, schema=schema) is None) is allowed
    assert "client version >= 24.2" in check_value("MaximumTLS", "1.3", schema=schema)


@pytest.mark.parametrize(
    ("value", "version"), [("1.0", "1.0"), ("12", "1.2"), (" 11 ", "1.1"), ("1.4", None)]
)
def test_tls_versions_are_read_with_or_without_the_dot(value, version):
    assert normalize_tls(value) == version


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        ({"MinimumTLS": "1.2", "MaximumTLS": "1.0"}, "MinimumTLS=1.2 is above MaximumTLS=1.0"),
        ({"MinimumTLS": "12", "MaximumTLS": "11"}, "MinimumTLS=12 is above MaximumTLS=11"),
        ({"MaximumTLS": "1.0", "MinimumTLS": "1.1"}, "is above MaximumTLS=1.0"),
        ({"MaximumTLS": "1.1"}, None),
        ({"MinimumTLS": "1.2"}, None),
        ({"ProxyType": "Socks"}, "ProxyType=Socks needs ProxyHost to be set"),
        ({"ProxyType": "Secure", "ProxyHost": ""}, "ProxyType=Secure needs ProxyHost"),
        ({"ProxyType": "socksv4", "ProxyHost": "socks.example.com:1080"}, None),
        ({"ProxyType": "Script"}, "ProxyType=Script needs ProxyAutoConfigURL"),
        ({"ProxyType": "Script", "ProxyAutoConfigURL": "http://pac.example.com/p.pac"}, None),
        ({"ProxyType": "None"}, None),
    ],
)
def test_cross_key_rules(settings, problem):
    if problem is None:
        validate(settings, path=PATH, section="WFClient")
        return
    with pytest.raises(IcaClientError) as info:
        validate(settings, path=PATH, section="WFClient")
    assert problem in info.value.message
    assert f"{PATH} [WFClient]" in info.value.message


def test_minimum_above_the_default_maximum_says_it_is_the_default():
    with pytest.raises(
        IcaClientError, match=r"MinimumTLS=1\.3 is above MaximumTLS=1\.2 \(the client's default\)"
    ):
        validate({"MinimumTLS": "1.3"}, path=PATH, allow_tls13=True)


def test_every_problem_is_reported_at_once_with_file_key_and_value():
    with pytest.raises(IcaClientError) as info:
        validate({"ProxyType": "Bogus", "ProxyPort": "0", "SSLProxyHost": "example.com:443"}, path=PATH)
    message = info.value.message
    for part in (PATH, "ProxyType=Bogus", "ProxyPort=0", "SSLProxyHost=example.com:443"):
        assert part in message
    assert len(info.value.details["problems"]) == 3


def test_only_changed_keys_and_their_rules_are_checked():
    stock = {"ProxyType": "Bogus", "MinimumTLS": "1.2", "MaximumTLS": "1.0", "ProxyPort": "8080"}
    validate(stock, path=PATH, changed_keys=["ProxyPort"])
    with pytest.raises(IcaClientError, match=r"MinimumTLS=1\.2 is above"):
        validate(stock, path=PATH, changed_keys=["maximumtls"])
    with pytest.raises(IcaClientError, match="ProxyType=Bogus"):
        validate(stock, path=PATH, changed_keys=["ProxyType"])


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("ProxyPassword", True),
        ("proxypassword", True),
        ("StorePassword", True),
        ("ClientSecret", True),
        ("ProxyUsername", False),
        ("UseLocalUserAndPassword", False),
    ],
)
def test_secret_keys(key, secret):
    assert is_secret(key) is secret


def test_secret_values_never_appear_in_errors():
    schema = build_schema({"keys": {"ProxyPassword": {"type": "int", "min": 1, "max": 2}}})
    with pytest.raises(IcaClientError) as info:
        validate({"ProxyPassword": "hunter2-s3cret"}, path=PATH, schema=schema)
    assert "hunter2-s3cret" not in str(info.value)
    assert f"ProxyPassword={MASK}" in str(info.value)


@pytest.mark.parametrize(
    ("key", "value", "text"),
    [
        ("ProxyUseDefault", True, "True"),
        ("ProxyUseDefault", False, "False"),
        ("SmartCard", True, "On"),
        ("DisableCtrlAltDel", False, "Off"),
        ("ProxyPort", 8080, "8080"),
        ("MinimumTLS", 1.2, "1.2"),
        ("ProxyType", "Secure", "Secure"),
    ],
)
def test_yaml_values_are_written_in_the_keys_own_words(key, value, text):
    assert ini_value(key, value, path=PATH) == text


def test_a_yaml_boolean_for_an_unknown_key_is_refused():
    with pytest.raises(IcaClientError, match="quote the value"):
        ini_value("SomethingNew", True, path=PATH)
    with pytest.raises(IcaClientError, match="a value must be"):
        ini_value("ProxyHost", ["a"], path=PATH)


def test_the_schema_is_data_that_configuration_extends():
    schema = build_schema(
        {
            "keys": {
                "ProxyType": {"choices": ["None", "Corporate"]},
                "NewPort": {"type": "int", "min": 1000},
            },
            "rules": [{"rule": "requires", "key": "NewPort", "values": ["1234"], "requires": ["NewHost"]}],
        }
    )
    assert check_value("ProxyType", "Corporate", schema=schema) is None
    assert check_value("ProxyType", "Secure", schema=schema) is not None
    assert check_value("NewPort", "999", schema=schema) == "must be an integer of at least 1000"
    with pytest.raises(IcaClientError, match="NewPort=1234 needs NewHost"):
        validate({"NewPort": "1234"}, path=PATH, schema=schema)
    forgotten = build_schema({"keys": {"ProxyType": None}})
    assert check_value("ProxyType", "Anything", schema=forgotten) is None
    assert check_value("ProxyType", "Anything") is not None  # the default schema is untouched


@pytest.mark.parametrize(
    "overrides",
    [{"bogus": {}}, {"keys": {"X": {"type": "float"}}}, {"keys": {"X": "int"}}],
)
def test_bad_schema_overrides_are_refused(overrides):
    with pytest.raises(IcaClientError, match="schema"):
        build_schema(overrides)


def test_lockdown_sections_of_known_keys():
    assert lockdown_section("proxytype") == "Network\\Proxy"
    assert lockdown_section("MinimumTLS") == "Network\\SSL"
    assert lockdown_section("Unknown") is None
