"""icaclient.linux.keystore_cert run for real through ``ansible``, confirmed by ``openssl verify``.

Four steps per scenario (check mode, apply, check again, apply again), then the
system openssl shows that the chain verifies against the rehashed keystore (and
did not before). Every way the module refuses input runs in one playbook, each
case against its own sandbox ICAROOT, whose keystore must come out byte for
byte and link for link as it went in.
"""

from __future__ import annotations

import datetime
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from ansible_run import run_module, run_playbook
from helpers import hash_links, openssl_rehash_links, snapshot
from keystore_sandbox import openssl_hash, openssl_verify, python_without_cryptography, read_only


def _cacerts(icaroot: Path) -> Path:
    return icaroot / "keystore" / "cacerts"


def test_root_four_steps_then_openssl_verifies(pki, icaroot):
    folder = _cacerts(icaroot)
    leaf, chain = pki.path("leaf"), pki.path("intermediate")
    assert openssl_verify(folder, leaf, chain).returncode != 0
    args = {"icaroot": str(icaroot), "src": str(pki.path("root")), "name": "corp-root"}

    empty = snapshot(folder)
    check = run_module("keystore_cert", args, check=True, diff=True)
    assert not check["failed"] and check["changed"]
    assert check["certificates"][0]["paths"] == [
        str(folder / "corp-root.pem")
    ]  # the options are a list of one item
    assert "+corp-root.pem  CN=Test Root CA,O=icaclient test PKI sha256=" in check["_stdout"]
    assert snapshot(folder) == empty

    applied = run_module("keystore_cert", args)
    assert not applied["failed"] and applied["changed"]
    link = openssl_hash(pki.path("root")) + ".0"
    (item,) = applied["certificates"]
    assert item["hash_link"] == link and item["hash_links"] == [link]
    assert item["fingerprint"] == pki.root.fingerprint
    assert item["subject"] == "CN=Test Root CA,O=icaclient test PKI"
    assert item["key_bits"] == 2048 and item["not_after"].endswith("Z")
    assert (folder / "corp-root.pem").read_bytes() == pki.root.pem
    assert oct((folder / "corp-root.pem").stat().st_mode & 0o777) == "0o644"
    assert os.readlink(folder / link) == "corp-root.pem"
    written = snapshot(folder)

    again = run_module("keystore_cert", args, check=True)
    assert not again["failed"] and not again["changed"]
    final = run_module("keystore_cert", args)
    assert not final["failed"] and not final["changed"]
    (item,) = final["certificates"]
    assert item["certificates"][0]["action"] == "present" and item["paths"] == []
    assert snapshot(folder) == written  # not even rewritten with the same bytes
    assert openssl_verify(folder, leaf, chain).returncode == 0


def test_der_intermediate_four_steps_creates_intcerts(pki, icaroot, tmp_path):
    (_cacerts(icaroot) / "root.pem").write_bytes(pki.root.pem)
    subprocess.run(["openssl", "rehash", str(_cacerts(icaroot))], check=True, capture_output=True)
    source = pki.write(pki.intermediate, "Issuing CA 1.crt", fmt="der", directory=tmp_path)
    intcerts = icaroot / "keystore" / "intcerts"
    args = {"icaroot": str(icaroot), "src": str(source), "kind": "intermediate"}

    check = run_module("keystore_cert", args, check=True)
    assert not check["failed"] and check["changed"] and not intcerts.exists()
    applied = run_module("keystore_cert", args)
    assert not applied["failed"] and applied["changed"]
    pem_file = intcerts / "Issuing-CA-1.pem"
    (item,) = applied["certificates"]
    assert item["paths"] == [str(pem_file)]
    assert pem_file.read_bytes() == pki.intermediate.pem  # DER converted to PEM
    assert oct(intcerts.stat().st_mode & 0o777) == "0o755"
    assert item["hash_links"] == [openssl_hash(pem_file) + ".0"]
    written = snapshot(intcerts)
    assert not run_module("keystore_cert", args, check=True)["changed"]
    assert not run_module("keystore_cert", args)["changed"]
    assert snapshot(intcerts) == written
    # the file the module wrote is the intermediate the client needs to build the chain
    assert openssl_verify(_cacerts(icaroot), pki.path("leaf")).returncode != 0
    assert openssl_verify(_cacerts(icaroot), pki.path("leaf"), pem_file).returncode == 0


def test_bundle_is_split_one_file_per_certificate(pki, icaroot, tmp_path):
    second = pki.issue("Second Root CA", key=pki.fresh_key())
    bundle = tmp_path / "corp-roots.pem"
    bundle.write_bytes(pki.root.pem + b"\r\n" + second.pem)
    args = {"icaroot": str(icaroot), "src": str(bundle)}
    applied = run_module("keystore_cert", args, diff=True)
    assert not applied["failed"] and applied["changed"]
    folder = _cacerts(icaroot)
    assert sorted(p.name for p in folder.glob("*.pem")) == [
        "corp-roots-second-root-ca.pem",
        "corp-roots-test-root-ca.pem",
    ]
    (item,) = applied["certificates"]
    assert [entry["action"] for entry in item["certificates"]] == ["created", "created"]
    assert len(item["hash_links"]) == 2
    assert not run_module("keystore_cert", args)["changed"]
    assert openssl_verify(folder, pki.path("leaf"), pki.path("intermediate")).returncode == 0


def test_remove_four_steps_then_verify_fails(pki, icaroot):
    folder = _cacerts(icaroot)
    assert run_module(
        "keystore_cert", {"icaroot": str(icaroot), "src": str(pki.path("root")), "name": "corp"}
    )["changed"]
    args = {"icaroot": str(icaroot), "name": "corp", "state": "absent"}
    present = snapshot(folder)
    check = run_module("keystore_cert", args, check=True, diff=True)
    assert (
        not check["failed"]
        and check["changed"]
        and check["certificates"][0]["removed"] == [str(folder / "corp.pem")]
    )
    assert "-corp.pem  CN=Test Root CA" in check["_stdout"]
    assert snapshot(folder) == present
    applied = run_module("keystore_cert", args)
    assert not applied["failed"] and applied["changed"]
    assert snapshot(folder) == {}  # the file and its hash link
    assert not run_module("keystore_cert", args, check=True)["changed"]
    assert not run_module("keystore_cert", args)["changed"]
    assert openssl_verify(folder, pki.path("leaf"), pki.path("intermediate")).returncode != 0


# ---------------------------------------------------------------------------
# Bad input: one playbook, one sandbox ICAROOT per case


def _bad_inputs(pki, files: Path) -> dict[str, tuple[dict, str]]:
    """case -> (module arguments without icaroot, regular expression the error must match)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    pem = pki.root.pem

    def put(name: str, data: bytes) -> str:
        (files / name).write_bytes(data)
        return str(files / name)

    expired = pki.issue(
        "Expired Root",
        key=pki.fresh_key(),
        not_before=now - datetime.timedelta(days=400),
        not_after=now - datetime.timedelta(days=3),
    )
    big = pki.issue("Big Root", key=pki.key("rsa8192"))
    other = pki.issue("Another Root", key=pki.fresh_key())
    where = r"to \S+/keystore/cacerts: "
    return {
        "truncated_pem": (
            {"src": put("truncated.pem", pem[: len(pem) // 2])},
            "cannot add root certificate truncated.pem " + where + "the PEM data is truncated",
        ),
        "garbage": (
            {"src": put("garbage.pem", b"<html>404 Not Found</html>\n")},
            "cannot add root certificate garbage.pem " + where + "it is neither PEM .* nor DER",
        ),
        "empty_file": (
            {"src": put("empty.pem", b"")},
            "cannot add root certificate empty.pem " + where + "the input is empty",
        ),
        "rsa_8192_root": (
            {"src": put("big-root.pem", big.pem)},
            "cannot add root certificate big-root.pem "
            + where
            + "RSA key is 8192 bits, the client accepts at most 4096$",
        ),
        "rsa_8192_root_check_mode": (
            {"src": put("big-root.pem", big.pem), "_check_mode": True},
            "RSA key is 8192 bits, the client accepts at most 4096$",
        ),
        "leaf": (
            {"src": put("server.pem", pki.leaf.pem)},
            "cannot add root certificate server.pem "
            + where
            + r"it is not a CA certificate \(basicConstraints CA:FALSE\)",
        ),
        "leaf_as_intermediate": (
            {"src": put("server.pem", pki.leaf.pem), "kind": "intermediate"},
            r"cannot add intermediate certificate server.pem to \S+/keystore/intcerts: it is not a CA",
        ),
        "expired_root": (
            {"src": put("expired.pem", expired.pem)},
            "cannot add root certificate expired.pem " + where + r"it expired on \S+Z \(set expired=warn",
        ),
        "root_not_self_signed": (
            {"src": put("issuing.pem", pki.intermediate.pem)},
            "cannot add root certificate issuing.pem "
            + where
            + r"it is not self-signed \(issued by CN=Test Root CA",
        ),
        "bundle_with_one_bad_member": (
            {"src": put("roots.pem", other.pem + big.pem)},
            r"roots.pem .*certificate 2 of 2 \(CN=Big Root,O=icaclient test PKI\): RSA key is 8192 bits",
        ),
        "private_key_in_file": (
            {"src": put("with-key.pem", other.pem + pki.intermediate.key_pem)},
            "PEM block 2 of 2 is a PRIVATE KEY: refusing to put key material into the keystore",
        ),
        "missing_src": (
            {"src": str(files / "nowhere.pem")},
            r"cannot add root certificate nowhere.pem .*: cannot read \S+/nowhere.pem: No such file or directory",
        ),
        "src_is_a_folder": ({"src": str(files)}, "is a directory, not a certificate file"),
        "missing_icaroot": (
            {"src": put("ok.pem", other.pem), "icaroot": str(files / "no-icaroot")},
            r"ICAROOT \S+/no-icaroot does not exist \(is the Citrix Workspace app installed there\?\)",
        ),
        "read_only_keystore": (
            {"src": put("ok.pem", other.pem)},
            "cannot add root certificate ok.pem "
            + where
            + r"cannot write .*: Operation not permitted.*; nothing was changed"
            r"|Read-only file system.*; nothing was changed",
        ),
        "fingerprint_pin_mismatch": (
            {"content": other.pem.decode(), "fingerprint": pki.root.fingerprint},
            r"cannot add root certificate \(content\) .*its SHA-256 fingerprint is .*, not the expected",
        ),
        "unusable_name": (
            {"src": put("ok.pem", other.pem), "name": "../../etc/x"},
            "is not usable as a file name",
        ),
        "bad_fingerprint_to_remove": (
            {"fingerprint": "12:34", "state": "absent"},
            "cannot remove root certificate 12:34 from .*'12:34' is not a SHA-256 fingerprint",
        ),
        "garbage_to_remove": (
            {"content": "garbage", "state": "absent"},
            r"cannot remove root certificate \(content\) from \S+/cacerts: it is neither PEM",
        ),
        "src_and_content": (
            {"src": put("ok.pem", other.pem), "content": other.pem.decode()},
            "parameters are mutually exclusive: src|content",
        ),
        "nothing_to_add": (
            {"name": "x"},
            "state is present but any of the following are missing: src, content",
        ),
        "no_cryptography_on_host": (
            {"src": put("ok.pem", other.pem), "_python": str(python_without_cryptography())},
            r"Failed to import the required Python library \(cryptography\)",
        ),
    }


def _seeded_icaroot(base: Path, pki) -> Path:
    """An ICAROOT whose keystore already holds a root and its link, so a stray write would show."""
    icaroot = base / "icaroot"
    folder = icaroot / "keystore" / "cacerts"
    folder.mkdir(parents=True)
    (folder / "existing.pem").write_bytes(pki.root.pem)
    subprocess.run(["openssl", "rehash", str(folder)], check=True, capture_output=True)
    return icaroot


@pytest.fixture(scope="module")
def bad_input_run(pki, tmp_path_factory):
    base = tmp_path_factory.mktemp("bad-input")
    files = base / "files"
    files.mkdir()
    cases = _bad_inputs(pki, files)
    assert list(cases) == CASES  # every case defined is run by a test below, and only those
    tasks = []
    sandboxes: dict[str, Path] = {}
    for case, (args, _pattern) in cases.items():
        args = dict(args)
        icaroot = _seeded_icaroot(base / case, pki)
        sandboxes[case] = icaroot
        task: dict = {"name": case, "ignore_errors": True}
        if args.pop("_check_mode", False):
            task["check_mode"] = True
        python = args.pop("_python", None)
        if python:
            task["vars"] = {"ansible_python_interpreter": python}
        args.setdefault("icaroot", str(icaroot))
        task["icaclient.linux.keystore_cert"] = args
        tasks.append(task)
    playbook = base / "bad-input.yml"
    playbook.write_text(
        json.dumps(
            [{"name": "Feed the module bad input", "hosts": "all", "gather_facts": False, "tasks": tasks}]
        )
    )
    before = {case: snapshot(icaroot / "keystore" / "cacerts") for case, icaroot in sandboxes.items()}
    with read_only(sandboxes["read_only_keystore"] / "keystore" / "cacerts"):
        run = run_playbook(playbook, expect_failure=True)
    after = {case: snapshot(icaroot / "keystore" / "cacerts") for case, icaroot in sandboxes.items()}
    assert len(run.results) == len(cases), run.stdout + run.stderr
    results = dict(zip(cases, run.results))
    yield {"cases": cases, "results": results, "before": before, "after": after, "sandboxes": sandboxes}
    for icaroot in sandboxes.values():
        shutil.rmtree(icaroot.parent, ignore_errors=True)


CASES = [
    "truncated_pem",
    "garbage",
    "empty_file",
    "rsa_8192_root",
    "rsa_8192_root_check_mode",
    "leaf",
    "leaf_as_intermediate",
    "expired_root",
    "root_not_self_signed",
    "bundle_with_one_bad_member",
    "private_key_in_file",
    "missing_src",
    "src_is_a_folder",
    "missing_icaroot",
    "read_only_keystore",
    "fingerprint_pin_mismatch",
    "unusable_name",
    "bad_fingerprint_to_remove",
    "garbage_to_remove",
    "src_and_content",
    "nothing_to_add",
    "no_cryptography_on_host",
]


@pytest.mark.parametrize("case", CASES)
def test_bad_input_fails_clearly_and_changes_nothing(bad_input_run, case):
    result = bad_input_run["results"][case]
    pattern = bad_input_run["cases"][case][1]
    assert result["_status"] == "FAILED!", result
    assert re.search(pattern, result["msg"]), result["msg"]
    assert not result.get("changed")
    assert bad_input_run["after"][case] == bad_input_run["before"][case]
    assert not (bad_input_run["sandboxes"][case] / "keystore" / "intcerts").exists()


# ---------------------------------------------------------------------------
# certificates=[...]: many certificates in one call


def test_list_root_pem_and_der_intermediate_four_steps_then_openssl_verifies(pki, icaroot, tmp_path):
    cacerts, intcerts = _cacerts(icaroot), icaroot / "keystore" / "intcerts"
    der = pki.write(pki.intermediate, "Issuing CA 1.crt", fmt="der", directory=tmp_path)
    args = {
        "icaroot": str(icaroot),
        "certificates": [
            {"src": str(pki.path("root")), "name": "corp-root"},
            {"src": str(der), "kind": "intermediate"},
        ],
    }
    assert openssl_verify(cacerts, pki.path("leaf"), pki.path("intermediate")).returncode != 0
    before = snapshot(icaroot)

    check = run_module("keystore_cert", args, check=True, diff=True)
    assert not check["failed"] and check["changed"], check["_stdout"]
    assert [entry["paths"] for entry in check["certificates"]] == [
        [str(cacerts / "corp-root.pem")],
        [str(intcerts / "Issuing-CA-1.pem")],
    ]
    assert "+corp-root.pem  CN=Test Root CA,O=icaclient test PKI sha256=" in check["_stdout"]
    assert f"--- before: {intcerts}/ (missing)" in check["_stdout"]
    assert "+Issuing-CA-1.pem  CN=Test Issuing CA" in check["_stdout"]
    assert snapshot(icaroot) == before

    applied = run_module("keystore_cert", args, diff=True)
    assert not applied["failed"] and applied["changed"]
    root_link, int_link = openssl_hash(pki.path("root")) + ".0", openssl_hash(pki.path("intermediate")) + ".0"
    assert [(e["kind"], e["state"], e["changed"], e["hash_links"]) for e in applied["certificates"]] == [
        ("root", "present", True, [root_link]),
        ("intermediate", "present", True, [int_link]),
    ]
    assert applied["certificates"][1]["fingerprint"] == pki.intermediate.fingerprint
    assert applied["rehash"] == {
        str(cacerts): {"changed": True, "created": [root_link], "removed": []},
        str(intcerts): {"changed": True, "created": [int_link], "removed": []},
    }
    assert (cacerts / "corp-root.pem").read_bytes() == pki.root.pem
    assert (intcerts / "Issuing-CA-1.pem").read_bytes() == pki.intermediate.pem  # DER converted to PEM
    assert hash_links(cacerts) == {root_link: "corp-root.pem"} and hash_links(intcerts) == {
        int_link: "Issuing-CA-1.pem"
    }
    written = snapshot(icaroot)

    again = run_module("keystore_cert", args, check=True)
    assert not again["failed"] and not again["changed"]
    final = run_module("keystore_cert", args)
    assert not final["failed"] and not final["changed"]
    assert [entry["certificates"][0]["action"] for entry in final["certificates"]] == ["present", "present"]
    assert all(facts["changed"] is False for facts in final["rehash"].values())
    assert snapshot(icaroot) == written  # not even rewritten with the same bytes

    verified = openssl_verify(cacerts, pki.path("leaf"), intcerts / "Issuing-CA-1.pem")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_list_adds_two_roots_and_removes_one_in_the_same_folder(pki, icaroot, tmp_path):
    cacerts = _cacerts(icaroot)
    old = pki.issue("Corp Root 2016", key=pki.fresh_key())
    other = pki.issue("Partner Root", key=pki.fresh_key())
    (cacerts / "corp-root-2016.pem").write_bytes(old.pem)
    subprocess.run(["openssl", "rehash", str(cacerts)], check=True, capture_output=True)
    args = {
        "icaroot": str(icaroot),
        "certificates": [
            {"src": str(pki.path("root")), "name": "corp-root"},
            {"content": other.pem.decode(), "name": "partner-root"},
            {"name": "corp-root-2016", "state": "absent"},
        ],
    }
    applied = run_module("keystore_cert", args)
    assert not applied["failed"] and applied["changed"], applied["_stdout"]
    assert applied["certificates"][2]["removed"] == [str(cacerts / "corp-root-2016.pem")]
    assert sorted(path.name for path in cacerts.glob("*.pem")) == ["corp-root.pem", "partner-root.pem"]
    assert list(applied["rehash"]) == [str(cacerts)]
    assert hash_links(cacerts) == openssl_rehash_links(cacerts, tmp_path / "openssl")
    assert not run_module("keystore_cert", args)["changed"]


def test_empty_list_changes_and_rehashes_nothing(icaroot):
    os.symlink("removed-long-ago.pem", _cacerts(icaroot) / "deadbeef.0")  # a rehash would remove it
    before = snapshot(icaroot)
    result = run_module("keystore_cert", {"icaroot": str(icaroot), "certificates": []})
    assert not result["failed"] and not result["changed"]
    assert result["certificates"] == [] and result["rehash"] == {}
    assert snapshot(icaroot) == before


def _bad_lists(pki, files: Path) -> dict[str, tuple[dict, str]]:
    """case -> (module arguments without icaroot, regular expression the error must match)."""
    now = datetime.datetime.now(datetime.timezone.utc)

    def put(name: str, data: bytes) -> str:
        (files / name).write_bytes(data)
        return str(files / name)

    good = put("partner.pem", pki.issue("Partner Root", key=pki.fresh_key()).pem)
    expired = put(
        "expired.pem",
        pki.issue(
            "Expired Root",
            key=pki.fresh_key(),
            not_before=now - datetime.timedelta(days=400),
            not_after=now - datetime.timedelta(days=3),
        ).pem,
    )
    big = put("big-root.pem", pki.issue("Big Root", key=pki.key("rsa8192")).pem)
    # valid, and the first: it would create intcerts if anything were written
    first = {"src": str(pki.path("intermediate")), "kind": "intermediate"}
    return {
        "key_over_4096": (
            {"certificates": [first, {"src": good}, {"src": big}]},
            rf"^certificates\[2\] \({big}\): cannot add root certificate big-root.pem to \S+/cacerts: "
            "RSA key is 8192 bits, the client accepts at most 4096$",
        ),
        "unreadable_src": (
            {"certificates": [first, {"src": str(files / "nowhere.pem")}]},
            rf"^certificates\[1\] \({files}/nowhere.pem\): cannot add root certificate nowhere.pem .*"
            "No such file or directory$",
        ),
        "expired_under_refuse": (
            {"certificates": [first, {"src": expired}]},
            rf"^certificates\[1\] \({expired}\): .*it expired on \S+Z \(set expired=warn",
        ),
        "expired_refused_by_the_item": (
            {"certificates": [first, {"src": expired, "expired": "refuse"}], "expired": "warn"},
            rf"^certificates\[1\] \({expired}\): .*it expired on",
        ),
        "pin_mismatch": (
            {"certificates": [first, {"src": good, "fingerprint": pki.root.fingerprint}]},
            rf"^certificates\[1\] \({good}\): .*its SHA-256 fingerprint is .*, not the expected",
        ),
        "present_item_without_src_or_content": (
            {"certificates": [first, {"name": "corp"}]},
            r"^certificates\[1\] \(corp\): cannot add a certificate: give src or content$",
        ),
        "item_with_src_and_content": (
            {"certificates": [first, {"src": good, "content": "x"}]},
            "parameters are mutually exclusive: src|content found in certificates",
        ),
        "item_with_nothing": (
            {"certificates": [first, {"state": "absent"}]},
            "one of the following is required: src, content, name, fingerprint found in certificates",
        ),
        "list_and_src": (
            {"certificates": [first], "src": good},
            "parameters are mutually exclusive: certificates|src",
        ),
        "read_only_cacerts_rolls_back_intcerts": (
            {"certificates": [first, {"src": good}]},
            rf"^certificates\[1\] \({good}\): cannot add root certificate partner.pem to \S+/cacerts: "
            r"cannot write .*(Operation not permitted|Read-only file system).*; nothing was changed$",
        ),
    }


LIST_CASES = [
    "key_over_4096",
    "unreadable_src",
    "expired_under_refuse",
    "expired_refused_by_the_item",
    "pin_mismatch",
    "present_item_without_src_or_content",
    "item_with_src_and_content",
    "item_with_nothing",
    "list_and_src",
    "read_only_cacerts_rolls_back_intcerts",
]


@pytest.fixture(scope="module")
def bad_list_run(pki, tmp_path_factory):
    base = tmp_path_factory.mktemp("bad-list")
    files = base / "files"
    files.mkdir()
    cases = _bad_lists(pki, files)
    assert list(cases) == LIST_CASES
    sandboxes = {case: _seeded_icaroot(base / case, pki) for case in cases}
    tasks = [
        {
            "name": case,
            "ignore_errors": True,
            "icaclient.linux.keystore_cert": {"icaroot": str(sandboxes[case]), **args},
        }
        for case, (args, _pattern) in cases.items()
    ]
    playbook = base / "bad-list.yml"
    playbook.write_text(
        json.dumps(
            [{"name": "Feed the module bad lists", "hosts": "all", "gather_facts": False, "tasks": tasks}]
        )
    )
    # folder times left out: a rolled back intcerts/ was made and removed, which keystore/ records
    before = {case: snapshot(icaroot, folder_times=False) for case, icaroot in sandboxes.items()}
    with read_only(_cacerts(sandboxes["read_only_cacerts_rolls_back_intcerts"])):
        run = run_playbook(playbook, expect_failure=True)
    after = {case: snapshot(icaroot, folder_times=False) for case, icaroot in sandboxes.items()}
    assert len(run.results) == len(cases), run.stdout + run.stderr
    yield {"cases": cases, "results": dict(zip(cases, run.results)), "before": before, "after": after}
    for icaroot in sandboxes.values():
        shutil.rmtree(icaroot.parent, ignore_errors=True)


@pytest.mark.parametrize("case", LIST_CASES)
def test_bad_item_fails_naming_it_and_changes_no_file(bad_list_run, case):
    result = bad_list_run["results"][case]
    assert result["_status"] == "FAILED!", result
    assert re.search(bad_list_run["cases"][case][1], result["msg"]), result["msg"]
    assert not result.get("changed")
    assert bad_list_run["after"][case] == bad_list_run["before"][case]  # the whole ICAROOT, intcerts absent
