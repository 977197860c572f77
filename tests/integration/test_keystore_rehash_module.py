# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""icaclient.linux.keystore_rehash run for real through ``ansible localhost -m``.

Four steps (check, apply, check, apply) on a sandbox keystore, then ``openssl
verify -CApath`` proves that a chain verifies against the folder; the links
equal those of ``openssl rehash`` on a copy. Bad input fails clearly and
changes nothing. ``method=ctx_rehash`` runs a stand-in of the client's tool.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import ansible_run
import pytest
from helpers import hash_links, openssl_rehash_links, snapshot
from keystore_sandbox import openssl_hash, openssl_verify, read_only


@pytest.fixture
def keystore(pki, icaroot: Path) -> Path:
    """cacerts with the test root, a stale link and a file that is not a certificate."""
    cacerts = icaroot / "keystore" / "cacerts"
    shutil.copy(pki.path("root"), cacerts / "corp-root.pem")
    os.symlink("removed-long-ago.pem", cacerts / "deadbeef.0")
    (cacerts / "README").write_text("certificates of the corporate PKI\n")
    return cacerts


@pytest.fixture
def chain(pki, tmp_path: Path) -> tuple[Path, Path]:
    """(leaf, untrusted intermediate) PEM files of a chain to the test root."""
    leaf, intermediate = tmp_path / "leaf.pem", tmp_path / "intermediate.pem"
    leaf.write_bytes(pki.leaf.pem)
    intermediate.write_bytes(pki.intermediate.pem)
    return leaf, intermediate


def rehash(args: dict, **options) -> dict:
    return ansible_run.run_module("keystore_rehash", args, **options)


def warnings_of(result: dict) -> str:
    """The module's warnings: an ad-hoc run shows them on stderr, not in the result."""
    shown = [
        line[len("[WARNING]: ") :]
        for line in result["_stderr"].splitlines()
        if line.startswith("[WARNING]: ")
    ]
    return "\n".join([*result.get("warnings", []), *shown])


def test_four_steps_then_openssl_verifies(keystore: Path, chain: tuple[Path, Path], tmp_path: Path) -> None:
    leaf, intermediate = chain
    root_hash = openssl_hash(keystore / "corp-root.pem")
    assert openssl_verify(keystore, leaf, intermediate).returncode != 0, "verifies before the rehash"
    before = snapshot(keystore)

    checked = rehash({"path": str(keystore)}, check=True, diff=True)
    assert not checked["failed"], checked["_stdout"]
    assert checked["changed"]
    assert checked["created"] == [f"{root_hash}.0"] and checked["removed"] == ["deadbeef.0"]
    assert f"+{root_hash}.0 -> corp-root.pem" in checked["_stdout"]
    assert "-deadbeef.0 -> removed-long-ago.pem" in checked["_stdout"]
    assert snapshot(keystore) == before

    applied = rehash({"path": str(keystore)}, diff=True)
    assert applied["changed"]
    assert (applied["created"], applied["removed"]) == (checked["created"], checked["removed"])
    assert applied["links"] == checked["links"] == {f"{root_hash}.0": "corp-root.pem"}
    assert hash_links(keystore) == applied["links"]
    assert (keystore / "README").read_text() == "certificates of the corporate PKI\n"

    after = snapshot(keystore, include_roots=True)
    again_checked = rehash({"path": str(keystore)}, check=True)
    assert not again_checked["changed"] and again_checked["created"] == [] and again_checked["removed"] == []
    again = rehash({"path": str(keystore)})
    assert not again["changed"]
    assert snapshot(keystore, include_roots=True) == after

    verified = openssl_verify(keystore, leaf, intermediate)
    assert verified.returncode == 0, verified.stdout + verified.stderr

    # the same folder as openssl rehash makes it
    theirs = tmp_path / "openssl"
    shutil.copytree(keystore, theirs, symlinks=True)
    for link in hash_links(theirs):
        os.unlink(theirs / link)
    subprocess.run(["openssl", "rehash", str(theirs)], check=True, capture_output=True)
    assert hash_links(theirs) == hash_links(keystore)


def test_warnings_name_skipped_files_and_links_outside(pki, keystore: Path, tmp_path: Path) -> None:
    (keystore / "bundle.pem").write_bytes(pki.root.pem + pki.intermediate.pem)
    (keystore / "intermediate.crt").write_bytes(pki.intermediate.der)
    os.symlink("/etc/hostname", keystore / "12345678.0")
    result = rehash({"path": str(keystore)})
    assert result["changed"]
    warnings = warnings_of(result)
    assert f"skipping {keystore}/bundle.pem: it does not contain exactly one certificate or CRL" in warnings
    assert f"skipping {keystore}/intermediate.crt" in warnings
    # a hash link leaving the folder that reaches no certificate of its hash goes, as with openssl rehash
    assert "12345678.0" in result["removed"] and not os.path.lexists(keystore / "12345678.0")


# --- bad input ---------------------------------------------------------------------------------


def test_missing_folder_fails_naming_it(tmp_path: Path) -> None:
    result = rehash({"path": str(tmp_path / "no-keystore")}, expect_failure=True)
    assert result["failed"]
    assert result["msg"] == f"cannot rehash {tmp_path}/no-keystore: no such folder"


def test_a_file_is_not_a_keystore_folder(keystore: Path) -> None:
    result = rehash({"path": str(keystore / "corp-root.pem")}, expect_failure=True)
    assert result["failed"]
    assert result["msg"] == f"cannot rehash {keystore}/corp-root.pem: not a folder"


def test_read_only_keystore_fails_and_changes_nothing(keystore: Path) -> None:
    before = snapshot(keystore)
    first_link = f"{openssl_hash(keystore / 'corp-root.pem')}.0"
    with read_only(keystore):
        result = rehash({"path": str(keystore)}, expect_failure=True)
        assert result["failed"]
        assert result["msg"].startswith(f"cannot rehash {keystore}: cannot change link {first_link}: ")
        assert any(cause in result["msg"] for cause in ("Operation not permitted", "Read-only file system"))
        assert snapshot(keystore) == before
        predicted = rehash({"path": str(keystore)}, check=True)
        assert predicted["changed"] and not predicted["failed"]
        assert "is not writable: the links cannot be changed" in warnings_of(predicted)


def test_read_only_keystore_already_right_passes(keystore: Path) -> None:
    assert rehash({"path": str(keystore)})["changed"]
    with read_only(keystore):
        result = rehash({"path": str(keystore)})
    assert not result["failed"] and not result["changed"]


def test_unknown_method_is_refused(keystore: Path) -> None:
    result = rehash({"path": str(keystore), "method": "c_rehash"}, expect_failure=True)
    assert result["failed"] and "value of method must be one of: builtin, ctx_rehash" in result["msg"]


# --- method=ctx_rehash ---------------------------------------------------------------------------

STAND_IN = """#!/bin/sh
# stand-in for the client's ctx_rehash: records how it was run, then rehashes its cwd
printf '%s|%s|%s\\n' "$PWD" "$#" "$*" >> "{log}"
{body}
"""


def install_ctx_rehash(where: Path, log: Path, body: str = 'exec openssl rehash "$PWD"') -> Path:
    where.mkdir(parents=True, exist_ok=True)
    tool = where / "ctx_rehash"
    tool.write_text(STAND_IN.format(log=log, body=body))
    tool.chmod(tool.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return tool


def test_ctx_rehash_four_steps_runs_the_tool_without_arguments_in_the_folder(
    keystore: Path, icaroot: Path, chain: tuple[Path, Path], tmp_path: Path
) -> None:
    log = tmp_path / "ctx_rehash.log"
    tool = install_ctx_rehash(icaroot / "util", log)
    root_hash = openssl_hash(keystore / "corp-root.pem")
    args = {"path": str(keystore), "method": "ctx_rehash"}
    before = snapshot(keystore)

    checked = rehash(args, check=True)
    assert checked["changed"] and checked["created"] == [f"{root_hash}.0"]
    assert not log.exists(), "check mode ran the tool"
    assert snapshot(keystore) == before

    applied = rehash(args)
    assert applied["changed"], applied["_stdout"]
    assert applied["cmd"] == [str(tool)]
    assert log.read_text() == f"{keystore}|0|\n"
    assert applied["created"] == [f"{root_hash}.0"] and applied["removed"] == ["deadbeef.0"]
    assert hash_links(keystore) == applied["links"] == {f"{root_hash}.0": "corp-root.pem"}

    assert not rehash(args, check=True)["changed"]
    again = rehash(args)
    assert not again["changed"]
    assert log.read_text().count("\n") == 2

    leaf, intermediate = chain
    verified = openssl_verify(keystore, leaf, intermediate)
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_ctx_rehash_from_an_explicit_path_and_from_the_path(keystore: Path, tmp_path: Path) -> None:
    log = tmp_path / "ctx_rehash.log"
    tool = install_ctx_rehash(tmp_path / "elsewhere", log)
    result = rehash({"path": str(keystore), "method": "ctx_rehash", "ctx_rehash_path": str(tool)})
    assert result["changed"] and result["cmd"] == [str(tool)]

    in_path = install_ctx_rehash(tmp_path / "bin", log)
    os.unlink(keystore / result["created"][0])
    env = {"PATH": f"{in_path.parent}:{os.environ['PATH']}"}
    found = rehash({"path": str(keystore), "method": "ctx_rehash"}, env=env)
    assert found["changed"] and found["cmd"] == [str(in_path)]
    assert log.read_text().count("\n") == 2


def test_ctx_rehash_missing_fails_clearly(keystore: Path, icaroot: Path) -> None:
    before = snapshot(keystore)
    result = rehash({"path": str(keystore), "method": "ctx_rehash"}, expect_failure=True)
    assert result["failed"]
    expected = f"cannot rehash {keystore} with ctx_rehash: the client's tool is not installed"
    assert result["msg"].startswith(expected)
    assert result["cmd"] == [str(icaroot / "util" / "ctx_rehash")]
    assert snapshot(keystore) == before


def test_ctx_rehash_failing_reports_cmd_rc_and_stderr(keystore: Path, icaroot: Path, tmp_path: Path) -> None:
    tool = install_ctx_rehash(icaroot / "util", tmp_path / "log", body='echo "keystore locked" >&2; exit 3')
    result = rehash({"path": str(keystore), "method": "ctx_rehash"}, expect_failure=True)
    assert result["failed"]
    assert result["msg"] == f"cannot rehash {keystore}: {tool} failed with exit code 3: keystore locked"
    assert (result["cmd"], result["rc"], result["stderr"].strip()) == ([str(tool)], 3, "keystore locked")


def test_ctx_rehash_that_makes_other_links_is_reported(keystore: Path, icaroot: Path, tmp_path: Path) -> None:
    # a tool that links with the pre-1.0 hash, as an old c_rehash would
    install_ctx_rehash(icaroot / "util", tmp_path / "log", body='exec openssl rehash -old "$PWD"')
    result = rehash({"path": str(keystore), "method": "ctx_rehash"})
    assert result["changed"]
    assert "differ from the ones openssl rehash makes" in warnings_of(result)


def test_ctx_rehash_on_a_missing_folder_names_the_folder(tmp_path: Path) -> None:
    result = rehash(
        {"path": str(tmp_path / "keystore" / "cacerts"), "method": "ctx_rehash"}, expect_failure=True
    )
    assert result["failed"]
    assert result["msg"] == f"cannot rehash {tmp_path}/keystore/cacerts: no such folder"


# --- icaroot=...: both keystore folders in one call ----------------------------------------------


@pytest.fixture
def intcerts(pki, keystore: Path) -> Path:
    """intcerts beside ``keystore`` (cacerts) with the test intermediate, not yet linked."""
    folder = keystore.parent / "intcerts"
    folder.mkdir()
    shutil.copy(pki.path("intermediate"), folder / "issuing-ca.pem")
    return folder


def test_icaroot_four_steps_rehashes_both_folders_as_openssl_does(
    keystore: Path, intcerts: Path, icaroot: Path, chain: tuple[Path, Path], tmp_path: Path
) -> None:
    leaf, _intermediate = chain
    root_hash, int_hash = openssl_hash(keystore / "corp-root.pem"), openssl_hash(intcerts / "issuing-ca.pem")
    args = {"icaroot": str(icaroot)}
    before = (snapshot(keystore), snapshot(intcerts))

    checked = rehash(args, check=True, diff=True)
    assert not checked["failed"] and checked["changed"], checked["_stdout"]
    assert [(f["path"], f["changed"], f["created"], f["removed"]) for f in checked["folders"]] == [
        (str(keystore), True, [f"{root_hash}.0"], ["deadbeef.0"]),
        (str(intcerts), True, [f"{int_hash}.0"], []),
    ]
    assert checked["skipped_folders"] == [] and checked["method"] == "builtin"
    assert f"+{root_hash}.0 -> corp-root.pem" in checked["_stdout"]
    assert f"+{int_hash}.0 -> issuing-ca.pem" in checked["_stdout"]
    assert (snapshot(keystore), snapshot(intcerts)) == before

    applied = rehash(args)
    assert applied["changed"]
    assert [f["links"] for f in applied["folders"]] == [hash_links(keystore), hash_links(intcerts)]
    assert hash_links(keystore) == openssl_rehash_links(keystore, tmp_path / "cacerts")
    assert hash_links(intcerts) == openssl_rehash_links(intcerts, tmp_path / "intcerts")

    after = (snapshot(keystore, include_roots=True), snapshot(intcerts, include_roots=True))
    again_checked = rehash(args, check=True)
    assert not again_checked["changed"] and not any(f["changed"] for f in again_checked["folders"])
    again = rehash(args)
    assert not again["changed"]
    assert (snapshot(keystore, include_roots=True), snapshot(intcerts, include_roots=True)) == after

    verified = openssl_verify(keystore, leaf, intcerts / "issuing-ca.pem")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_icaroot_without_intcerts_rehashes_cacerts_and_lists_intcerts_skipped(
    keystore: Path, icaroot: Path
) -> None:
    result = rehash({"icaroot": str(icaroot)})
    # the result must not carry a true "skipped": Ansible would report the whole task as skipped
    assert "| CHANGED =>" in result["_stdout"] and not result["failed"]
    assert [f["path"] for f in result["folders"]] == [str(keystore)]
    assert result["skipped_folders"] == [str(icaroot / "keystore" / "intcerts")]
    assert hash_links(keystore) == result["folders"][0]["links"]
    assert not (icaroot / "keystore" / "intcerts").exists()


def test_icaroot_missing_or_without_keystore_fails_naming_it(tmp_path: Path) -> None:
    missing = rehash({"icaroot": str(tmp_path / "no-icaroot")}, expect_failure=True)
    assert missing["failed"]
    assert missing["msg"] == (
        f"cannot rehash the keystore: ICAROOT {tmp_path}/no-icaroot does not exist"
        f" (is the Citrix Workspace app installed in {tmp_path}/no-icaroot?)"
    )
    (tmp_path / "bare").mkdir()
    bare = rehash({"icaroot": str(tmp_path / "bare")}, expect_failure=True)
    assert bare["failed"]
    assert bare["msg"].startswith(f"cannot rehash the keystore: {tmp_path}/bare/keystore does not exist")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"path": "/tmp", "icaroot": "/tmp"}, "parameters are mutually exclusive: path|icaroot"),
        ({"method": "builtin"}, "one of the following is required: path, icaroot"),
    ],
)
def test_path_and_icaroot_one_of_them(args: dict, message: str) -> None:
    result = rehash(args, expect_failure=True)
    assert result["failed"] and message in result["msg"]


def test_icaroot_ctx_rehash_runs_the_tool_in_each_folder(
    keystore: Path, intcerts: Path, icaroot: Path, tmp_path: Path
) -> None:
    log = tmp_path / "ctx_rehash.log"
    tool = install_ctx_rehash(icaroot / "util", log)
    args = {"icaroot": str(icaroot), "method": "ctx_rehash"}
    checked = rehash(args, check=True)
    assert checked["changed"] and not log.exists(), "check mode ran the tool"
    assert all("cmd" not in f for f in checked["folders"])
    applied = rehash(args)
    assert applied["changed"], applied["_stdout"]
    assert log.read_text() == f"{keystore}|0|\n{intcerts}|0|\n"
    assert [f["cmd"] for f in applied["folders"]] == [[str(tool)], [str(tool)]]
    assert [f["links"] for f in applied["folders"]] == [hash_links(keystore), hash_links(intcerts)]
    assert not rehash(args)["changed"]


def test_icaroot_failure_in_intcerts_says_cacerts_was_changed(
    keystore: Path, intcerts: Path, icaroot: Path, tmp_path: Path
) -> None:
    body = 'case "$PWD" in */intcerts) echo "keystore locked" >&2; exit 3;; esac\nexec openssl rehash "$PWD"'
    tool = install_ctx_rehash(icaroot / "util", tmp_path / "log", body=body)
    before = snapshot(intcerts)
    result = rehash({"icaroot": str(icaroot), "method": "ctx_rehash"}, expect_failure=True)
    assert result["failed"]
    assert result["msg"] == (
        f"cannot rehash {intcerts}: {tool} failed with exit code 3: keystore locked"
        f" (the links of {keystore} were changed before)"
    )
    assert (result["cmd"], result["rc"]) == ([str(tool)], 3)
    assert snapshot(intcerts) == before


# --- keystores as endpoints have them: certificate files that are links, names that are not UTF-8 ---

MOZILLA = Path("/usr/share/ca-certificates/mozilla")


@pytest.mark.skipif(not MOZILLA.is_dir(), reason="needs the ca-certificates package")
@pytest.mark.parametrize("folder_is_a_link", [False, True], ids=["cacerts", "cacerts-is-a-link"])
def test_mozilla_roots_linked_in_keep_every_hash_link(
    pki, icaroot: Path, tmp_path: Path, folder_is_a_link: bool
) -> None:
    """ln -s /usr/share/ca-certificates/mozilla/* cacerts/ && openssl rehash: the module keeps all."""
    cacerts = icaroot / "keystore" / "cacerts"
    if folder_is_a_link:
        real = tmp_path / "system-ca"
        real.mkdir()
        cacerts.rmdir()
        os.symlink(str(real), cacerts)
    for name in os.listdir(MOZILLA):
        os.symlink(str(MOZILLA / name), cacerts / name)
    shutil.copy(pki.path("root"), cacerts / "corp-root.pem")
    subprocess.run(["openssl", "rehash", str(cacerts)], check=True, capture_output=True)
    made_by_openssl = hash_links(cacerts)
    assert len(made_by_openssl) > len(os.listdir(MOZILLA))  # with the sandbox's stock roots
    before = snapshot(cacerts, include_roots=True)
    for check in (True, False):
        result = rehash({"path": str(cacerts)}, check=check)
        assert not result["changed"] and result["created"] == [] and result["removed"] == []
        assert result["links"] == made_by_openssl
    assert snapshot(cacerts, include_roots=True) == before
    # the whole keystore through icaroot, as the role runs it
    result = rehash({"icaroot": str(icaroot)})
    assert not result["changed"] and result["folders"][0]["links"] == made_by_openssl
    # and from scratch the module makes what openssl made
    for link in made_by_openssl:
        os.unlink(cacerts / link)
    result = rehash({"path": str(cacerts)})
    assert hash_links(cacerts) == made_by_openssl and result["removed"] == []


def test_a_file_name_that_is_not_utf8_is_linked_and_reported_escaped(pki, keystore: Path) -> None:
    name = os.fsdecode(b"caf\xe9.pem")
    os.unlink(keystore / "corp-root.pem")
    shutil.copy(pki.path("root"), keystore / name)
    os.symlink(os.fsdecode(b"\xff-gone.pem"), keystore / "0badf00d.0")
    first = rehash({"path": str(keystore)})
    link = openssl_hash(keystore / name) + ".0"
    assert first["changed"] and first["links"] == {link: "caf\\xe9.pem"}
    assert sorted(first["removed"]) == ["0badf00d.0", "deadbeef.0"]
    assert hash_links(keystore) == {link: name}
    before = snapshot(keystore, include_roots=True)
    for check in (True, False):
        again = rehash({"path": str(keystore)}, check=check)
        assert not again["changed"] and again["links"] == {link: "caf\\xe9.pem"}
    assert snapshot(keystore, include_roots=True) == before
