"""icaclient.linux.keystore_info run for real through ``ansible`` on a keystore full of known problems.

The audit is read-only: check mode and a real run (twice each) report the same,
change nothing, and its link facts agree with the system openssl (``x509 -hash``,
``rehash``, ``verify``).
"""

from __future__ import annotations

import datetime
import json
import os
import subprocess

import pytest
from ansible_run import run_module, run_playbook
from helpers import snapshot
from keystore_sandbox import openssl_hash, openssl_verify, python_without_cryptography


@pytest.fixture
def troubled_keystore(pki, icaroot):
    """A keystore like one found in the field: stock roots (one expired), a leaf, a bundle, DER, ..."""
    now = datetime.datetime.now(datetime.timezone.utc)
    folder = icaroot / "keystore" / "cacerts"
    expired = pki.issue(
        "Old Stock Root",
        key=pki.fresh_key(),
        not_before=now - datetime.timedelta(days=4000),
        not_after=now - datetime.timedelta(days=30),
    )
    files = {
        "TestRoot.pem": pki.root.pem,
        "OldStockRoot.pem": expired.pem,
        "BigRoot.pem": pki.issue("Big Root", key=pki.key("rsa8192")).pem,
        "gateway.pem": pki.leaf.pem,
        "chain.pem": pki.intermediate.pem + pki.root.pem,
        "issuing.crt": pki.intermediate.der,
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    subprocess.run(["openssl", "rehash", str(folder)], check=True, capture_output=True)
    late = pki.issue("Late Root", key=pki.fresh_key())
    (folder / "LateRoot.pem").write_bytes(late.pem)  # copied in after the rehash, as users do
    intcerts = icaroot / "keystore" / "intcerts"
    intcerts.mkdir()
    (intcerts / "issuing.pem").write_bytes(pki.intermediate.pem)
    subprocess.run(["openssl", "rehash", str(intcerts)], check=True, capture_output=True)
    os.symlink("removed-long-ago.pem", intcerts / "0badc0de.0")
    return icaroot, late


def test_audit_four_steps_agree_and_change_nothing(troubled_keystore, pki, tmp_path):
    icaroot, late = troubled_keystore
    folder = icaroot / "keystore" / "cacerts"
    before = {name: snapshot(icaroot / "keystore" / name) for name in ("cacerts", "intcerts")}
    args = {"icaroot": str(icaroot)}
    runs = [
        run_module("keystore_info", args, check=True),
        run_module("keystore_info", args),
        run_module("keystore_info", args, check=True),
        run_module("keystore_info", args),
    ]
    for result in runs:
        assert not result["failed"] and not result["changed"], result
    reports = [
        {key: result[key] for key in ("folders", "certificates", "problems", "summary")} for result in runs
    ]
    assert all(report == reports[0] for report in reports)
    assert {name: snapshot(icaroot / "keystore" / name) for name in ("cacerts", "intcerts")} == before

    report = reports[0]
    by_file = {
        (entry["kind"], entry["file"], entry.get("position")): entry for entry in report["certificates"]
    }
    assert by_file[("root", "TestRoot.pem", 1)]["problems"] == []
    assert by_file[("root", "OldStockRoot.pem", 1)]["problems"] == ["expired"]
    assert by_file[("root", "BigRoot.pem", 1)]["problems"] == ["key_over_4096"]
    assert by_file[("root", "BigRoot.pem", 1)]["key_bits"] == 8192
    assert by_file[("root", "gateway.pem", 1)]["problems"] == ["not_ca", "not_self_signed"]
    assert by_file[("root", "chain.pem", 1)]["problems"] == ["bundle", "not_self_signed"]
    assert by_file[("root", "chain.pem", 2)]["problems"] == ["bundle"]
    assert by_file[("root", "issuing.crt", 1)]["problems"] == ["der", "not_self_signed"]
    assert by_file[("root", "LateRoot.pem", 1)]["problems"] == ["unlinked"]
    assert by_file[("intermediate", "issuing.pem", 1)]["problems"] == []
    assert report["folders"][1]["stale_links"] == [
        {
            "link": "0badc0de.0",
            "target": "removed-long-ago.pem",
            "problem": "dangling (removed-long-ago.pem does not exist)",
        }
    ]
    assert report["summary"]["by_problem"] == {
        "bundle": 2,
        "der": 1,
        "expired": 1,
        "key_over_4096": 1,
        "not_ca": 1,
        "not_self_signed": 3,
        "stale_link": 1,
        "unlinked": 1,
    }
    assert report["summary"]["roots"] == 8 and report["summary"]["intermediates"] == 1

    # Independent checks: openssl's hash and links say what the audit says ...
    for name in ("TestRoot.pem", "OldStockRoot.pem", "BigRoot.pem", "LateRoot.pem"):
        entry = by_file[("root", name, 1)]
        assert entry["subject_hash"] == openssl_hash(folder / name)
        links = sorted(
            link
            for link in os.listdir(folder)
            if os.path.islink(folder / link) and os.readlink(folder / link) == name
        )
        assert entry["hash_links"] == links and entry["linked"] == bool(links)
    # ... and "unlinked" is what a user would notice: a chain to that root does not verify.
    server = pki.issue("late.test", issuer=late, ca=False, key=pki.fresh_key(), sans=("late.test",))
    server_file = pki.write(server, "late-server.pem", directory=tmp_path)
    refused = openssl_verify(folder, server_file)
    assert (
        refused.returncode != 0
        and "unable to get local issuer certificate" in refused.stdout + refused.stderr
    )
    assert openssl_verify(folder, pki.path("leaf"), pki.path("intermediate")).returncode == 0


def test_audit_of_one_folder(troubled_keystore):
    icaroot, _late = troubled_keystore
    result = run_module("keystore_info", {"path": str(icaroot / "keystore" / "intcerts")})
    assert not result["failed"] and not result["changed"]
    assert [folder["kind"] for folder in result["folders"]] == ["intermediate"]
    assert [entry["file"] for entry in result["certificates"]] == ["issuing.pem"]


def test_audit_failures(tmp_path, icaroot):
    """Every way keystore_info fails, in one playbook: each a clear message."""
    cases = {
        "missing_icaroot": (
            {"icaroot": str(tmp_path / "no-icaroot")},
            f"cannot audit the keystore: ICAROOT {tmp_path / 'no-icaroot'} does not exist",
        ),
        "missing_path": (
            {"path": str(tmp_path / "no-folder")},
            f"cannot audit keystore folder {tmp_path / 'no-folder'}: it does not exist or is not a folder",
        ),
        "no_cryptography_on_host": (
            {"icaroot": str(icaroot), "_python": str(python_without_cryptography())},
            "Failed to import the required Python library (cryptography)",
        ),
    }
    tasks = []
    for case, (args, _message) in cases.items():
        args = dict(args)
        task: dict = {"name": case, "ignore_errors": True, "check_mode": True}
        python = args.pop("_python", None)
        if python:
            task["vars"] = {"ansible_python_interpreter": python}
        task["icaclient.linux.keystore_info"] = args
        tasks.append(task)
    playbook = tmp_path / "audit-failures.yml"
    playbook.write_text(
        json.dumps(
            [{"name": "Audit what is not there", "hosts": "all", "gather_facts": False, "tasks": tasks}]
        )
    )
    run = run_playbook(playbook, expect_failure=True)
    assert len(run.results) == len(cases), run.stdout + run.stderr
    for (case, (_args, message)), result in zip(cases.items(), run.results):
        assert result["_status"] == "FAILED!", (case, result)
        assert message in result["msg"], (case, result["msg"])


MOZILLA = "/usr/share/ca-certificates/mozilla"


def test_links_are_read_through_and_named_for_what_they_reach(pki, icaroot, tmp_path):
    """Links that leave the folder are information; a link to what is no certificate says what it is."""
    folder = icaroot / "keystore" / "cacerts"
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "root.pem").write_bytes(pki.root.pem)
    (outside / "key.pem").write_bytes(_key_pem(pki))
    os.symlink(str(outside / "root.pem"), folder / "corp-root.pem")
    os.symlink("/etc/passwd", folder / "passwd.pem")
    os.symlink(str(outside / "key.pem"), folder / "key.pem")
    os.symlink("/dev/zero", folder / "zero.pem")
    os.symlink(str(outside), folder / "a-folder.pem")
    os.symlink("nowhere.pem", folder / "dangling.pem")
    # openssl rehash reads /dev/zero to its end of line (none) and fails: link without it
    os.unlink(folder / "zero.pem")
    subprocess.run(["openssl", "rehash", str(folder)], check=False, capture_output=True)
    os.symlink("/dev/zero", folder / "zero.pem")
    result = run_module("keystore_info", {"path": str(folder)})
    by_file = {entry["file"]: entry for entry in result["certificates"]}
    root = by_file["corp-root.pem"]
    assert root["problems"] == [] and root["leaves_folder"] and root["link"] == str(outside / "root.pem")
    assert root["fingerprint"] == pki.root.fingerprint and root["linked"]
    assert result["folders"][0]["stale_links"] == []
    assert by_file["passwd.pem"]["problems"] == ["unparsable"]
    assert "neither PEM" in by_file["passwd.pem"]["error"] and by_file["passwd.pem"]["link"] == "/etc/passwd"
    assert by_file["key.pem"]["problems"] == ["private_key"]
    assert "a private key" in by_file["key.pem"]["error"]
    assert by_file["zero.pem"]["problems"] == ["not_a_file"]
    assert "a link to a character device (/dev/zero)" in by_file["zero.pem"]["error"]
    assert by_file["a-folder.pem"]["problems"] == ["not_a_file"]
    assert "a link to a folder" in by_file["a-folder.pem"]["error"]
    assert by_file["dangling.pem"]["problems"] == ["not_a_file"]
    assert "a dangling link (to nowhere.pem)" in by_file["dangling.pem"]["error"]


def _key_pem(pki) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return pki.root.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@pytest.mark.skipif(not os.path.isdir(MOZILLA), reason="needs the ca-certificates package")
def test_mozilla_roots_linked_in_are_no_stale_links(icaroot):
    folder = icaroot / "keystore" / "cacerts"
    for name in os.listdir(MOZILLA):
        os.symlink(os.path.join(MOZILLA, name), folder / name)
    subprocess.run(["openssl", "rehash", str(folder)], check=True, capture_output=True)
    result = run_module("keystore_info", {"path": str(folder)})
    assert result["folders"][0]["stale_links"] == []
    assert "stale_link" not in result["summary"]["by_problem"]
    assert all(entry["leaves_folder"] and entry["linked"] for entry in result["certificates"])
    assert result["summary"]["certificates"] == len(os.listdir(MOZILLA))


def test_a_file_name_that_is_not_utf8_is_audited(pki, icaroot):
    folder = icaroot / "keystore" / "cacerts"
    (folder / os.fsdecode(b"caf\xe9.pem")).write_bytes(pki.root.pem)
    subprocess.run(["openssl", "rehash", str(folder)], check=True, capture_output=True)
    result = run_module("keystore_info", {"path": str(folder)})
    (entry,) = result["certificates"]
    assert entry["file"] == "caf\\xe9.pem" and entry["linked"] and entry["problems"] == []
    assert list(result["folders"][0]["links"].values()) == ["caf\\xe9.pem"]
