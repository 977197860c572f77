"""icaclient.linux.connection_probe run for real through ``ansible localhost -m ... -a JSON``.

Steps: check mode, then a normal run: the same verdicts, never a change. The client's own
configuration (a sandbox ICAROOT and user home) chooses the proxy and the TLS window, and the
proxy's access log confirms the path. Every fail_json path has a case.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
from pathlib import Path

import pytest
from ansible_run import VENV_BIN, run_module
from integration.peers import BASIC_PASSWORD, BASIC_USER, LOOPBACK
from keystore_sandbox import python_without_cryptography


def _verdicts(result: dict) -> list[dict]:
    return [{key: value for key, value in item.items() if key != "elapsed"} for item in result["results"]]


def test_check_mode_gives_the_same_verdicts_and_nothing_changes(
    probe_servers: dict, probe_keystore: Path
) -> None:
    args = {
        "targets": [
            f"https://localhost:{probe_servers['trusted'].port}/Citrix/Store",
            f"localhost:{probe_servers['untrusted'].port}",
            f"ica://{LOOPBACK}:{probe_servers['trusted'].port}",
        ],
        "keystore": str(probe_keystore),
        "timeout": 2,
    }
    checked = run_module("connection_probe", args, check=True)
    applied = run_module("connection_probe", args)
    again = run_module("connection_probe", args, check=True)
    for result in (checked, applied, again):
        assert result["failed"] is False, result.get("msg")
        assert result["changed"] is False
        assert result["summary"] == {"total": 3, "passed": 2, "failed": 1}
    assert _verdicts(checked) == _verdicts(applied) == _verdicts(again)
    trusted, untrusted, ica = applied["results"]
    assert (trusted["ok"], trusted["tls_versions_accepted"], trusted["url_path"]) == (
        True,
        ["1.2", "1.3"],
        "/Citrix/Store",
    )
    assert (untrusted["ok"], untrusted["client_error"]) == (False, 61)
    assert "add the issuing root to" in untrusted["message"]
    assert (ica["ok"], ica["kind"]) == (True, "ica")


def test_fail_on_any_fails_the_task_and_still_reports(probe_servers: dict, probe_keystore: Path) -> None:
    args = {
        "targets": [
            f"localhost:{probe_servers['trusted'].port}",
            f"localhost:{probe_servers['expired'].port}",
        ],
        "keystore": str(probe_keystore),
        "fail_on": "any",
    }
    result = run_module("connection_probe", args, expect_failure=True)
    assert result["failed"] is True
    assert result["msg"].startswith("1 of 2 targets fail for the client; first: localhost:")
    assert ": 70: the server certificate CN=localhost,O=icaprobe tests expired on" in result["msg"]
    assert [item["ok"] for item in result["results"]] == [True, False]
    assert result["changed"] is False
    passing = run_module("connection_probe", {**args, "targets": args["targets"][:1]})
    assert passing["failed"] is False


def _sandbox_client(tmp_path: Path, keystore: Path, proxy_port: int) -> tuple[Path, Path]:
    icaroot = tmp_path / "icaroot"
    shutil.copytree(keystore, icaroot / "keystore", symlinks=True)
    (icaroot / "config").mkdir(parents=True)
    (icaroot / "config" / "wfclient.ini").write_text(
        "[WFClient]\r\n"
        "Version=2\r\n"
        "MinimumTLS=1.0\r\n"
        "MaximumTLS=1.3\r\n"
        "ProxyType=Secure\r\n"
        f"ProxyHost={LOOPBACK}:{proxy_port}\r\n"
        "ProxyAuthenticationBasic=True\r\n"
        "ProxyAuthenticationNTLM=False\r\n"
    )
    home = tmp_path / "home"
    (home / ".ICAClient").mkdir(parents=True)
    (home / ".ICAClient" / "wfclient.ini").write_text(
        f"[WFClient]\nMinimumTLS=1.2\nProxyUsername={BASIC_USER}\n"
    )
    return icaroot, home


def test_the_clients_own_configuration_chooses_proxy_and_window(
    squid_basic, probe_servers: dict, probe_keystore: Path, tmp_path: Path
) -> None:
    icaroot, home = _sandbox_client(tmp_path, probe_keystore, squid_basic.port)
    modern, legacy = probe_servers["v1.3"].port, probe_servers["v1.0"].port
    args = {
        "targets": [f"localhost:{modern}", f"localhost:{legacy}"],
        "icaroot": str(icaroot),
        "user_home": str(home),
        "proxy_password": BASIC_PASSWORD,
        "timeout": 2,
    }
    result = run_module("connection_probe", args, check=True)
    assert result["failed"] is False, result.get("msg")
    settings = result["settings"]
    assert (settings["min_tls"], settings["max_tls"]) == ("1.2", "1.3")
    assert settings["proxy"] == f"http://{LOOPBACK}:{squid_basic.port}"
    assert (settings["proxy_auth"], settings["proxy_username"]) == ("basic", BASIC_USER)
    assert any(str(home / ".ICAClient" / "wfclient.ini") in source for source in settings["sources"])
    ok, old = result["results"]
    assert (ok["ok"], ok["tls_version"]) == (True, "1.3"), ok["message"]
    assert "through the HTTP CONNECT proxy" in ok["message"]
    assert ok["path"] == f"http://{LOOPBACK}:{squid_basic.port}"
    assert (old["ok"], old["client_error"]) == (False, 47)
    assert "offers only TLS 1.0, below MinimumTLS=1.2" in old["message"]
    assert BASIC_PASSWORD not in result["_stdout"] + result["_stderr"]
    assert re.search(rf"TCP_TUNNEL/200 .* CONNECT localhost:{modern} {BASIC_USER} ", squid_basic.access_log())


def test_an_explicit_proxy_and_window_override_the_configuration(
    dante, probe_servers: dict, probe_keystore: Path, tmp_path: Path
) -> None:
    icaroot, home = _sandbox_client(tmp_path, probe_keystore, 1)  # the configured proxy port is dead
    port = probe_servers["v1.0"].port
    result = run_module(
        "connection_probe",
        {
            "targets": [f"localhost:{port}"],
            "icaroot": str(icaroot),
            "user_home": str(home),
            "proxy": f"socks4://{LOOPBACK}:{dante.port}",
            "min_tls": "1.0",
            "max_tls": "1.2",
        },
    )
    assert result["failed"] is False, result.get("msg")
    assert result["results"][0]["ok"] is True, result["results"][0]["message"]
    assert result["settings"]["proxy"] == f"socks4://{LOOPBACK}:{dante.port}"
    assert f"{LOOPBACK}.{port}" in dante.log()


def _python_without_spnego(tmp_path: Path) -> Path:
    """The project's Python, on which ``import spnego`` fails (a host without pyspnego)."""
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "spnego.py").write_text("raise ImportError('pyspnego is not installed on this host')\n")
    wrapper = tmp_path / "python-without-spnego"
    wrapper.write_text(f'#!/bin/sh\nPYTHONPATH={shim} exec {VENV_BIN / "python"} "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return wrapper


@pytest.mark.parametrize(
    "case",
    ["bad_icaroot", "no_keystore", "bad_target", "both_roots", "bad_ini", "no_pyspnego", "no_cryptography"],
)
def test_every_failure_is_a_clear_message(case: str, probe_keystore: Path, tmp_path: Path) -> None:
    args: dict = {"targets": ["localhost:443"], "keystore": str(probe_keystore)}
    python = None
    expected = ""
    if case == "bad_icaroot":
        args = {"targets": ["localhost:443"], "icaroot": str(tmp_path / "missing")}
        expected = f"the client's ICAROOT {tmp_path / 'missing'} does not exist"
    elif case == "no_keystore":
        args["keystore"] = str(tmp_path)
        expected = f"{tmp_path}/cacerts does not exist"
    elif case == "bad_target":
        args["targets"] = ["localhost:443", "http://gw.example.com"]
        expected = "scheme 'http' is not one of"
    elif case == "both_roots":
        args["icaroot"] = str(tmp_path)
        expected = "parameters are mutually exclusive: icaroot|keystore"
    elif case == "bad_ini":
        icaroot = tmp_path / "icaroot"
        (icaroot / "config").mkdir(parents=True)
        os.symlink(probe_keystore, icaroot / "keystore")
        (icaroot / "config" / "wfclient.ini").write_text("[WFClient]\nMinimumTLS=1.3\nMaximumTLS=1.2\n")
        args = {"targets": ["localhost:443"], "icaroot": str(icaroot), "user_home": str(tmp_path)}
        expected = "MinimumTLS=1.3 (" + str(icaroot / "config" / "wfclient.ini")
    elif case == "no_pyspnego":
        args.update(proxy=f"http://{LOOPBACK}:3128", proxy_auth="ntlm", proxy_username="CORP\\alice")
        python = _python_without_spnego(tmp_path)
        expected = "Failed to import the required Python library (pyspnego)"
    elif case == "no_cryptography":
        python = python_without_cryptography()
        expected = "Failed to import the required Python library (cryptography)"
    result = run_module("connection_probe", args, python=python, expect_failure=True)
    assert result["failed"] is True
    assert expected in result["msg"], result["msg"]


def test_proposed_trust_and_window_are_judged_without_touching_the_keystore(
    probe_servers: dict, probe_keystore: Path, probe_pki
) -> None:
    """The what-if options: the rogue root added fixes 61, TLS 1.3 only breaks a 1.2-only server."""
    before = sorted((str(p), p.lstat().st_mtime_ns) for p in probe_keystore.rglob("*"))
    args = {
        "targets": [
            f"https://localhost:{probe_servers['untrusted'].port}",
            f"https://localhost:{probe_servers['v1.2'].port}",
        ],
        "keystore": str(probe_keystore),
        "timeout": 2,
    }
    today = run_module("connection_probe", args)
    proposed = run_module(
        "connection_probe",
        {**args, "min_tls": "1.3", "max_tls": "1.3", "trust_add": [probe_pki.other_root.pem.decode()]},
        check=True,
    )
    assert [(item["ok"], item["client_error"]) for item in today["results"]] == [(False, 61), (True, None)]
    assert [(item["ok"], item["client_error"]) for item in proposed["results"]] == [(True, None), (False, 47)]
    assert proposed["changed"] is False
    assert proposed["settings"]["trust_changes"][0].startswith("add CN=Untrusted Test Root")
    assert sorted((str(p), p.lstat().st_mtime_ns) for p in probe_keystore.rglob("*")) == before
    refused = run_module(
        "connection_probe", {**args, "trust_remove": ["not-a-fingerprint"]}, expect_failure=True
    )
    assert refused["msg"].startswith(
        "cannot read certificate to remove #1: 'not-a-fingerprint' is not a SHA-256"
    )
