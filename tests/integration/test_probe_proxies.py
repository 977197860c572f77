"""The prober's paths through real proxies: squid (HTTP CONNECT: none, Basic, NTLM), dante
(SOCKS4/5 without auth) and microsocks (SOCKS5 with username/password).

Each passing case is confirmed by the proxy's own log showing the tunnel to the target.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
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
    Squid,
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


def assert_no_password(result: ProbeResult, options: dict) -> None:
    """The proxy password the probe was given appears nowhere in its verdict."""
    if "proxy_password" in options:
        assert options["proxy_password"] not in repr(result.as_dict())


def wait_for(read, pattern: str) -> str:
    """Proxies write their logs asynchronously: wait a little for the line."""
    deadline = time.monotonic() + 5
    while True:
        text = read()
        if re.search(pattern, text) or time.monotonic() > deadline:
            return text
        time.sleep(0.05)


@dataclass(frozen=True)
class Proxy:
    """A running proxy: its URL (without credentials, as verdicts report it), how verdicts name
    it, and the log that shows its tunnels."""

    url: str
    name: str
    log: Callable[[], str]


@pytest.fixture
def proxy(request: pytest.FixtureRequest) -> Proxy:
    """The proxy a test names as ``(scheme, daemon fixture)`` by indirect parametrization; only
    that daemon's session fixture is started."""
    scheme, fixture = request.param
    daemon = request.getfixturevalue(fixture)
    kind = "HTTP CONNECT" if scheme == "http" else scheme.upper()
    log = daemon.access_log if isinstance(daemon, Squid) else daemon.log
    return Proxy(f"{scheme}://{LOOPBACK}:{daemon.port}", f"{kind} proxy {LOOPBACK}:{daemon.port}", log)


BASIC = {"proxy_username": BASIC_USER, "proxy_password": BASIC_PASSWORD}
NTLM = {"proxy_username": NTLM_USER, "proxy_password": NTLM_PASSWORD}
SOCKS = {"proxy_username": SOCKS_USER, "proxy_password": SOCKS_PASSWORD}
# The log lines that show a tunnel to the server's port ({port}).
SQUID_LOG = r"TCP_TUNNEL/200 .* CONNECT localhost:{port} "
DANTE_LOG = rf"pass\(\d+\): tcp/connect \[: .* -> .*{LOOPBACK}\.{{port}}"
# The user squid logs comes from the NTLM type 3 message, so only a complete NTLM exchange puts
# one there. ntlm_fake_auth reads the domain and user as 8-bit strings while NTLM sends them in
# UTF-16LE, so it stops at the first NUL byte: CORP\ntlmuser is logged as C\n (escaped C\\n).
SQUID_NTLM_LOG = SQUID_LOG + r"C\\\\n "
# id: (proxy, the server behind it, the TLS versions the probe must find, probe options, log line)
TUNNELS = {
    "http": (("http", "squid_open"), "trusted", ["1.2", "1.3"], {}, SQUID_LOG),
    "http-basic": (
        ("http", "squid_basic"),
        "v1.2",
        ["1.2"],
        {**BASIC, "proxy_auth": "basic"},
        SQUID_LOG + BASIC_USER + " ",
    ),
    # auto answers a Basic-only proxy with Basic.
    "http-auto-basic": (("http", "squid_basic"), "v1.1", ["1.1"], BASIC, SQUID_LOG + BASIC_USER + " "),
    "http-ntlm": (("http", "squid_ntlm"), "v1.0", ["1.0"], {**NTLM, "proxy_auth": "ntlm"}, SQUID_NTLM_LOG),
    "http-auto-ntlm": (
        ("http", "squid_ntlm"),
        "v1.0",
        ["1.0"],
        {**NTLM, "proxy_auth": "auto"},
        SQUID_NTLM_LOG,
    ),
    "socks4": (("socks4", "dante"), "v1.2-1.3", ["1.2", "1.3"], {"max_tls": "1.3"}, DANTE_LOG),
    "socks5": (("socks5", "dante"), "v1.2-1.3", ["1.2", "1.3"], {"max_tls": "1.3"}, DANTE_LOG),
    "socks5-password": (
        ("socks5", "microsocks"),
        "trusted",
        ["1.2", "1.3"],
        SOCKS,
        r"connected to localhost:{port}",
    ),
}
# id: (proxy, probe options, what the verdict says)
REFUSALS = {
    "http-basic-wrong-password": (
        ("http", "squid_basic"),
        {**BASIC, "proxy_password": "Wrong-pw-0e0e", "proxy_auth": "basic"},
        f"rejected the Basic credentials of user {BASIC_USER}",
    ),
    "http-basic-no-credentials": (
        ("http", "squid_basic"),
        {},
        "requires authentication (Basic) and no proxy credentials were given",
    ),
    "socks5-no-credentials": (
        ("socks5", "microsocks"),
        {},
        "requires authentication and no proxy credentials were given",
    ),
    "socks5-wrong-password": (
        ("socks5", "microsocks"),
        {**SOCKS, "proxy_password": "Wrong-pw-51aa"},
        "rejected the username and password",
    ),
}


@pytest.mark.parametrize(
    ("proxy", "server", "versions", "options", "logged"),
    list(TUNNELS.values()),
    ids=list(TUNNELS),
    indirect=["proxy"],
)
def test_the_probe_goes_through_the_proxy_and_its_log_shows_the_tunnel(
    proxy: Proxy,
    probe_servers: dict,
    probe_keystore: Path,
    server: str,
    versions: list,
    options: dict,
    logged: str,
) -> None:
    port = probe_servers[server].port
    result = probe(f"localhost:{port}", probe_keystore, proxy.url, **options)
    assert result.ok, result.message
    assert result.tls_versions_accepted == versions
    assert (result.path, f"through the {proxy.name}" in result.message) == (proxy.url, True), result.message
    assert_no_password(result, options)
    pattern = logged.format(port=port)
    log = wait_for(proxy.log, pattern)
    assert re.search(pattern, log), log


@pytest.mark.parametrize(
    ("proxy", "options", "words"), list(REFUSALS.values()), ids=list(REFUSALS), indirect=["proxy"]
)
def test_credentials_the_proxy_refuses_are_a_proxy_auth_failure(
    proxy: Proxy, probe_servers: dict, probe_keystore: Path, options: dict, words: str
) -> None:
    result = probe(f"localhost:{probe_servers['trusted'].port}", probe_keystore, proxy.url, **options)
    assert (result.ok, result.client_error) == (False, "proxy_auth")
    assert words in result.message
    assert_no_password(result, options)


def test_a_target_the_http_proxy_cannot_reach(squid_open, probe_keystore: Path) -> None:
    result = probe(f"{LOOPBACK}:{free_port()}", probe_keystore, f"http://{LOOPBACK}:{squid_open.port}")
    assert (result.ok, result.client_error) == (False, "connect")
    assert "answered 503" in result.message


def test_socks_rules_and_refusals(dante, probe_keystore: Path) -> None:
    blocked = probe(f"{LOOPBACK}:1", probe_keystore, f"socks5://{LOOPBACK}:{dante.port}")
    assert (blocked.client_error, "not allowed by its rules" in blocked.message) == ("proxy", True)
    refused = probe(f"{LOOPBACK}:{free_port()}", probe_keystore, f"socks5://{LOOPBACK}:{dante.port}")
    assert refused.client_error == "connect"
    rejected4 = probe(f"{LOOPBACK}:1", probe_keystore, f"socks4://{LOOPBACK}:{dante.port}")
    assert rejected4.client_error == "proxy"


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
