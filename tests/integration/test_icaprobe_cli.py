"""The ``icaprobe`` console script, run for real (the installed entry point) against real peers.

Covers the table, the JSON schema of docs/icaprobe.md, exit codes, the progress bar and,
above all, that a proxy password reaches the proxy but never argv, stdout, stderr or JSON.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import snapshot
from integration.peers import BASIC_PASSWORD, BASIC_USER, LOOPBACK, SServer, TestPki, free_port

from ansible_collections.icaclient.linux.plugins.module_utils._probe import (
    make_options,
    parse_target,
    probe_all,
)

REPO = Path(__file__).resolve().parents[2]
ICAPROBE = REPO / ".venv" / "bin" / "icaprobe"
RESULT_KEYS = {
    "trusted_by",
    "client_version",
    "target",
    "kind",
    "host",
    "port",
    "path",
    "url_path",
    "ok",
    "client_error",
    "message",
    "tls_versions_accepted",
    "tls_versions_refused",
    "tls_versions_untested",
    "tls_version",
    "tls_window",
    "trusted",
    "subject",
    "issuer",
    "not_after",
    "days_left",
    "key_bits",
    "key_type",
    "chain",
    "warnings",
    "elapsed",
}


def icaprobe(*args: str, env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    assert ICAPROBE.exists(), (
        f"{ICAPROBE} is missing: install the project (pip install -e .) for the console script"
    )
    merged = {key: value for key, value in os.environ.items() if not key.startswith("ICAPROBE_")}
    merged.update(env or {})
    return subprocess.run(
        [str(ICAPROBE), *args], capture_output=True, text=True, env=merged, check=False, **kw
    )


def test_table_and_exit_code_one_when_any_target_fails(probe_servers: dict, probe_keystore: Path) -> None:
    ok_target = f"https://localhost:{probe_servers['trusted'].port}/Citrix/Store"
    bad_target = f"localhost:{probe_servers['untrusted'].port}"
    run = icaprobe("--keystore", str(probe_keystore), "--timeout", "2", ok_target, bad_target)
    assert run.returncode == 1, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].split() == [
        "TARGET",
        "RESULT",
        "ERROR",
        "TLS",
        "ACCEPTED",
        "DAYS",
        "KEY",
        "TRUSTED",
        "BY",
    ]
    assert re.match(rf"{re.escape(ok_target)}\s+ok\s+-\s+1\.2 1\.3\s+36[45]\s+RSA 2048\s+keystore$", lines[1])
    assert re.match(rf"{re.escape(bad_target)}\s+FAIL\s+61\s+1\.2 1\.3.*not trusted$", lines[2])
    assert "add the issuing root to" in lines[3]
    assert "warning: the client's version is unknown (no ICAROOT given" in lines[4]
    assert lines[-1] == (
        "2 targets (TLS window 1.0-1.2, direct, client version unknown, trust: keystore only): 1 pass, 1 fail"
    )


def test_exit_code_zero_when_all_pass(probe_servers: dict, probe_keystore: Path) -> None:
    run = icaprobe("--keystore", str(probe_keystore), f"localhost:{probe_servers['v1.2'].port}")
    assert run.returncode == 0, run.stdout + run.stderr


def test_json_follows_the_documented_schema(probe_servers: dict, probe_keystore: Path) -> None:
    targets = [
        f"localhost:{probe_servers['v1.0'].port}",
        f"localhost:{probe_servers['expired'].port}",
        f"ica://{LOOPBACK}:{probe_servers['trusted'].port}",
    ]
    run = icaprobe(
        "--keystore", str(probe_keystore), "--json", "--min-tls", "1.2", "--max-tls", "1.3", *targets
    )
    assert run.returncode == 1
    document = json.loads(run.stdout)
    assert document["schema"] == "icaprobe/1"
    assert document["summary"] == {"total": 3, "passed": 1, "failed": 2}
    assert document["settings"]["min_tls"] == "1.2" and document["settings"]["max_tls"] == "1.3"
    results = document["results"]
    assert [result["target"] for result in results] == targets
    for result in results:
        assert set(result) == RESULT_KEYS
    assert (results[0]["client_error"], results[0]["tls_versions_accepted"]) == (47, ["1.0"])
    assert (results[1]["client_error"], results[1]["days_left"] < 0) == (70, True)
    assert (results[2]["ok"], results[2]["kind"]) == (True, "ica")
    schema_doc = (REPO / "docs" / "icaprobe.md").read_text()
    for key in RESULT_KEYS:
        assert f"`{key}`" in schema_doc, f"docs/icaprobe.md does not document {key}"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ((), "no target given"),
        (("--keystore", "/nonexistent", "localhost"), "/nonexistent/cacerts does not exist"),
        (("--icaroot", "/tmp", "--keystore", "/tmp", "x"), "not allowed with argument"),
        (("--keystore", "KS", "http://plain.example.com"), "over https"),
        (("--keystore", "KS", "--min-tls", "1.4", "localhost"), "not a TLS version"),
        (
            ("--keystore", "KS", "--proxy", "http://alice:Hidden-1@proxy:3128", "localhost"),
            "must not carry credentials",
        ),
        (("--keystore", "KS", "--timeout", "-1", "localhost"), "positive"),
    ],
)
def test_usage_errors_exit_two(probe_keystore: Path, args: tuple, words: str) -> None:
    run = icaprobe(*(str(probe_keystore) if arg == "KS" else arg for arg in args))
    assert run.returncode == 2, run.stdout + run.stderr
    assert words in run.stderr
    assert "Hidden-1" not in run.stderr + run.stdout
    assert run.stdout == ""


def test_a_password_on_the_command_line_is_refused_without_echoing_it(probe_keystore: Path) -> None:
    secret = "Argv-pw-77aa"
    run = icaprobe("--keystore", str(probe_keystore), "--proxy-password", secret, "localhost")
    assert run.returncode == 2
    assert "--proxy-password is not accepted" in run.stderr
    assert secret not in run.stderr + run.stdout


def _cmdline_while_running(process: subprocess.Popen) -> bytes:
    seen = b""
    deadline = time.monotonic() + 10
    while process.poll() is None and time.monotonic() < deadline:
        try:
            seen = Path(f"/proc/{process.pid}/cmdline").read_bytes() or seen
        except OSError:
            break
        if seen:
            break
        time.sleep(0.01)
    return seen


@pytest.mark.parametrize("source", ["environment", "file"])
def test_the_proxy_password_reaches_the_proxy_and_nothing_else(
    squid_basic, probe_servers: dict, probe_keystore: Path, tmp_path: Path, source: str
) -> None:
    port = probe_servers["trusted"].port
    # The silent server keeps the run alive for the timeout, so its argv can be read meanwhile.
    targets = [f"localhost:{port}", f"{LOOPBACK}:{probe_servers['silent'].port}"]
    args = [
        "--keystore",
        str(probe_keystore),
        "--proxy",
        f"http://{LOOPBACK}:{squid_basic.port}",
        "--timeout",
        "2",
    ]
    env = {}
    if source == "environment":
        env = {"ICAPROBE_PROXY_USER": BASIC_USER, "ICAPROBE_PROXY_PASSWORD": BASIC_PASSWORD}
    else:
        credentials = tmp_path / "proxy.cred"
        credentials.write_text(f"# proxy account\n{BASIC_USER}:{BASIC_PASSWORD}\n")
        credentials.chmod(0o600)
        args += ["--proxy-credentials", str(credentials)]
    for output in ([], ["--json"]):
        merged = {key: value for key, value in os.environ.items() if not key.startswith("ICAPROBE_")}
        merged.update(env)
        process = subprocess.Popen(
            [str(ICAPROBE), *args, *output, *targets],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=merged,
        )
        cmdline = _cmdline_while_running(process)
        stdout, stderr = process.communicate(timeout=30)
        assert cmdline and b"icaprobe" in cmdline
        assert BASIC_PASSWORD.encode() not in cmdline
        assert BASIC_PASSWORD not in stdout + stderr
        assert process.returncode == 1  # the silent target fails; the proxied one passes
        if output:
            results = json.loads(stdout)["results"]
            assert results[0]["ok"] is True, results[0]["message"]
            assert json.loads(stdout)["settings"]["proxy_username"] == BASIC_USER
        else:
            assert re.search(rf"localhost:{port}\s+ok", stdout), stdout
    assert re.search(rf"TCP_TUNNEL/200 .* CONNECT localhost:{port} {BASIC_USER} ", squid_basic.access_log())


def test_a_readable_credentials_file_draws_a_warning(
    squid_basic, probe_servers: dict, probe_keystore: Path, tmp_path: Path
) -> None:
    credentials = tmp_path / "proxy.cred"
    credentials.write_text(f"{BASIC_USER}:{BASIC_PASSWORD}\n")
    credentials.chmod(0o644)
    run = icaprobe(
        "--keystore",
        str(probe_keystore),
        "--proxy",
        f"http://{LOOPBACK}:{squid_basic.port}",
        "--proxy-credentials",
        str(credentials),
        f"localhost:{probe_servers['trusted'].port}",
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "readable by other users" in run.stderr
    assert BASIC_PASSWORD not in run.stdout + run.stderr


def test_a_wrong_password_fails_the_target_without_showing_it(
    squid_basic, probe_servers: dict, probe_keystore: Path
) -> None:
    wrong = "Wrong-pw-c3c3"
    run = icaprobe(
        "--keystore",
        str(probe_keystore),
        "--proxy",
        f"http://{LOOPBACK}:{squid_basic.port}",
        "--proxy-auth",
        "basic",
        "--json",
        f"localhost:{probe_servers['trusted'].port}",
        env={"ICAPROBE_PROXY_USER": BASIC_USER, "ICAPROBE_PROXY_PASSWORD": wrong},
    )
    assert run.returncode == 1
    result = json.loads(run.stdout)["results"][0]
    assert result["client_error"] == "proxy_auth"
    assert wrong not in run.stdout + run.stderr


def test_ntlm_without_pyspnego_is_a_clear_setup_error(probe_keystore: Path, tmp_path: Path) -> None:
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "spnego.py").write_text("raise ImportError('pyspnego is not installed on this host')\n")
    run = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from icaprobe.cli import main; sys.exit(main())",
            "--keystore",
            str(probe_keystore),
            "--proxy",
            f"http://{LOOPBACK}:3128",
            "--proxy-auth",
            "ntlm",
            "--proxy-user",
            "CORP\\alice",
            "localhost",
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(shim)},
        check=False,
    )
    assert run.returncode == 2, run.stderr
    assert "NTLM proxy authentication needs the Python library pyspnego" in run.stderr


def test_progress_bar_and_targets_file(probe_servers: dict, probe_keystore: Path, tmp_path: Path) -> None:
    port = probe_servers["trusted"].port
    closed = free_port()
    listing = tmp_path / "targets.txt"
    listing.write_text("# gateways\n" + "".join(f"localhost:{port}\n{LOOPBACK}:{closed}\n" for _ in range(6)))
    shown = icaprobe("--keystore", str(probe_keystore), "--progress", "-f", str(listing))
    assert shown.returncode == 1
    assert "12/12 probed, 6 failing" in shown.stderr
    assert shown.stdout.splitlines()[-1].startswith("12 targets")
    hidden = icaprobe("--keystore", str(probe_keystore), "-f", str(listing))  # stderr is a pipe: no bar
    assert "probed" not in hidden.stderr


# ---------------------------------------------------------------------------
# What-if options: the module's ssl_ciphers, trust_add and trust_remove, judged by the same engine.


def _engine_verdict(target: str, keystore: Path, **whatif) -> dict:
    """What the connection_probe module's engine says for the same request."""
    options = make_options(keystore=str(keystore), timeout=5, **whatif)
    result = probe_all([parse_target(target)], options=options)[0].as_dict()
    return {key: result[key] for key in ("ok", "client_error", "message", "trusted_by")}


def _cli_verdict(run: subprocess.CompletedProcess) -> dict:
    result = json.loads(run.stdout)["results"][0]
    return {key: result[key] for key in ("ok", "client_error", "message", "trusted_by")}


def test_trust_add_judges_the_missing_root_without_touching_the_keystore(
    probe_servers: dict, probe_keystore: Path, probe_pki: TestPki, tmp_path: Path
) -> None:
    target = f"https://localhost:{probe_servers['untrusted'].port}"
    root_file = tmp_path / "partner-root.pem"
    root_file.write_bytes(probe_pki.other_root.pem)
    der_file = tmp_path / "partner-root.der"
    der_file.write_bytes(probe_pki.other_root.der)
    before = snapshot(probe_keystore)
    today = icaprobe("--keystore", str(probe_keystore), target)
    assert today.returncode == 1 and re.search(r"FAIL\s+61", today.stdout), today.stdout
    for added in (root_file, der_file):
        run = icaprobe("--keystore", str(probe_keystore), "--trust-add", str(added), target)
        assert run.returncode == 0, run.stdout + run.stderr
        assert re.match(
            rf"{re.escape(target)}\s+ok\s+-\s+1\.2 1\.3\s+\d+\s+RSA 2048\s+keystore$",
            run.stdout.splitlines()[1],
        )
        assert (
            f"what-if: add CN=Untrusted Test Root,O=icaprobe tests (sha256 {probe_pki.other_root.fingerprint}) "
            "(judged in memory, the keystore is unchanged)"
        ) in run.stdout
    as_json = icaprobe("--keystore", str(probe_keystore), "--json", "--trust-add", str(root_file), target)
    assert _cli_verdict(as_json) == _engine_verdict(
        target, probe_keystore, trust_add=[probe_pki.other_root.pem.decode()]
    )
    assert snapshot(probe_keystore) == before


@pytest.mark.parametrize("how", ["fingerprint", "file"])
def test_trust_remove_gives_the_verdict_the_module_gives(
    probe_servers: dict, probe_keystore: Path, probe_pki: TestPki, tmp_path: Path, how: str
) -> None:
    target = f"https://localhost:{probe_servers['trusted'].port}"
    root_file = tmp_path / "root.pem"
    root_file.write_bytes(probe_pki.root.pem)
    removal = probe_pki.root.fingerprint if how == "fingerprint" else str(root_file)
    before = snapshot(probe_keystore)
    run = icaprobe(
        "--keystore",
        str(probe_keystore),
        "--json",
        "--trust-remove",
        removal,
        "--trust-remove",
        probe_pki.other_root.fingerprint,
        target,
    )
    assert run.returncode == 1, run.stdout + run.stderr
    verdict = _cli_verdict(run)
    assert verdict == _engine_verdict(
        target, probe_keystore, trust_remove=[probe_pki.root.fingerprint, probe_pki.other_root.fingerprint]
    )
    assert verdict["client_error"] in (61, 62) and "ICA Test Root" in verdict["message"]
    assert json.loads(run.stdout)["settings"]["trust_changes"][0].startswith("remove ")
    assert snapshot(probe_keystore) == before


def test_ssl_ciphers_judges_a_server_with_only_the_com_suite(
    probe_pki: TestPki, probe_keystore: Path, tmp_path: Path
) -> None:
    server = SServer(
        tmp_path / "com",
        cert=probe_pki.servers["trusted"],
        options=("-cipher", "ECDHE-RSA-AES128-SHA", "-no_tls1_3"),
    ).start()
    try:
        target = f"localhost:{server.port}"
        common = ("--keystore", str(probe_keystore), "--max-tls", "1.2", "--concurrency", "1")
        assert icaprobe(*common, target).returncode == 0
        gov = icaprobe(*common, "--ssl-ciphers", "gov", target)
        assert gov.returncode == 1, gov.stdout + gov.stderr
        assert re.search(r"FAIL\s+47", gov.stdout) and "with SSLCiphers=GOV" in gov.stdout
        assert "(TLS window 1.0-1.2, SSLCiphers=GOV, direct," in gov.stdout
        as_json = icaprobe(*common, "--json", "--ssl-ciphers", "GOV", target)
        document = json.loads(as_json.stdout)
        assert document["settings"]["ssl_ciphers"] == "GOV"
        assert "SSLCiphers=GOV (explicit)" in document["settings"]["sources"]
        assert _cli_verdict(as_json) == _engine_verdict(
            target, probe_keystore, max_tls="1.2", ssl_ciphers="GOV"
        )
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (
            ("--trust-add", "/nonexistent/root.pem"),
            "cannot read the certificate to add /nonexistent/root.pem",
        ),
        (("--trust-remove", "not-a-fingerprint"), "cannot read certificate to remove #1"),
        (
            ("--trust-add", "/etc/hostname"),
            "cannot read the certificate to add /etc/hostname: it is neither PEM",
        ),
        (("--ssl-ciphers", "STRONG"), "invalid choice"),
    ],
)
def test_what_if_usage_errors_exit_two(probe_keystore: Path, args: tuple, words: str) -> None:
    run = icaprobe("--keystore", str(probe_keystore), *args, "localhost")
    assert run.returncode == 2, run.stdout + run.stderr
    assert words in run.stderr and run.stdout == ""
