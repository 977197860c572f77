"""The prober's pure parts: targets, proxy URLs, the client's settings read from real ini files."""

from __future__ import annotations

from pathlib import Path

import pytest

from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError
from ansible_collections.icaclient.linux.plugins.module_utils._probe import make_options, parse_target
from ansible_collections.icaclient.linux.plugins.module_utils._probe.proxy import ProxySpec, parse_proxy_url
from ansible_collections.icaclient.linux.plugins.module_utils._probe.settings import read_client_settings

SECRET = "Pw-unit-9c1f"


@pytest.mark.parametrize(
    ("text", "kind", "host", "port", "path"),
    [
        ("https://gw.example.com", "https", "gw.example.com", 443, ""),
        ("https://gw.example.com:8443/Citrix/Store", "https", "gw.example.com", 8443, "/Citrix/Store"),
        ("HTTPS://GW.example.com/?a=1", "https", "gw.example.com", 443, "/?a=1"),
        ("relay.example.com", "relay", "relay.example.com", 443, ""),
        ("relay.example.com:8443", "relay", "relay.example.com", 8443, ""),
        ("xa01.example.com:1494", "ica", "xa01.example.com", 1494, ""),
        ("xa01.example.com:2598", "cgp", "xa01.example.com", 2598, ""),
        ("ica://xa01", "ica", "xa01", 1494, ""),
        ("cgp://xa01:2600", "cgp", "xa01", 2600, ""),
        ("tcp://10.0.0.1:22", "tcp", "10.0.0.1", 22, ""),
        ("ssl://relay:444", "relay", "relay", 444, ""),
        ("[2001:db8::1]:443", "relay", "2001:db8::1", 443, ""),
        ("https://[2001:db8::1]:8443/x", "https", "2001:db8::1", 8443, "/x"),
        ("  gw.example.com  ", "relay", "gw.example.com", 443, ""),
    ],
)
def test_targets_parse_into_kind_host_port(text: str, kind: str, host: str, port: int, path: str) -> None:
    target = parse_target(text)
    assert (target.kind, target.host, target.port, target.path) == (kind, host, port, path)
    assert target.tls == (kind in ("https", "relay"))


@pytest.mark.parametrize(
    ("text", "cause"),
    [
        ("", "empty target"),
        ("http://gw.example.com", "over https"),
        ("ftp://gw", "scheme 'ftp'"),
        ("gw.example.com:99999", "cannot be parsed"),
        ("gw.example.com:0", "port 0"),
        ("tcp://host", "needs a port"),
        ("gw.example.com/Citrix", "needs https://"),
        ("ica://xa01/path", "only https://"),
        ("https://user:pw@gw.example.com", "credentials"),
        ("gw example.com", "blanks"),
        ("https://:443", "no host"),
    ],
)
def test_bad_targets_are_refused_with_the_cause(text: str, cause: str) -> None:
    with pytest.raises(IcaClientError, match=cause.replace("(", r"\(").replace("?", r"\?")):
        parse_target(text)


@pytest.mark.parametrize(
    ("url", "kind", "port"),
    [
        ("socks4://10.0.0.1:1080", "socks4", 1080),
        ("socks5://proxy:9050", "socks5", 9050),
        ("socks5h://proxy", "socks5", 1080),
        ("http://proxy.example.com:3128", "http", 3128),
        ("http://proxy.example.com", "http", 8080),
        ("HTTP://[2001:db8::2]:3128", "http", 3128),
    ],
)
def test_proxy_urls(url: str, kind: str, port: int) -> None:
    spec = parse_proxy_url(url)
    assert (spec.kind, spec.port) == (kind, port)


def test_a_proxy_url_with_credentials_is_refused_without_repeating_them() -> None:
    with pytest.raises(IcaClientError) as caught:
        parse_proxy_url(f"http://alice:{SECRET}@proxy:3128")
    assert SECRET not in str(caught.value)
    assert "must not carry credentials" in str(caught.value)


@pytest.mark.parametrize(
    ("url", "kwargs", "cause"),
    [
        ("proxy:3128", {}, "no scheme"),
        ("https://proxy:3128", {}, "not supported"),
        ("http://proxy:3128/path", {}, "without a path"),
        ("socks5://proxy:1080", {"auth": "ntlm", "username": "u"}, "HTTP CONNECT"),
        ("http://proxy:3128", {"auth": "basic"}, "needs a proxy username"),
        ("socks4://proxy:1080", {"username": "u", "password": "p"}, "no password"),
        ("http://proxy:3128", {"auth": "digest"}, "unknown proxy authentication"),
    ],
)
def test_bad_proxy_urls(url: str, kwargs: dict, cause: str) -> None:
    with pytest.raises(IcaClientError, match=cause):
        parse_proxy_url(url, **kwargs)


def test_the_password_never_shows_in_repr_or_description() -> None:
    spec = parse_proxy_url("http://proxy:3128", username="alice", password=SECRET, auth="basic")
    assert SECRET not in repr(spec)
    assert SECRET not in spec.describe()
    assert SECRET not in spec.url()
    assert "alice" in spec.describe()


@pytest.mark.parametrize(
    ("bypass", "host", "expected"),
    [
        (("*.example.com",), "gw.example.com", True),
        (("*.example.com",), "gw.example.org", False),
        (("<local>",), "intranet", True),
        (("<local>",), "intranet.corp", False),
        (("10.*",), "10.1.2.3", True),
    ],
)
def test_bypass_list(bypass: tuple[str, ...], host: str, expected: bool) -> None:
    assert ProxySpec("http", "p", 3128, bypass=bypass).bypasses(host) is expected


# ---------------------------------------------------------------------------
# The client's settings, from real files


def _client(tmp_path: Path, *, machine: str = "", user: str = "", module: str = "") -> tuple[Path, Path]:
    icaroot = tmp_path / "icaroot"
    (icaroot / "config").mkdir(parents=True)
    (icaroot / "keystore" / "cacerts").mkdir(parents=True)
    home = tmp_path / "home"
    (home / ".ICAClient").mkdir(parents=True)
    if machine:
        (icaroot / "config" / "wfclient.ini").write_text(machine)
    if module:
        (icaroot / "config" / "module.ini").write_text(module)
    if user:
        (home / ".ICAClient" / "wfclient.ini").write_text(user)
    return icaroot, home


def test_defaults_are_the_clients_window_and_no_proxy(tmp_path: Path) -> None:
    icaroot, home = _client(tmp_path)
    settings = read_client_settings(icaroot=str(icaroot), user_home=str(home))
    assert (settings.min_tls, settings.max_tls, settings.proxy) == ("1.0", "1.2", None)
    assert settings.window() == ("1.0", "1.1", "1.2")


def test_user_file_wins_over_icaroot_and_module_ini_fills_gaps(tmp_path: Path) -> None:
    icaroot, home = _client(
        tmp_path,
        machine="[WFClient]\r\nMinimumTLS=1.1\r\nMaximumTLS=1.2\r\nProxyType=Secure\r\nProxyHost=machine:3128\r\n",
        user="[WFClient]\nminimumtls = 12\nPROXYHOST=userproxy:8080\nProxyUsername=alice\n",
        module="[WFClient]\nMaximumTLS=1.3\nProxyPort=3129\n",
    )
    settings = read_client_settings(icaroot=str(icaroot), user_home=str(home))
    assert (settings.min_tls, settings.max_tls) == ("1.2", "1.2")
    assert settings.proxy is not None
    assert (settings.proxy.kind, settings.proxy.host, settings.proxy.port) == ("http", "userproxy", 3129)
    assert settings.proxy.username == "alice"
    assert any(str(home) in source and "MinimumTLS=1.2" in source for source in settings.sources)


def test_proxy_keys_in_network_proxy_section_and_socks_types(tmp_path: Path) -> None:
    icaroot, home = _client(
        tmp_path,
        machine="[Network\\Proxy]\nProxyType=SocksV4\nProxyHost=socks.example.com\nProxyPort=1080\n"
        "ProxyBypassList=*.corp.example;<local>\n",
    )
    settings = read_client_settings(icaroot=str(icaroot), user_home=str(home))
    assert settings.proxy is not None
    assert (settings.proxy.kind, settings.proxy.port) == ("socks4", 1080)
    assert settings.proxy.bypasses("xa.corp.example")


@pytest.mark.parametrize(
    ("proxy_type", "edt", "flagged"),
    [
        ("Secure", "", True),
        ("Socks", "HDXoverUDP=Preferred\n", True),
        ("SocksV5", "HDXoverUDP=On\n", True),
        ("Secure", "HDXoverUDP=off\n", False),
    ],
)
def test_a_proxy_with_edt_on_is_flagged(tmp_path: Path, proxy_type: str, edt: str, flagged: bool) -> None:
    icaroot, home = _client(
        tmp_path, machine=f"[WFClient]\nProxyType={proxy_type}\nProxyHost=proxy.example.com:3128\n{edt}"
    )
    settings = read_client_settings(icaroot=str(icaroot), user_home=str(home))
    edt_warnings = [warning for warning in settings.warnings if "EDT (UDP) cannot pass" in warning]
    assert bool(edt_warnings) is flagged
    if flagged:
        assert "set HDXoverUDP=Off in [WFClient]" in edt_warnings[0]


def test_no_proxy_no_edt_warning(tmp_path: Path) -> None:
    icaroot, home = _client(tmp_path, machine="[WFClient]\nProxyType=None\nHDXoverUDP=On\n")
    assert not read_client_settings(icaroot=str(icaroot), user_home=str(home)).warnings


@pytest.mark.parametrize("proxy_type", ["Auto", "Wpad", "Script"])
def test_pac_proxy_types_are_probed_direct_with_a_warning(tmp_path: Path, proxy_type: str) -> None:
    icaroot, home = _client(tmp_path, machine=f"[WFClient]\nProxyType={proxy_type}\n")
    settings = read_client_settings(icaroot=str(icaroot), user_home=str(home))
    assert settings.proxy is None
    assert any("not evaluate" in warning for warning in settings.warnings)


@pytest.mark.parametrize(
    ("machine", "cause"),
    [
        ("[WFClient]\nMinimumTLS=1.2\nMaximumTLS=1.0\n", "MinimumTLS=1.2 .* is above MaximumTLS=1.0"),
        (
            "[WFClient]\nMinimumTLS=SSLv3\n",
            "MinimumTLS in .*wfclient.ini \\[WFClient\\]: 'SSLv3' is not a TLS",
        ),
        ("[WFClient]\nProxyType=Secure\n", "needs ProxyHost"),
        ("[WFClient]\nProxyType=Secure\nProxyHost=proxy\n", "has no port"),
        ("[WFClient]\nProxyType=Socks\nProxyHost=proxy:99999\n", "outside 1-65535"),
        ("[WFClient]\nProxyType=Bogus\n", "not a proxy type"),
        ("[WFClient]\nProxyType=Secure\nProxyHost=p:1\nProxyAuthenticationNTLM=maybe\n", "not a boolean"),
        ("[WFClient\nMinimumTLS=1.2\n", "no closing"),
    ],
)
def test_settings_the_client_cannot_use_are_errors_naming_the_file(
    tmp_path: Path, machine: str, cause: str
) -> None:
    icaroot, home = _client(tmp_path, machine=machine)
    with pytest.raises(IcaClientError, match=cause) as caught:
        read_client_settings(icaroot=str(icaroot), user_home=str(home))
    assert "wfclient.ini" in str(caught.value) or "MinimumTLS=1.2" in str(caught.value)


def test_the_configured_password_is_used_but_never_reported(tmp_path: Path) -> None:
    icaroot, home = _client(
        tmp_path,
        machine=f"[WFClient]\nProxyType=Secure\nProxyHost=p:3128\nProxyUsername=bob\nProxyPassword={SECRET}\n",
    )
    settings = read_client_settings(icaroot=str(icaroot), user_home=str(home))
    assert settings.proxy is not None and settings.proxy.password == SECRET
    assert SECRET not in repr(settings)
    assert SECRET not in str(settings.as_dict())


def test_explicit_proxy_replaces_the_configured_one_and_its_credentials(tmp_path: Path) -> None:
    icaroot, home = _client(
        tmp_path,
        machine=f"[WFClient]\nProxyType=Secure\nProxyHost=p:3128\nProxyUsername=bob\nProxyPassword={SECRET}\n",
    )
    options = make_options(icaroot=str(icaroot), user_home=str(home), proxy="socks5://other:1080")
    proxy = options.settings.proxy
    assert proxy is not None
    assert (proxy.kind, proxy.host, proxy.username, proxy.password) == ("socks5", "other", None, None)
    assert make_options(icaroot=str(icaroot), user_home=str(home), proxy="direct").settings.proxy is None


def test_explicit_credentials_apply_to_the_configured_proxy(tmp_path: Path) -> None:
    icaroot, home = _client(tmp_path, machine="[WFClient]\nProxyType=Secure\nProxyHost=p:3128\n")
    options = make_options(
        icaroot=str(icaroot),
        user_home=str(home),
        proxy_username="carol",
        proxy_password=SECRET,
        proxy_auth="basic",
    )
    proxy = options.settings.proxy
    assert proxy is not None
    assert (proxy.host, proxy.username, proxy.password, proxy.auth) == ("p", "carol", SECRET, "basic")


@pytest.mark.parametrize(
    ("kwargs", "cause"),
    [
        ({"icaroot": "/nonexistent/icaroot"}, "ICAROOT /nonexistent/icaroot does not exist"),
        ({"icaroot": "/tmp", "keystore": "/tmp"}, "not both"),
        ({"keystore": "/tmp", "timeout": 0}, "positive"),
        ({"keystore": "/tmp", "concurrency": 0}, "between 1 and"),
        ({"keystore": "/tmp", "min_tls": "1.4"}, "not a TLS version"),
    ],
)
def test_make_options_refuses_bad_input(kwargs: dict, cause: str) -> None:
    with pytest.raises(IcaClientError, match=cause):
        make_options(**kwargs)
