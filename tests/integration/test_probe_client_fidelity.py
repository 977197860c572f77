"""The prober predicts what today's clients do: their version, the system store, the whole error table.

Every case is a real TLS server (``openssl s_server`` with the certificate the case
needs) probed through the engine, the CLI or the module; the system store is a
folder of our own making, hashed by the system's ``openssl rehash``.
"""

from __future__ import annotations

import datetime
import json
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ansible_run import run_module, run_tasks
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier
from integration.peers import (
    LOOPBACK,
    MissingPeer,
    ServerCert,
    SServer,
    TestPki,
    ThreadServer,
    require_binary,
)
from pki_build import Issued, cached_key, issue, key_pem

from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError
from ansible_collections.icaclient.linux.plugins.module_utils._probe import (
    ProbeResult,
    make_options,
    parse_target,
    probe_all,
)

REPO = Path(__file__).resolve().parents[2]
TIMEOUT = 3.0
NOW = datetime.datetime.now(datetime.timezone.utc)
HOSTILE_CN = "gw\x1b]0;pwned\x07\x1b[31mred\x9b2J"


class ClosingServer(ThreadServer):
    """Accepts TCP and resets the connection at once: no TLS answer at all."""

    def handle(self, conn: socket.socket) -> None:
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")


def _leaf(
    pki: TestPki,
    *,
    issuer: Issued,
    cn: str = "localhost",
    eku: Any = (ExtendedKeyUsageOID.SERVER_AUTH,),
    key_usage: str = "tls",
    critical_unknown: bool = False,
    not_before: datetime.datetime | None = None,
    key_kind: str = "rsa2048",
) -> x509.Certificate:
    key = cached_key(key_kind, "leaf")
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
        .issuer_name(issuer.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or NOW - datetime.timedelta(days=1))
        .not_valid_after(NOW + datetime.timedelta(days=300))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
    )
    if eku:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(eku)), critical=False)
    signing_only = key_usage == "sign"
    builder = builder.add_extension(
        x509.KeyUsage(
            digital_signature=not signing_only,
            content_commitment=False,
            key_encipherment=not signing_only and key_kind.startswith("rsa"),
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=signing_only,
            crl_sign=signing_only,
            encipher_only=False,
            decipher_only=False,
        ),
        critical=True,
    )
    if critical_unknown:
        # A private OID marked critical, as some TLS-inspecting proxy CAs add.
        builder = builder.add_extension(
            x509.UnrecognizedExtension(ObjectIdentifier("1.3.6.1.4.1.55555.1"), b"\x05\x00"), critical=True
        )
    return builder.sign(issuer.key, hashes.SHA256())


class Fidelity:
    """The servers of this file and the system store of our own making."""

    def __init__(self, directory: Path, pki: TestPki) -> None:
        self.dir = directory
        self.pki = pki
        self.public_root = issue(
            "Public Test Root", key=cached_key("rsa2048", "public"), organization="public"
        )
        self.system_store = directory / "system-certs"
        self.system_store.mkdir()
        (self.system_store / "public-root.pem").write_bytes(self.public_root.pem)
        subprocess.run(
            [require_binary("openssl"), "rehash", str(self.system_store)], check=True, capture_output=True
        )
        self.servers: dict[str, Any] = {}
        inter = pki.intermediate
        cases = {
            "public": (_leaf(pki, issuer=self.public_root), []),
            "keystore": (_leaf(pki, issuer=inter), [inter]),
            "not_yet_valid": (_leaf(pki, issuer=inter, not_before=NOW + datetime.timedelta(days=2)), [inter]),
            "client_auth_only": (_leaf(pki, issuer=inter, eku=(ExtendedKeyUsageOID.CLIENT_AUTH,)), [inter]),
            "signing_key_usage": (_leaf(pki, issuer=inter, key_usage="sign"), [inter]),
            "critical_extension": (_leaf(pki, issuer=inter, critical_unknown=True), [inter]),
            "hostile_subject": (_leaf(pki, issuer=inter, cn=HOSTILE_CN), [inter]),
        }
        for name, (leaf, chain) in cases.items():
            self.servers[name] = self._serve(name, leaf, chain)
        # Cipher cases: TLS 1.2 only, so the suites alone decide.
        rsa = _leaf(pki, issuer=inter)
        for name, suites in {
            "static_rsa_only": "AES128-SHA:AES256-GCM-SHA384",
            "com_suite_only": "ECDHE-RSA-AES128-SHA",
            "unconfirmed_rsa_gcm": "ECDHE-RSA-AES128-GCM-SHA256",
        }.items():
            self.servers[name] = self._serve(name, rsa, [inter], options=("-cipher", suites, "-no_tls1_3"))
        ec_leaf = _leaf(pki, issuer=inter, key_kind="ec")
        self.servers["ec_key"] = self._serve(
            "ec_key", ec_leaf, [inter], key_kind="ec", options=("-no_tls1_3",)
        )
        self.servers["closing"] = ClosingServer().start()

    def _serve(
        self,
        name: str,
        leaf: x509.Certificate,
        chain: list[Issued],
        *,
        key_kind: str = "rsa2048",
        options: tuple[str, ...] = (),
    ) -> SServer:
        pem = leaf.public_bytes(serialization.Encoding.PEM) + b"".join(issued.pem for issued in chain)
        cert_path = self.dir / f"{name}.pem"
        cert_path.write_bytes(pem)
        key_path = self.dir / f"{name}.key"
        key_path.write_bytes(key_pem(cached_key(key_kind, "leaf")))
        key_path.chmod(0o600)
        try:
            return SServer(
                self.dir / f"s_server-{name}", cert=ServerCert(str(cert_path), str(key_path)), options=options
            ).start()
        except MissingPeer as exc:
            pytest.fail(str(exc), pytrace=False)

    def target(self, name: str) -> str:
        return f"localhost:{self.servers[name].port}"

    def stop(self) -> None:
        for server in self.servers.values():
            server.stop()


@pytest.fixture(scope="module")
def fidelity(tmp_path_factory: pytest.TempPathFactory, probe_pki: TestPki) -> Iterator[Fidelity]:
    servers = Fidelity(tmp_path_factory.mktemp("fidelity"), probe_pki)
    yield servers
    servers.stop()


def _icaroot(tmp_path: Path, keystore: Path, version: str | None) -> Path:
    """An ICAROOT with the test keystore and, when ``version`` is given, pkginf/Ver.core.linuxx64."""
    icaroot = tmp_path / "icaroot"
    shutil.copytree(keystore, icaroot / "keystore", symlinks=True)
    (icaroot / "config").mkdir()
    if version is not None:
        (icaroot / "pkginf").mkdir()
        (icaroot / "pkginf" / "Ver.core.linuxx64").write_text(f"ID_VERSION={version}\n")
    return icaroot


def probe(target: str, **options: Any) -> ProbeResult:
    options.setdefault("timeout", TIMEOUT)
    options.setdefault("max_tls", "1.3")
    built = make_options(**options)
    return probe_all([parse_target(target)], options=built)[0]


# ---------------------------------------------------------------------------
# 2. Trust through the keystore and, from 2309, the system store


def test_a_public_chain_passes_on_2309_through_the_system_store_with_a_warning(
    fidelity: Fidelity, probe_keystore: Path
) -> None:
    result = probe(
        fidelity.target("public"),
        keystore=str(probe_keystore),
        client_version="23.9.0.24",
        system_store=str(fidelity.system_store),
    )
    assert (result.ok, result.trusted, result.trusted_by, result.client_version) == (
        True,
        True,
        "system_store",
        "23.9.0.24",
    )
    assert f"chain trusted by the system store {fidelity.system_store}" in result.message
    warning = next(text for text in result.warnings if "only through the system store" in text)
    assert "clients before 2309 fail it with SSL error 61" in warning
    assert "add the root CN=Public Test Root,O=public to" in warning


@pytest.mark.parametrize(
    ("version", "mode", "trusted_by", "error"),
    [
        ("22.12.0.12", "auto", None, 61),
        ("2309", "auto", "system_store", None),
        ("24.2.0.65", "no", None, 61),
        ("13.10.0.20", "yes", "system_store", None),
    ],
)
def test_the_version_and_trust_system_store_decide_which_stores_count(
    fidelity: Fidelity, probe_keystore: Path, version: str, mode: str, trusted_by: Any, error: Any
) -> None:
    result = probe(
        fidelity.target("public"),
        keystore=str(probe_keystore),
        client_version=version,
        trust_system_store=mode,
        system_store=str(fidelity.system_store),
    )
    assert (result.trusted_by, result.client_error) == (trusted_by, error), result.message


def test_an_older_client_fails_with_61_and_hears_that_2309_would_pass(
    fidelity: Fidelity, probe_keystore: Path
) -> None:
    result = probe(
        fidelity.target("public"),
        keystore=str(probe_keystore),
        client_version="22.12",
        system_store=str(fidelity.system_store),
    )
    assert result.client_error == 61
    assert "clients 2309 and later also trust the system store" in result.message
    assert "this client (22.12) does not" in result.message


def test_a_keystore_chain_is_trusted_by_the_keystore_whatever_the_version(
    fidelity: Fidelity, probe_keystore: Path
) -> None:
    result = probe(
        fidelity.target("keystore"),
        keystore=str(probe_keystore),
        client_version="2402",
        system_store=str(fidelity.system_store),
    )
    assert (result.ok, result.trusted_by) == (True, "keystore")
    assert "chain trusted by the keystore" in result.message
    assert not [text for text in result.warnings if "system store" in text]


def test_the_version_is_read_from_ver_core_in_the_icaroot(
    fidelity: Fidelity, probe_keystore: Path, tmp_path: Path
) -> None:
    icaroot = _icaroot(tmp_path, probe_keystore, "23.9.0.24")
    result = probe(
        fidelity.target("public"),
        icaroot=str(icaroot),
        user_home=str(tmp_path),
        system_store=str(fidelity.system_store),
    )
    assert (result.ok, result.trusted_by, result.client_version) == (True, "system_store", "23.9.0.24")
    older = probe(
        fidelity.target("public"),
        icaroot=str(icaroot),
        user_home=str(tmp_path),
        system_store=str(fidelity.system_store),
        client_version="1912",
    )
    assert (older.client_error, older.client_version) == (61, "1912")


def test_an_unknown_version_judges_by_the_keystore_and_says_so(
    fidelity: Fidelity, probe_keystore: Path, tmp_path: Path
) -> None:
    icaroot = _icaroot(tmp_path, probe_keystore, None)
    result = probe(
        fidelity.target("public"),
        icaroot=str(icaroot),
        user_home=str(tmp_path),
        system_store=str(fidelity.system_store),
    )
    assert (result.client_error, result.client_version) == (61, None)
    warning = next(text for text in result.warnings if "version is unknown" in text)
    assert f"no Ver.core.<platform> file in {icaroot}/pkginf" in warning
    assert "clients 2309 and later also trust the system store" in warning
    assert "whether this client does is unknown" in result.message


def test_cli_takes_client_version_trust_and_system_store(fidelity: Fidelity, probe_keystore: Path) -> None:
    base = [
        sys.executable,
        "-m",
        "icaprobe.cli",
        "--keystore",
        str(probe_keystore),
        "--system-store",
        str(fidelity.system_store),
        "--timeout",
        "3",
    ]
    run = subprocess.run(
        [*base, "--client-version", "2309", fidelity.target("public")], capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    row = next(line for line in run.stdout.splitlines() if line.startswith("localhost:"))
    assert row.split()[-2:] == ["system", "store"]
    assert "client 2309, trust: keystore + system store" in run.stdout
    refused = subprocess.run(
        [
            *base,
            "--client-version",
            "2309",
            "--trust-system-store",
            "no",
            "--json",
            fidelity.target("public"),
        ],
        capture_output=True,
        text=True,
    )
    document = json.loads(refused.stdout)
    assert (refused.returncode, document["results"][0]["client_error"]) == (1, 61)
    assert document["settings"]["trust_system_store"] is False
    bad = subprocess.run([*base, "--client-version", "latest", "localhost"], capture_output=True, text=True)
    assert bad.returncode == 2 and "client_version 'latest' is not a client version" in bad.stderr


def test_module_takes_client_version_trust_and_system_store(fidelity: Fidelity, probe_keystore: Path) -> None:
    result = run_module(
        "connection_probe",
        {
            "targets": [fidelity.target("public")],
            "keystore": str(probe_keystore),
            "client_version": "23.9.0.24",
            "trust_system_store": "auto",
            "system_store": str(fidelity.system_store),
            "timeout": TIMEOUT,
        },
    )
    verdict = result["results"][0]
    assert (verdict["ok"], verdict["trusted_by"], verdict["client_version"]) == (
        True,
        "system_store",
        "23.9.0.24",
    )
    assert result["settings"]["system_store"] == str(fidelity.system_store)
    missing = run_module(
        "connection_probe",
        {"targets": ["localhost:1"], "keystore": str(probe_keystore), "system_store": "/nonexistent/certs"},
        expect_failure=True,
    )
    assert "the system store /nonexistent/certs is not a folder" in missing["msg"]


# ---------------------------------------------------------------------------
# 4. The whole error table against servers built for each error


@pytest.mark.parametrize(
    ("server", "error", "words"),
    [
        ("not_yet_valid", 68, "is not valid yet (certificate is not yet valid): check this endpoint's clock"),
        ("client_auth_only", 81, "the extended key usage of CN=localhost does not allow TLS server"),
        ("signing_key_usage", 84, "the key usage of CN=localhost does not allow a TLS server"),
        ("critical_extension", 85, "carries a critical extension the client does not know"),
        ("closing", 4, "closes or resets it before any TLS answer"),
    ],
)
def test_each_client_error_is_detected_against_a_server_built_for_it(
    fidelity: Fidelity, probe_keystore: Path, server: str, error: int, words: str
) -> None:
    result = probe(fidelity.target(server), keystore=str(probe_keystore), trust_system_store="no")
    assert (result.ok, result.client_error) == (False, error), result.message
    assert words in result.message


# ---------------------------------------------------------------------------
# 6. Nothing a server sends reaches a terminal raw


def test_control_characters_from_a_server_are_escaped_everywhere(
    fidelity: Fidelity, probe_keystore: Path
) -> None:
    result = probe(fidelity.target("hostile_subject"), keystore=str(probe_keystore))
    assert result.subject is not None
    assert "\x1b" not in result.subject and "\x07" not in result.subject and "\x9b" not in result.subject
    assert result.subject.startswith("CN=gw\\x1b]0")
    assert "\\x9b2J" in result.subject
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "icaprobe.cli",
            "--keystore",
            str(probe_keystore),
            "--json",
            "--timeout",
            "3",
            fidelity.target("hostile_subject"),
        ],
        capture_output=True,
        text=True,
    )
    assert "\x1b" not in run.stdout and "\\u001b" not in run.stdout
    assert json.loads(run.stdout)["results"][0]["subject"].startswith("CN=gw\\x1b]0")
    module = run_module(
        "connection_probe", {"targets": [fidelity.target("hostile_subject")], "keystore": str(probe_keystore)}
    )
    assert module["results"][0]["subject"].startswith("CN=gw\\x1b]0")


def test_a_password_in_a_target_is_never_echoed(probe_keystore: Path, tmp_path: Path) -> None:
    target = f"https://alice:S3cretPw@{LOOPBACK}:9"
    run = subprocess.run(
        [sys.executable, "-m", "icaprobe.cli", "--keystore", str(probe_keystore), target],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2
    assert "S3cretPw" not in run.stdout + run.stderr
    assert "must not carry credentials" in run.stderr and "****@127.0.0.1:9" in run.stderr
    # Through a playbook, whose registered result carries the module's invocation (its arguments)
    # as Ansible and AWX store it; the play's screen output too.
    play = run_tasks(
        tmp_path,
        [
            {
                "icaclient.linux.connection_probe": {
                    "targets": ["{{ gateway }}"],
                    "keystore": str(probe_keystore),
                }
            }
        ],
        variables={"gateway": target},
        verbosity=3,
        expect_failures=(0,),
    )
    registered = json.loads((tmp_path / "results.json").read_text())["step_0"]
    assert "must not carry credentials" in registered["msg"]
    assert "S3cretPw" not in json.dumps(registered)
    assert "S3cretPw" not in play.stdout + play.stderr


@pytest.mark.parametrize("timeout", ["nan", "inf", "-inf", "1e309", "0", "-1"])
def test_a_timeout_that_is_no_duration_is_a_usage_error(probe_keystore: Path, timeout: str) -> None:
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "icaprobe.cli",
            "--keystore",
            str(probe_keystore),
            f"--timeout={timeout}",
            "localhost:1",
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 2, run.stdout + run.stderr
    assert "timeout must be a positive, finite number of seconds" in run.stderr
    module = run_module(
        "connection_probe",
        {"targets": ["localhost:1"], "keystore": str(probe_keystore), "timeout": float(timeout)},
        expect_failure=True,
    )
    assert "timeout must be a positive, finite number of seconds" in module["msg"]


def test_an_impossible_name_is_a_connect_failure_naming_the_cause(probe_keystore: Path) -> None:
    label = "a" * 64
    result = probe(f"https://{label}.example.com", keystore=str(probe_keystore))
    assert (result.ok, result.client_error) == (False, "connect")
    assert "is 64 characters long, above the DNS limit of 63" in result.message
    socks = probe(f"{label}.example.com:443", keystore=str(probe_keystore), proxy=f"socks5://{LOOPBACK}:9")
    assert (socks.client_error, "above the DNS limit of 63" in socks.message) == ("connect", True)


# ---------------------------------------------------------------------------
# 3. Cipher suites: what the client offers for its SSLCiphers


def _home(tmp_path: Path, ciphers: str) -> Path:
    (tmp_path / ".ICAClient").mkdir(exist_ok=True)
    (tmp_path / ".ICAClient" / "wfclient.ini").write_text(f"[WFClient]\r\nSSLCiphers={ciphers}\r\n")
    return tmp_path


def test_a_server_without_the_clients_ecdhe_suites_is_error_47_naming_what_to_enable(
    fidelity: Fidelity, probe_keystore: Path
) -> None:
    result = probe(fidelity.target("static_rsa_only"), keystore=str(probe_keystore), max_tls="1.2")
    assert (result.ok, result.client_error) == (False, 47)
    assert "accepts TLS 1.2 but no cipher suite the client offers with SSLCiphers=ALL" in result.message
    assert "enable at least one of TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 (0xc030)" in result.message
    assert "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA (0xc013) on the server" in result.message


def test_sslciphers_gov_does_not_offer_the_com_suite(
    fidelity: Fidelity, probe_keystore: Path, tmp_path: Path
) -> None:
    target = fidelity.target("com_suite_only")
    assert probe(target, keystore=str(probe_keystore), max_tls="1.2").ok
    gov = probe(target, keystore=str(probe_keystore), max_tls="1.2", user_home=str(_home(tmp_path, "GOV")))
    assert (gov.ok, gov.client_error) == (False, 47)
    assert "with SSLCiphers=GOV" in gov.message
    assert "0xc013" not in gov.message and "0xc030" in gov.message


@pytest.mark.parametrize(
    ("server", "suite"),
    [
        ("unconfirmed_rsa_gcm", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (0xc02f)"),
        ("ec_key", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 (0xc02c)"),
    ],
)
def test_agreement_only_on_an_unconfirmed_suite_is_a_warning_not_a_47(
    fidelity: Fidelity, probe_keystore: Path, server: str, suite: str
) -> None:
    result = probe(fidelity.target(server), keystore=str(probe_keystore), max_tls="1.2")
    assert (result.ok, result.tls_version, result.trusted_by) == (True, "1.2", "keystore"), result.message
    warning = next(text for text in result.warnings if "no source confirms" in text)
    assert f"only on {suite}" in warning


def test_a_bad_sslciphers_value_is_refused_naming_the_file(probe_keystore: Path, tmp_path: Path) -> None:
    home = _home(tmp_path, "STRONG")
    with pytest.raises(
        IcaClientError, match=r"SSLCiphers=STRONG in .*wfclient.ini \[WFClient\] must be one of"
    ):
        make_options(keystore=str(probe_keystore), user_home=str(home))
