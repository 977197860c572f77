"""Session fixtures for the prober's tests: real peers on loopback, started and stopped here.

Registered from tests/conftest.py (``pytest_plugins``). Every peer listens on an
ephemeral port of 127.0.0.1. A peer whose binary is missing FAILS the tests that
need it, naming the Debian package (no skip: CI must install them).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from integration.peers import (
    BASIC_PASSWORD,
    BASIC_USER,
    SOCKS_PASSWORD,
    SOCKS_USER,
    Daemon,
    Dante,
    DripServer,
    EchoServer,
    GarbageServer,
    Microsocks,
    MissingPeer,
    SilentServer,
    Squid,
    Stunnel,
    TestPki,
    TlsServer,
)

#: Trust scenarios served at TLS 1.2-1.3 (see TestPki).
TRUST_SCENARIOS = (
    "trusted",
    "leaf_only",
    "untrusted",
    "untrusted_with_root",
    "expired",
    "expiring",
    "wrong_host",
    "self_signed",
    "big_key",
    "orphan",
    "unlinked",
    "bad_signature",
    "huge_chain",
)
#: Servers pinned to versions: name -> (low, high), all with the trusted chain.
VERSION_SERVERS = {
    "v1.0": ("1.0", "1.0"),
    "v1.1": ("1.1", "1.1"),
    "v1.2": ("1.2", "1.2"),
    "v1.3": ("1.3", "1.3"),
    "v1.0-1.1": ("1.0", "1.1"),
    "v1.2-1.3": ("1.2", "1.3"),
}


def _start(daemon: Daemon) -> Daemon:
    try:
        return daemon.start()
    except MissingPeer as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def probe_pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    try:
        return TestPki(tmp_path_factory.mktemp("probe-pki"))
    except MissingPeer as exc:  # openssl (rehash) missing
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def probe_servers(probe_pki: TestPki) -> Iterator[dict[str, object]]:
    """name -> running server: the trust scenarios, the version-pinned servers and the hostile ones."""
    servers: dict[str, object] = {}
    try:
        for name in TRUST_SCENARIOS:
            servers[name] = TlsServer(probe_pki.servers[name]).start()
        for name, (low, high) in VERSION_SERVERS.items():
            servers[name] = TlsServer(probe_pki.servers["trusted"], low=low, high=high).start()
        servers["silent"] = SilentServer().start()
        servers["drip"] = DripServer().start()
        servers["garbage"] = GarbageServer().start()
        yield servers
    finally:
        for server in servers.values():
            server.stop()  # type: ignore[attr-defined]


@pytest.fixture(scope="session")
def probe_keystore(probe_pki: TestPki) -> Path:
    """The test keystore: cacerts (ICA Test Root, plus one root copied but not rehashed) and intcerts."""
    return probe_pki.keystore


@pytest.fixture(scope="session")
def squid_open(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Squid]:
    squid = _start(Squid(tmp_path_factory.mktemp("squid-open"), auth="none"))
    yield squid
    squid.stop()


@pytest.fixture(scope="session")
def squid_basic(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Squid]:
    squid = _start(
        Squid(tmp_path_factory.mktemp("squid-basic"), auth="basic", users={BASIC_USER: BASIC_PASSWORD})
    )
    yield squid
    squid.stop()


@pytest.fixture(scope="session")
def squid_ntlm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Squid]:
    squid = _start(Squid(tmp_path_factory.mktemp("squid-ntlm"), auth="ntlm"))
    yield squid
    squid.stop()


@pytest.fixture(scope="session")
def dante(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dante]:
    daemon = _start(Dante(tmp_path_factory.mktemp("dante")))
    yield daemon
    daemon.stop()


@pytest.fixture(scope="session")
def microsocks(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Microsocks]:
    daemon = _start(
        Microsocks(tmp_path_factory.mktemp("microsocks"), user=SOCKS_USER, password=SOCKS_PASSWORD)
    )
    yield daemon
    daemon.stop()


@pytest.fixture(scope="session")
def ssl_relay(tmp_path_factory: pytest.TempPathFactory, probe_pki: TestPki) -> Iterator[Stunnel]:
    """stunnel as an SSL Relay (TLS 1.2 only) in front of a plain TCP echo service."""
    backend = EchoServer().start()
    relay = _start(
        Stunnel(tmp_path_factory.mktemp("stunnel"), cert=probe_pki.servers["trusted"], backend=backend.port)
    )
    yield relay
    relay.stop()
    backend.stop()
