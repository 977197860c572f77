"""The prober's engine against real TLS servers on loopback: versions, trust, hostile peers.

Every server is a real TLS endpoint (Python ssl in threads, stunnel for the SSL
Relay) with certificates from a test CA; the keystore is laid out like
``$ICAROOT/keystore`` and linked by the system's ``openssl rehash``.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from integration.peers import LOOPBACK, TestPki, free_port

from ansible_collections.icaclient.linux.plugins.module_utils._probe import (
    ProbeResult,
    iter_probes,
    make_options,
    parse_target,
    probe_all,
)

TIMEOUT = 2.0


def probe(
    targets: list[str],
    keystore: Path,
    *,
    min_tls: str = "1.0",
    max_tls: str = "1.2",
    timeout: float = TIMEOUT,
    **kw,
) -> list[ProbeResult]:
    options = make_options(keystore=str(keystore), min_tls=min_tls, max_tls=max_tls, timeout=timeout, **kw)
    return probe_all([parse_target(text) for text in targets], options=options)


def one(target: str, keystore: Path, **kw) -> ProbeResult:
    return probe([target], keystore, **kw)[0]


@pytest.mark.parametrize(
    ("server", "accepted"),
    [
        ("v1.0", ["1.0"]),
        ("v1.1", ["1.1"]),
        ("v1.2", ["1.2"]),
        ("v1.3", ["1.3"]),
        ("v1.0-1.1", ["1.0", "1.1"]),
        ("v1.2-1.3", ["1.2", "1.3"]),
    ],
)
def test_each_version_is_tried_alone(
    probe_servers: dict, probe_keystore: Path, server: str, accepted: list
) -> None:
    result = one(f"localhost:{probe_servers[server].port}", probe_keystore, min_tls="1.0", max_tls="1.3")
    assert result.tls_versions_accepted == accepted
    assert sorted(result.tls_versions_refused + accepted) == ["1.0", "1.1", "1.2", "1.3"]
    assert result.ok, result.message
    assert result.tls_version == accepted[-1]


def test_only_tls10_is_below_the_window(probe_servers: dict, probe_keystore: Path) -> None:
    result = one(f"localhost:{probe_servers['v1.0'].port}", probe_keystore, min_tls="1.2", max_tls="1.3")
    assert (result.ok, result.client_error) == (False, 47)
    assert "offers only TLS 1.0, below MinimumTLS=1.2" in result.message
    assert result.tls_versions_accepted == ["1.0"]


def test_only_tls13_is_above_the_clients_default_window(probe_servers: dict, probe_keystore: Path) -> None:
    result = one(f"localhost:{probe_servers['v1.3'].port}", probe_keystore)
    assert (result.ok, result.client_error, result.tls_window) == (False, 47, ["1.0", "1.2"])
    assert "only TLS 1.3, above MaximumTLS=1.2" in result.message


def test_the_client_would_negotiate_the_highest_version_in_its_window(
    probe_servers: dict, probe_keystore: Path
) -> None:
    result = one(f"localhost:{probe_servers['v1.2-1.3'].port}", probe_keystore, min_tls="1.0", max_tls="1.2")
    assert result.ok
    assert (result.tls_versions_accepted, result.tls_version) == (["1.2", "1.3"], "1.2")


@pytest.mark.parametrize(
    ("scenario", "client_error", "words"),
    [
        ("trusted", None, "chain trusted by the keystore"),
        ("leaf_only", None, "chain trusted"),
        ("untrusted", 61, "does not trust CN=Untrusted Test Root,O=icaprobe tests, the issuer of"),
        ("untrusted_with_root", 63, "sends the root CN=Untrusted Test Root"),
        ("expired", 70, "expired on"),
        ("wrong_host", 59, "does not name localhost"),
        ("self_signed", 60, "is self-signed"),
        ("big_key", 79, "8192-bit RSA key, above the client's 4096-bit limit"),
        ("orphan", 62, "add the root CN=Orphan Test Root"),
        ("unlinked", 61, "unlinked-root.pem but OpenSSL, like the client, cannot find it"),
        ("bad_signature", 64, "does not verify"),
        ("huge_chain", 47, "larger than OpenSSL"),
    ],
)
def test_trust_verdicts_name_the_clients_error_and_the_fix(
    probe_servers: dict, probe_keystore: Path, scenario: str, client_error: object, words: str
) -> None:
    result = one(f"localhost:{probe_servers[scenario].port}", probe_keystore)
    assert result.client_error == client_error, result.message
    assert result.ok is (client_error is None)
    assert words in result.message
    if scenario != "huge_chain":
        assert result.tls_versions_accepted == ["1.2", "1.3"]


def test_a_missing_intermediate_fails_without_intcerts(probe_servers: dict, probe_pki: TestPki) -> None:
    result = one(f"localhost:{probe_servers['leaf_only'].port}", probe_pki.keystore_no_int)
    assert result.client_error == 61
    assert "and the server sends no intermediate" in result.message
    assert f"{probe_pki.keystore_no_int}/intcerts" in result.message


def test_the_system_store_is_not_used(probe_servers: dict, tmp_path: Path) -> None:
    empty = tmp_path / "keystore"
    (empty / "cacerts").mkdir(parents=True)
    result = one(f"localhost:{probe_servers['trusted'].port}", empty)
    assert result.client_error == 61


def test_certificate_facts_are_reported(probe_servers: dict, probe_keystore: Path) -> None:
    result = one(f"localhost:{probe_servers['trusted'].port}", probe_keystore)
    assert (result.key_type, result.key_bits, result.trusted) == ("RSA", 2048, True)
    assert result.days_left in (364, 365)
    assert result.subject == "CN=localhost,O=icaprobe tests"
    assert result.issuer == "CN=ICA Test Intermediate,O=icaprobe tests"
    big = one(f"localhost:{probe_servers['big_key'].port}", probe_keystore)
    assert (big.key_bits, big.trusted) == (8192, True)


def test_a_certificate_close_to_expiry_passes_with_a_warning(
    probe_servers: dict, probe_keystore: Path
) -> None:
    result = one(f"localhost:{probe_servers['expiring'].port}", probe_keystore)
    assert result.ok
    assert result.days_left == 10
    assert "expires in 10 days" in " ".join(result.warnings)


@pytest.mark.parametrize(
    ("server", "client_error", "words"),
    [
        ("silent", "timeout", "completed no TLS handshake within 2 s"),
        ("drip", "timeout", "completed no TLS handshake within 2 s"),
        ("garbage", 47, "does not answer with TLS"),
    ],
)
def test_hostile_servers_end_within_the_timeout(
    probe_servers: dict, probe_keystore: Path, server: str, client_error: object, words: str
) -> None:
    started = time.monotonic()
    result = one(f"{LOOPBACK}:{probe_servers[server].port}", probe_keystore)
    elapsed = time.monotonic() - started
    assert (result.ok, result.client_error) == (False, client_error)
    assert words in result.message
    assert elapsed < TIMEOUT + 1.5


def test_a_closed_port_is_a_connect_failure(probe_keystore: Path) -> None:
    result = one(f"{LOOPBACK}:{free_port()}", probe_keystore)
    assert (result.ok, result.client_error) == (False, "connect")
    assert "connection refused" in result.message


def test_an_unroutable_address_ends_within_the_connect_timeout(probe_keystore: Path) -> None:
    started = time.monotonic()
    result = one("192.0.2.1:443", probe_keystore, timeout=1.0)
    assert not result.ok
    assert result.client_error in ("timeout", "connect")
    assert time.monotonic() - started < 2.5


def test_ica_and_cgp_targets_are_tcp_reachability_only(probe_servers: dict, probe_keystore: Path) -> None:
    port = probe_servers["garbage"].port  # not TLS: a TCP-only probe must not care
    reachable, closed = probe([f"ica://{LOOPBACK}:{port}", f"cgp://{LOOPBACK}:{free_port()}"], probe_keystore)
    assert reachable.ok and reachable.tls_versions_accepted == []
    assert "ICA port" in reachable.message
    assert (closed.ok, closed.client_error) == (False, "connect")


def test_stunnel_ssl_relay_on_a_non_standard_port(ssl_relay, probe_keystore: Path) -> None:
    result = one(f"localhost:{ssl_relay.port}", probe_keystore, min_tls="1.2", max_tls="1.3")
    assert result.ok, result.message
    assert result.kind == "relay"
    assert result.tls_versions_accepted == ["1.2"]
    assert "accepted connection from" in ssl_relay.log() or "accepted" in ssl_relay.log()


def test_the_verdict_agrees_with_openssl_verify(
    probe_servers: dict, probe_keystore: Path, probe_pki: TestPki, tmp_path: Path
) -> None:
    """Independent check: the system openssl, with cacerts as -CApath and intcerts plus what the
    server sends as untrusted certificates, agrees with the probe."""
    for scenario, expected_ok in (
        ("trusted", True),
        ("leaf_only", True),
        ("untrusted", False),
        ("orphan", False),
        ("unlinked", False),
    ):
        chain = Path(probe_pki.servers[scenario].chain)
        untrusted = tmp_path / f"{scenario}-untrusted.pem"
        untrusted.write_bytes(
            chain.read_bytes()
            + b"".join(path.read_bytes() for path in sorted((probe_keystore / "intcerts").glob("*.pem")))
        )
        verify = subprocess.run(
            [
                "openssl",
                "verify",
                "-CApath",
                str(probe_keystore / "cacerts"),
                "-untrusted",
                str(untrusted),
                str(chain),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        result = one(f"localhost:{probe_servers[scenario].port}", probe_keystore)
        assert result.ok is expected_ok, result.message
        assert (verify.returncode == 0) is expected_ok, verify.stdout + verify.stderr


def test_many_targets_stream_through_a_bounded_window(probe_servers: dict, probe_keystore: Path) -> None:
    port = probe_servers["trusted"].port
    closed = free_port()
    pulled = 0

    def targets() -> Iterator:
        nonlocal pulled
        for number in range(300):
            pulled += 1
            yield parse_target(f"localhost:{port}" if number % 3 == 0 else f"{LOOPBACK}:{closed}")

    options = make_options(keystore=str(probe_keystore), timeout=TIMEOUT, concurrency=8)
    seen = []
    pulled_at_first = None
    for result in iter_probes(targets(), options=options):
        if pulled_at_first is None:
            pulled_at_first = pulled
        seen.append(result)
    assert pulled_at_first is not None and pulled_at_first <= 2 * 8 + 1
    assert sorted(result.index for result in seen) == list(range(300))
    assert sum(result.ok for result in seen) == 100
    assert {result.client_error for result in seen if not result.ok} == {"connect"}
