"""The prober's paths through real proxies: squid (HTTP CONNECT: none, Basic, NTLM), dante
(SOCKS4/5 without auth) and microsocks (SOCKS5 with username/password).

Each passing case is confirmed by the proxy's own log showing the tunnel to the target.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from integration.peers import (
    BASIC_PASSWORD,
    BASIC_USER,
    LOOPBACK,
    NTLM_PASSWORD,
    NTLM_USER,
    SOCKS_PASSWORD,
    SOCKS_USER,
    free_port,
)

from ansible_collections.icaclient.linux.plugins.module_utils._probe import (
    ProbeResult,
    make_options,
    parse_target,
    probe_all,
)

TIMEOUT = 2.0


def probe(target: str, keystore: Path, proxy: str, **kw) -> ProbeResult:
    options = make_options(keystore=str(keystore), proxy=proxy, timeout=kw.pop("timeout", TIMEOUT), **kw)
    return probe_all([parse_target(target)], options=options)[0]


def assert_no_secret(result: ProbeResult, *secrets: str) -> None:
    text = repr(result.as_dict())
    for secret in secrets:
        assert secret not in text


def wait_for(read, pattern: str) -> str:
    """Proxies write their logs asynchronously: wait a little for the line."""
    deadline = time.monotonic() + 5
    while True:
        text = read()
        if re.search(pattern, text) or time.monotonic() > deadline:
            return text
        time.sleep(0.05)


def test_http_connect_without_auth(squid_open, probe_servers: dict, probe_keystore: Path) -> None:
    port = probe_servers["trusted"].port
    result = probe(f"localhost:{port}", probe_keystore, f"http://{LOOPBACK}:{squid_open.port}")
    assert result.ok, result.message
    assert result.tls_versions_accepted == ["1.2", "1.3"]
    assert "through the HTTP CONNECT proxy" in result.message
    log = wait_for(squid_open.access_log, rf"TCP_TUNNEL/200 .* CONNECT localhost:{port} ")
    assert re.search(rf"TCP_TUNNEL/200 .* CONNECT localhost:{port} ", log), log


def test_http_connect_with_basic_auth(squid_basic, probe_servers: dict, probe_keystore: Path) -> None:
    port = probe_servers["v1.2"].port
    result = probe(
        f"localhost:{port}",
        probe_keystore,
        f"http://{LOOPBACK}:{squid_basic.port}",
        proxy_username=BASIC_USER,
        proxy_password=BASIC_PASSWORD,
        proxy_auth="basic",
    )
    assert result.ok, result.message
    assert result.tls_versions_accepted == ["1.2"]
    assert_no_secret(result, BASIC_PASSWORD)
    log = wait_for(squid_basic.access_log, rf"CONNECT localhost:{port} {BASIC_USER} ")
    assert re.search(rf"TCP_TUNNEL/200 .* CONNECT localhost:{port} {BASIC_USER} ", log), log


def test_auto_auth_answers_a_basic_only_proxy_with_basic(
    squid_basic, probe_servers: dict, probe_keystore: Path
) -> None:
    port = probe_servers["v1.1"].port
    result = probe(
        f"localhost:{port}",
        probe_keystore,
        f"http://{LOOPBACK}:{squid_basic.port}",
        proxy_username=BASIC_USER,
        proxy_password=BASIC_PASSWORD,
    )
    assert result.ok, result.message
    log = wait_for(squid_basic.access_log, rf"CONNECT localhost:{port} {BASIC_USER} ")
    assert re.search(rf"TCP_TUNNEL/200 .* CONNECT localhost:{port} {BASIC_USER} ", log), log


def test_wrong_basic_password_is_a_proxy_auth_failure(
    squid_basic, probe_servers: dict, probe_keystore: Path
) -> None:
    wrong = "Wrong-pw-0e0e"
    result = probe(
        f"localhost:{probe_servers['trusted'].port}",
        probe_keystore,
        f"http://{LOOPBACK}:{squid_basic.port}",
        proxy_username=BASIC_USER,
        proxy_password=wrong,
        proxy_auth="basic",
    )
    assert (result.ok, result.client_error) == (False, "proxy_auth")
    assert f"rejected the Basic credentials of user {BASIC_USER}" in result.message
    assert_no_secret(result, wrong)


def test_an_authenticating_proxy_without_credentials(
    squid_basic, probe_servers: dict, probe_keystore: Path
) -> None:
    result = probe(
        f"localhost:{probe_servers['trusted'].port}", probe_keystore, f"http://{LOOPBACK}:{squid_basic.port}"
    )
    assert (result.ok, result.client_error) == (False, "proxy_auth")
    assert "requires authentication (Basic) and no proxy credentials were given" in result.message


@pytest.mark.parametrize("proxy_auth", ["ntlm", "auto"])
def test_http_connect_with_ntlm(
    squid_ntlm, probe_servers: dict, probe_keystore: Path, proxy_auth: str
) -> None:
    port = probe_servers["v1.0"].port
    result = probe(
        f"localhost:{port}",
        probe_keystore,
        f"http://{LOOPBACK}:{squid_ntlm.port}",
        proxy_username=NTLM_USER,
        proxy_password=NTLM_PASSWORD,
        proxy_auth=proxy_auth,
    )
    assert result.ok, result.message
    assert result.tls_versions_accepted == ["1.0"]
    assert_no_secret(result, NTLM_PASSWORD)
    # The user squid logs comes from the NTLM type 3 message, so only a complete NTLM exchange puts
    # one there. ntlm_fake_auth reads the domain and user as 8-bit strings while NTLM sends them in
    # UTF-16LE, so it stops at the first NUL byte: CORP\ntlmuser is logged as C\n (escaped C\\n).
    expected = rf"TCP_TUNNEL/200 .* CONNECT localhost:{port} C\\\\n "
    log = wait_for(squid_ntlm.access_log, expected)
    assert re.search(expected, log), log


def test_a_target_the_http_proxy_cannot_reach(squid_open, probe_keystore: Path) -> None:
    result = probe(f"{LOOPBACK}:{free_port()}", probe_keystore, f"http://{LOOPBACK}:{squid_open.port}")
    assert (result.ok, result.client_error) == (False, "connect")
    assert "answered 503" in result.message


@pytest.mark.parametrize("version", ["socks4", "socks5"])
def test_socks_without_auth(dante, probe_servers: dict, probe_keystore: Path, version: str) -> None:
    port = probe_servers["v1.2-1.3"].port
    result = probe(f"localhost:{port}", probe_keystore, f"{version}://{LOOPBACK}:{dante.port}", max_tls="1.3")
    assert result.ok, result.message
    assert result.tls_versions_accepted == ["1.2", "1.3"]
    assert f"through the {version.upper()} proxy" in result.message
    assert result.path == f"{version}://{LOOPBACK}:{dante.port}"
    log = wait_for(dante.log, rf"pass\(\d+\): tcp/connect \[: .* -> .*{LOOPBACK}\.{port}")
    assert re.search(rf"pass\(\d+\): tcp/connect \[: .* -> .*{LOOPBACK}\.{port}", log), log


def test_socks_rules_and_refusals(dante, probe_keystore: Path) -> None:
    blocked = probe(f"{LOOPBACK}:1", probe_keystore, f"socks5://{LOOPBACK}:{dante.port}")
    assert (blocked.client_error, "not allowed by its rules" in blocked.message) == ("proxy", True)
    refused = probe(f"{LOOPBACK}:{free_port()}", probe_keystore, f"socks5://{LOOPBACK}:{dante.port}")
    assert refused.client_error == "connect"
    rejected4 = probe(f"{LOOPBACK}:1", probe_keystore, f"socks4://{LOOPBACK}:{dante.port}")
    assert rejected4.client_error == "proxy"


def test_socks5_with_username_and_password(microsocks, probe_servers: dict, probe_keystore: Path) -> None:
    port = probe_servers["trusted"].port
    result = probe(
        f"localhost:{port}",
        probe_keystore,
        f"socks5://{LOOPBACK}:{microsocks.port}",
        proxy_username=SOCKS_USER,
        proxy_password=SOCKS_PASSWORD,
    )
    assert result.ok, result.message
    assert_no_secret(result, SOCKS_PASSWORD)
    log = wait_for(microsocks.log, rf"connected to localhost:{port}")
    assert f"connected to localhost:{port}" in log


@pytest.mark.parametrize(
    ("user", "password", "words"),
    [
        (None, None, "requires authentication and no proxy credentials were given"),
        (SOCKS_USER, "Wrong-pw-51aa", "rejected the username and password"),
    ],
)
def test_socks5_auth_failures(microsocks, probe_keystore: Path, user, password, words: str) -> None:
    result = probe(
        f"{LOOPBACK}:443",
        probe_keystore,
        f"socks5://{LOOPBACK}:{microsocks.port}",
        proxy_username=user,
        proxy_password=password,
    )
    assert (result.ok, result.client_error) == (False, "proxy_auth")
    assert words in result.message
    if password:
        assert_no_secret(result, password)


def test_trust_verdicts_survive_the_tunnel(
    squid_open, dante, probe_servers: dict, probe_keystore: Path
) -> None:
    for proxy in (f"http://{LOOPBACK}:{squid_open.port}", f"socks5://{LOOPBACK}:{dante.port}"):
        result = probe(f"localhost:{probe_servers['untrusted'].port}", probe_keystore, proxy)
        assert result.client_error == 61, result.message


@pytest.mark.parametrize("scheme", ["http", "socks5", "socks4"])
def test_hostile_proxies_end_within_the_timeout(
    probe_servers: dict, probe_keystore: Path, scheme: str
) -> None:
    for server, expected in (("silent", "timeout"), ("garbage", "proxy")):
        started = time.monotonic()
        result = probe(
            f"{LOOPBACK}:443", probe_keystore, f"{scheme}://{LOOPBACK}:{probe_servers[server].port}"
        )
        assert result.client_error == expected, result.message
        assert time.monotonic() - started < 2 * TIMEOUT + 1.5


def test_a_proxy_that_is_not_there(probe_keystore: Path) -> None:
    port = free_port()
    result = probe(f"{LOOPBACK}:443", probe_keystore, f"http://{LOOPBACK}:{port}")
    assert result.client_error == "connect"
    assert f"cannot connect to HTTP CONNECT proxy {LOOPBACK}:{port}" in result.message


def test_the_clients_bypass_list_goes_direct(
    probe_servers: dict, probe_keystore: Path, tmp_path: Path
) -> None:
    icaroot = tmp_path / "icaroot"
    (icaroot / "config").mkdir(parents=True)
    (icaroot / "keystore").symlink_to(probe_keystore)
    dead = free_port()
    (icaroot / "config" / "wfclient.ini").write_text(
        f"[WFClient]\nProxyType=Secure\nProxyHost={LOOPBACK}:{dead}\nProxyBypassList=localhost;*.example.com\n"
    )
    options = make_options(icaroot=str(icaroot), user_home=str(tmp_path), timeout=TIMEOUT)
    port = probe_servers["trusted"].port
    bypassed, proxied = probe_all(
        [parse_target(f"localhost:{port}"), parse_target(f"{LOOPBACK}:{port}")], options=options
    )
    assert (bypassed.ok, bypassed.path) == (True, "direct (ProxyBypassList)"), bypassed.message
    assert (proxied.ok, proxied.client_error, proxied.path) == (False, "connect", f"http://{LOOPBACK}:{dead}")
    assert f"cannot connect to HTTP CONNECT proxy {LOOPBACK}:{dead}" in proxied.message
