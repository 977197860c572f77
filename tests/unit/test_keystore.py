"""Planning, applying and auditing keystore changes (module_utils/_keystore/) on real folders.

Hash links in the audit tests are made by the system ``openssl rehash``, an
independent tool, so the audit is checked against what OpenSSL really does.
"""

from __future__ import annotations

import datetime
import os
import subprocess
from pathlib import Path

import pytest
from helpers import hash_links, openssl_rehash_links, snapshot

from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError
from ansible_collections.icaclient.linux.plugins.module_utils._keystore import (
    CertificateItem,
    apply_plan,
    apply_plans,
    audit_keystore,
    ensure_certificates,
    folder_after,
    plan_add,
    plan_certificate,
    plan_remove,
)
from ansible_collections.icaclient.linux.plugins.module_utils._rehash import keystore_folders, rehash_keystore

UTC = datetime.timezone.utc


def ensure_one(icaroot: Path, item: CertificateItem, **kwargs) -> tuple[dict, dict]:
    """keystore_cert's call without ``certificates``: a list of one item; (the result, the item's entry)."""
    result = ensure_certificates(icaroot=str(icaroot), certificates=[item], **kwargs)
    return result, result["certificates"][0]


def add(icaroot: Path, data: bytes, *, kind: str = "root", source: str | None = "corp-root.pem", **kwargs):
    plan = plan_add(icaroot=str(icaroot), kind=kind, data=data, source_name=source, **kwargs)
    apply_plan(plan)
    return plan


def cacerts(icaroot: Path) -> Path:
    return icaroot / "keystore" / "cacerts"


# ---------------------------------------------------------------------------
# File names


@pytest.mark.parametrize(
    ("source", "name", "expected"),
    [
        ("corp-root.pem", None, "corp-root.pem"),
        ("Corp Root 2026.CRT", None, "Corp-Root-2026.pem"),
        ("rootB.der.crt", None, "rootB.pem"),
        ("corp-root.der", None, "corp-root.pem"),
        (None, None, "test-root-ca.pem"),
        ("whatever.pem", "sandbox-root", "sandbox-root.pem"),
        ("whatever.pem", "sandbox-root.pem", "sandbox-root.pem"),
    ],
)
def test_single_certificate_file_name(pki, icaroot, source, name, expected):
    plan = add(icaroot, pki.root.pem, source=source, name=name)
    assert [change.name for change in plan.changes] == [expected]
    written = cacerts(icaroot) / expected
    assert written.read_bytes() == pki.root.pem
    assert written.stat().st_mode & 0o777 == 0o644


def test_bundle_files_are_named_per_subject(pki, icaroot):
    other = pki.issue("Other Issuing CA", issuer=pki.root, key=pki.fresh_key())
    plan = add(icaroot, pki.intermediate.pem + other.pem, kind="intermediate", source="chain.pem")
    names = sorted(change.name for change in plan.changes)
    assert names == ["chain-other-issuing-ca.pem", "chain-test-issuing-ca.pem"]
    intcerts = icaroot / "keystore" / "intcerts"
    assert (intcerts / "chain-test-issuing-ca.pem").read_bytes() == pki.intermediate.pem
    assert intcerts.stat().st_mode & 0o777 == 0o755


def test_bundle_names_do_not_shift_when_the_bundle_grows(pki, icaroot):
    """A certificate put in front of a bundle does not rename or rewrite the ones already there."""
    other = pki.issue("Other Issuing CA", issuer=pki.root, key=pki.fresh_key())
    third = pki.issue("Third Issuing CA", issuer=pki.root, key=pki.fresh_key())
    add(icaroot, pki.intermediate.pem + other.pem, kind="intermediate", source="chain.pem")
    before = snapshot(icaroot / "keystore" / "intcerts")
    plan = add(icaroot, third.pem + pki.intermediate.pem + other.pem, kind="intermediate", source="chain.pem")
    assert [change.name for change in plan.changes] == ["chain-third-issuing-ca.pem"]
    after = snapshot(icaroot / "keystore" / "intcerts")
    assert {k: v for k, v in after.items() if k in before} == before


def test_present_under_any_name_is_no_change(pki, icaroot):
    add(icaroot, pki.root.pem, source="one.pem")
    plan = plan_add(icaroot=str(icaroot), kind="root", data=pki.root.der, source_name="two.crt", name="two")
    assert not plan.changed
    assert plan.present == {pki.root.fingerprint: "one.pem"}


def test_explicit_name_is_a_slot_that_a_rotated_root_replaces(pki, icaroot):
    old = pki.issue("Corp Root 2016", key=pki.fresh_key())
    add(icaroot, old.pem, name="corp-root")
    plan = add(icaroot, pki.root.pem, name="corp-root")
    assert [(c.action, c.name) for c in plan.changes] == [("replace", "corp-root.pem")]
    assert any("corp-root.pem held CN=Corp Root 2016" in warning for warning in plan.warnings)
    assert (cacerts(icaroot) / "corp-root.pem").read_bytes() == pki.root.pem


def test_derived_name_never_overwrites_another_certificate(pki, icaroot):
    other = pki.issue("Other Root", key=pki.fresh_key())
    add(icaroot, other.pem, source="ca.pem")
    plan = add(icaroot, pki.root.pem, source="ca.pem")
    suffix = pki.root.fingerprint.replace(":", "").lower()[:8]
    assert [change.name for change in plan.changes] == [f"ca-{suffix}.pem"]
    assert (cacerts(icaroot) / "ca.pem").read_bytes() == other.pem


def test_a_link_in_the_way_is_replaced_not_written_through(pki, icaroot, tmp_path):
    outside = tmp_path / "outside.pem"
    outside.write_bytes(b"not ours\n")
    (cacerts(icaroot) / "corp-root.pem").symlink_to(outside)
    add(icaroot, pki.root.pem, name="corp-root")
    assert outside.read_bytes() == b"not ours\n"
    written = cacerts(icaroot) / "corp-root.pem"
    assert not written.is_symlink() and written.read_bytes() == pki.root.pem


@pytest.mark.parametrize("name", ["../escape", "a/b", ".hidden", "", "abcdef01.0", " padded"])
def test_unusable_names_are_refused(pki, icaroot, name):
    with pytest.raises(
        IcaClientError, match=r"name .* (is not usable as a file name|looks like a hash link)"
    ):
        plan_add(icaroot=str(icaroot), kind="root", data=pki.root.pem, source_name="x.pem", name=name)


# ---------------------------------------------------------------------------
# Refusals change nothing


def test_refused_bundle_writes_nothing(pki, icaroot):
    add(icaroot, pki.root.pem)
    subprocess.run(["openssl", "rehash", str(cacerts(icaroot))], check=True)
    before = snapshot(cacerts(icaroot))
    big = pki.issue("Big Root", key=pki.key("rsa8192"))
    good = pki.issue("Good Root", key=pki.fresh_key())
    with pytest.raises(IcaClientError) as caught:
        plan_add(icaroot=str(icaroot), kind="root", data=good.pem + big.pem, source_name="roots.pem")
    assert caught.value.message == (
        f"cannot add root certificate roots.pem to {cacerts(icaroot)}: certificate 2 of 2 "
        "(CN=Big Root,O=icaclient test PKI): RSA key is 8192 bits, the client accepts at most 4096"
    )
    assert snapshot(cacerts(icaroot)) == before


def test_failed_write_is_rolled_back(pki, icaroot):
    """The second file of a bundle cannot be written: the first one is taken back."""
    other = pki.issue("Other Issuing CA", issuer=pki.root, key=pki.fresh_key())
    intcerts = icaroot / "keystore" / "intcerts"
    intcerts.mkdir()
    plan = plan_add(
        icaroot=str(icaroot),
        kind="intermediate",
        data=other.pem + pki.intermediate.pem,
        source_name="chain.pem",
    )
    assert [change.name for change in plan.changes] == [
        "chain-other-issuing-ca.pem",
        "chain-test-issuing-ca.pem",
    ]
    (intcerts / "chain-test-issuing-ca.pem").mkdir()  # appears between planning and writing
    before = snapshot(intcerts)
    with pytest.raises(
        IcaClientError, match=r"cannot write .*chain-test-issuing-ca.pem.*; nothing was changed"
    ):
        apply_plan(plan)
    assert snapshot(intcerts) == before


def test_a_folder_in_the_way_gets_another_name(pki, icaroot):
    (cacerts(icaroot) / "corp-root.pem").mkdir()
    plan = add(icaroot, pki.root.pem, name="corp-root")
    suffix = pki.root.fingerprint.replace(":", "").lower()[:8]
    assert [change.name for change in plan.changes] == [f"corp-root-{suffix}.pem"]


def test_created_intcerts_is_removed_again_when_the_write_fails(pki, icaroot):
    keystore = icaroot / "keystore"
    os.chmod(keystore, 0o755)
    plan = plan_add(icaroot=str(icaroot), kind="intermediate", data=pki.intermediate.pem, source_name="i.pem")
    assert plan.create_directory
    # A file where the folder's first certificate must go makes the write fail after mkdir.
    plan.changes[0].path = str(keystore / "intcerts" / "missing-subfolder" / "i.pem")
    with pytest.raises(IcaClientError, match="nothing was changed"):
        apply_plan(plan)
    assert not (keystore / "intcerts").exists()


def test_missing_icaroot_is_an_error(pki, tmp_path):
    with pytest.raises(
        IcaClientError, match=r"ICAROOT .*/nowhere does not exist \(is the Citrix Workspace app"
    ):
        plan_add(icaroot=str(tmp_path / "nowhere"), kind="root", data=pki.root.pem, source_name="r.pem")


def test_fingerprint_pin(pki, icaroot):
    with pytest.raises(IcaClientError, match=r"its SHA-256 fingerprint is .*, not the expected"):
        ensure_one(icaroot, CertificateItem(content=pki.root.pem.decode(), fingerprint="00" * 32))
    assert snapshot(cacerts(icaroot)) == {}
    result, entry = ensure_one(
        icaroot, CertificateItem(content=pki.root.pem.decode(), fingerprint=pki.root.fingerprint.lower())
    )
    assert result["changed"] and entry["fingerprint"] == pki.root.fingerprint


# ---------------------------------------------------------------------------
# Removal


def test_remove_by_name_takes_exactly_what_was_written_under_it(pki, icaroot):
    other = pki.issue("Other Issuing CA", issuer=pki.root, key=pki.fresh_key())
    unrelated = pki.issue("Unrelated CA", issuer=pki.root, key=pki.fresh_key())
    add(icaroot, pki.intermediate.pem + other.pem, kind="intermediate", source="chain.pem")
    add(icaroot, unrelated.pem, kind="intermediate", name="chain-old")  # shares the prefix, not the scheme
    plan = plan_remove(icaroot=str(icaroot), kind="intermediate", name="chain")
    assert sorted(c.name for c in plan.changes) == ["chain-other-issuing-ca.pem", "chain-test-issuing-ca.pem"]
    apply_plan(plan)
    assert sorted(p.name for p in (icaroot / "keystore" / "intcerts").iterdir()) == ["chain-old.pem"]


def test_remove_by_fingerprint_and_by_content(pki, icaroot):
    other = pki.issue("Other Root", key=pki.fresh_key())
    add(icaroot, pki.root.pem, source="a.pem")
    (cacerts(icaroot) / "copy.der").write_bytes(pki.root.der)  # a DER copy goes too
    add(icaroot, other.pem, source="b.pem")
    plan = plan_remove(icaroot=str(icaroot), kind="root", fingerprint=pki.root.fingerprint.replace(":", ""))
    assert sorted(c.name for c in plan.changes) == ["a.pem", "copy.der"]
    plan = plan_remove(icaroot=str(icaroot), kind="root", data=other.der, source_name="b.der")
    assert [c.name for c in plan.changes] == ["b.pem"]


def test_remove_leaves_a_bundle_file_alone_and_says_so(pki, icaroot):
    (cacerts(icaroot) / "bundle.pem").write_bytes(pki.root.pem + pki.issue("X", key=pki.fresh_key()).pem)
    plan = plan_remove(icaroot=str(icaroot), kind="root", data=pki.root.pem)
    assert plan.changes == []
    assert plan.warnings and "bundle.pem is a bundle of 2 certificates" in plan.warnings[0]


def test_remove_from_a_missing_folder_is_no_change(pki, icaroot):
    plan = plan_remove(icaroot=str(icaroot), kind="intermediate", name="anything")
    assert not plan.changed and not plan.warnings


# ---------------------------------------------------------------------------
# The whole operation, with the rehash


def test_ensure_certificate_then_openssl_verifies(pki, icaroot, tmp_path):
    leaf = pki.path("leaf")
    untrusted = pki.path("intermediate")

    def verify() -> int:
        return subprocess.run(
            ["openssl", "verify", "-CApath", str(cacerts(icaroot)), "-untrusted", str(untrusted), str(leaf)],
            capture_output=True,
            check=False,
        ).returncode

    assert verify() != 0
    result, entry = ensure_one(icaroot, CertificateItem(src=str(pki.path("root"))))
    assert result["changed"] and entry["paths"] == [str(cacerts(icaroot) / "root.pem")]
    assert entry["hash_link"] == f"{entry['subject_hash']}.0"
    assert os.readlink(cacerts(icaroot) / entry["hash_link"]) == "root.pem"
    (diff,) = result["diff"]
    assert diff["before"] == ""
    assert diff["after"].endswith(f"\n{entry['hash_link']} -> root.pem\n")
    assert verify() == 0
    again, again_entry = ensure_one(icaroot, CertificateItem(src=str(pki.path("root"))))
    assert not again["changed"] and again_entry["certificates"][0]["action"] == "present"
    assert again_entry["hash_links"] == entry["hash_links"]
    gone, gone_entry = ensure_one(icaroot, CertificateItem(state="absent", src=str(pki.path("root"))))
    assert gone["changed"] and gone_entry["removed"] == [str(cacerts(icaroot) / "root.pem")]
    assert snapshot(cacerts(icaroot)) == {}  # the link went with the file
    assert verify() != 0


def test_check_mode_predicts_and_writes_nothing(pki, icaroot):
    result, _entry = ensure_one(
        icaroot, CertificateItem(kind="intermediate", content=pki.intermediate.pem.decode()), check_mode=True
    )
    (diff,) = result["diff"]
    assert result["changed"] and diff["before_header"].endswith(
        "/intcerts/ (missing)"
    )  # it would create the folder
    assert not (icaroot / "keystore" / "intcerts").exists()
    assert diff["before"] == "" and diff["after"].startswith("test-issuing-ca.pem  CN=Test Issuing CA")


def test_unreadable_source_names_the_file(icaroot, tmp_path):
    with pytest.raises(
        IcaClientError, match=r"cannot add root certificate missing.pem to .*: cannot read .*missing.pem"
    ):
        ensure_one(icaroot, CertificateItem(src=str(tmp_path / "missing.pem")))
    with pytest.raises(IcaClientError, match="is a directory, not a certificate file"):
        ensure_one(icaroot, CertificateItem(src=str(tmp_path)))


# ---------------------------------------------------------------------------
# Audit


def test_audit_reports_each_problem(pki, icaroot):
    now = datetime.datetime.now(UTC)
    folder = cacerts(icaroot)
    expired = pki.issue(
        "Expired Root",
        not_before=now - datetime.timedelta(days=900),
        not_after=now - datetime.timedelta(days=1),
    )
    soon = pki.issue("Soon Root", not_after=now + datetime.timedelta(days=5), key=pki.fresh_key())
    big = pki.issue("Big Root", key=pki.key("rsa8192"))
    keyed = pki.issue("Keyed Root", key=pki.fresh_key())
    files = {
        "good.pem": pki.root.pem,
        "zz-copy.crt": pki.root.pem,
        "expired.pem": expired.pem,
        "soon.pem": soon.pem,
        "big.pem": big.pem,
        "leaf.pem": pki.leaf.pem,
        "intermediate.pem": pki.intermediate.pem,
        "bundle.pem": pki.root.pem + soon.pem,
        "der.crt": pki.issue("DER Root", key=pki.fresh_key()).der,
        "no-suffix": pki.issue("Unsuffixed Root", key=pki.fresh_key()).pem,
        "broken.pem": pki.root.pem[:300],
        "with-key.pem": keyed.pem + keyed.key_pem,
        "README": b"not a certificate, not reported\n",
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    subprocess.run(["openssl", "rehash", str(folder)], check=True, capture_output=True)
    (folder / "late.pem").write_bytes(pki.issue("Late Root", key=pki.fresh_key()).pem)  # after the rehash
    os.symlink("gone.pem", folder / "0badc0de.0")

    report = audit_keystore(icaroot=str(icaroot), expiry_warning_days=30)
    problems = {
        (entry["file"], entry.get("position", 0)): entry["problems"] for entry in report["certificates"]
    }
    assert problems[("good.pem", 1)] == []
    assert problems[("zz-copy.crt", 1)] == ["duplicate"]
    assert problems[("expired.pem", 1)] == ["expired"]
    assert problems[("soon.pem", 1)] == ["expires_soon"]
    assert problems[("big.pem", 1)] == ["key_over_4096"]
    assert problems[("leaf.pem", 1)] == ["not_ca", "not_self_signed"]
    assert problems[("intermediate.pem", 1)] == ["not_self_signed"]
    assert problems[("bundle.pem", 2)] == ["bundle", "expires_soon"]
    assert problems[("der.crt", 1)] == ["der"]
    assert problems[("no-suffix", 1)] == ["ignored_name"]
    assert problems[("broken.pem", 0)] == ["unparsable"]
    assert problems[("with-key.pem", 1)] == ["private_key"]
    assert problems[("late.pem", 1)] == ["unlinked"]
    assert ("README", 0) not in problems
    stale = report["folders"][0]["stale_links"]
    assert stale == [
        {"link": "0badc0de.0", "target": "gone.pem", "problem": "dangling (gone.pem does not exist)"}
    ]
    summary = report["summary"]
    assert summary["by_problem"]["stale_link"] == 1 and summary["by_problem"]["unparsable"] == 1
    assert summary["ok"] == 1 and summary["roots"] == 13  # 12 files hold certificates, the bundle two
    assert report["folders"][1] == {
        "kind": "intermediate",
        "path": str(icaroot / "keystore" / "intcerts"),
        "exists": False,
        "certificates": [],
        "links": {},
        "stale_links": [],
        "problems": [],
    }


def test_audit_link_facts_agree_with_openssl(pki, icaroot):
    folder = cacerts(icaroot)
    (folder / "root.pem").write_bytes(pki.root.pem)
    subprocess.run(["openssl", "rehash", str(folder)], check=True, capture_output=True)
    (entry,) = audit_keystore(icaroot=str(icaroot))["certificates"]
    openssl_hash = subprocess.run(
        ["openssl", "x509", "-noout", "-hash", "-in", str(folder / "root.pem")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert entry["subject_hash"] == openssl_hash
    assert entry["hash_links"] == [f"{openssl_hash}.0"] and entry["linked"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"icaroot": "/nonexistent/icaroot"}, "ICAROOT /nonexistent/icaroot does not exist"),
        ({"path": "/nonexistent/cacerts"}, "keystore folder /nonexistent/cacerts: it does not exist"),
        ({}, "give icaroot or path"),
    ],
)
def test_audit_refuses_what_is_not_there(kwargs, message):
    with pytest.raises(IcaClientError, match=message):
        audit_keystore(**kwargs)


def test_audit_of_one_folder_infers_its_kind(pki, icaroot):
    intcerts = icaroot / "keystore" / "intcerts"
    intcerts.mkdir()
    (intcerts / "i.pem").write_bytes(pki.intermediate.pem)
    report = audit_keystore(path=str(intcerts))
    assert [folder["kind"] for folder in report["folders"]] == ["intermediate"]
    assert report["certificates"][0]["problems"] == ["unlinked"]


def test_audit_of_debians_mozilla_roots_agrees_with_openssl(tmp_path):
    """Real roots, real names: every one linked by ``openssl rehash`` is seen as linked, with openssl's hash."""
    mozilla = Path("/usr/share/ca-certificates/mozilla")
    assert mozilla.is_dir(), "install the Debian package ca-certificates"
    folder = tmp_path / "cacerts"
    folder.mkdir()
    for certificate in mozilla.glob("*.crt"):
        (folder / certificate.name).write_bytes(certificate.read_bytes())
    subprocess.run(["openssl", "rehash", str(folder)], check=True, capture_output=True)
    links = {link.name: os.readlink(link) for link in folder.iterdir() if link.is_symlink()}
    report = audit_keystore(path=str(folder), kind="root")
    entries = report["certificates"]
    assert len(entries) == len(list(mozilla.glob("*.crt"))) > 100
    for entry in entries:
        assert entry["hash_links"] == sorted(
            link for link, target in links.items() if target == entry["file"]
        )
        assert entry["hash_links"] and entry["hash_links"][0].startswith(entry["subject_hash"] + ".")
        assert set(entry["problems"]) <= {"expired", "expires_soon"}, entry


# ---------------------------------------------------------------------------
# Many certificates in one call (keystore_cert certificates=[...])


def test_two_roots_into_one_folder_then_one_rehash_as_openssls(pki, icaroot, tmp_path):
    other = pki.issue("Other Root", key=pki.fresh_key())
    result = ensure_certificates(
        icaroot=str(icaroot),
        certificates=[{"src": str(pki.path("root"))}, {"content": other.pem.decode(), "name": "other"}],
    )
    folder = cacerts(icaroot)
    assert result["changed"]
    assert [(entry["kind"], entry["state"], entry["changed"]) for entry in result["certificates"]] == [
        ("root", "present", True),
        ("root", "present", True),
    ]
    assert [entry["paths"] for entry in result["certificates"]] == [
        [str(folder / "root.pem")],
        [str(folder / "other.pem")],
    ]
    assert list(result["rehash"]) == [str(folder)]  # one folder, rehashed once
    assert sorted(result["rehash"][str(folder)]["created"]) == sorted(hash_links(folder))
    assert hash_links(folder) == openssl_rehash_links(folder, tmp_path / "openssl")
    for entry in result["certificates"]:  # each item's links point at its own file
        assert [hash_links(folder)[link] for link in entry["hash_links"]] == [Path(entry["paths"][0]).name]
    (diff,) = result["diff"]
    assert diff["before"] == ""
    assert (
        diff["after"].startswith("other.pem  CN=Other Root")
        and "\nroot.pem  CN=Test Root CA" in diff["after"]
    )


def test_one_add_and_one_remove_in_the_same_folder(pki, icaroot, tmp_path):
    old = pki.issue("Corp Root 2016", key=pki.fresh_key())
    add(icaroot, old.pem, source="corp-root-2016.pem")
    subprocess.run(["openssl", "rehash", str(cacerts(icaroot))], check=True, capture_output=True)
    result = ensure_certificates(
        icaroot=str(icaroot),
        certificates=[
            {"src": str(pki.path("root")), "name": "corp-root"},
            {"fingerprint": old.fingerprint, "state": "absent"},
        ],
    )
    folder = cacerts(icaroot)
    assert result["changed"]
    assert [entry["state"] for entry in result["certificates"]] == ["present", "absent"]
    assert result["certificates"][1]["removed"] == [str(folder / "corp-root-2016.pem")]
    assert sorted(path.name for path in folder.iterdir() if not path.is_symlink()) == ["corp-root.pem"]
    assert hash_links(folder) == openssl_rehash_links(folder, tmp_path / "openssl")
    again = ensure_certificates(
        icaroot=str(icaroot),
        certificates=[
            {"src": str(pki.path("root")), "name": "corp-root"},
            {"fingerprint": old.fingerprint, "state": "absent"},
        ],
    )
    assert not again["changed"] and again["diff"] == []
    assert again["certificates"][0]["certificates"][0]["action"] == "present"
    assert again["certificates"][1]["certificates"] == []


def test_a_later_item_sees_what_an_earlier_one_planned(pki, icaroot):
    """Planned in order against the folder as the items before leave it: no second copy, and a
    removal takes the file an earlier item added (in check mode too: nothing is on disk yet)."""
    der = pki.write(pki.intermediate, "issuing.crt", fmt="der")
    items = [
        {"src": str(der), "kind": "intermediate"},
        {"content": pki.intermediate.pem.decode(), "kind": "intermediate", "name": "again"},
        {"src": str(pki.path("root")), "name": "corp"},
        {"name": "corp", "state": "absent"},
    ]
    predicted = ensure_certificates(icaroot=str(icaroot), certificates=items, check_mode=True)
    result = ensure_certificates(icaroot=str(icaroot), certificates=items)
    intcerts = icaroot / "keystore" / "intcerts"
    for outcome in (predicted, result):
        first, second, third, fourth = outcome["certificates"]
        assert first["certificates"][0]["action"] == "created"
        assert second["certificates"][0] | {"hash_links": []} == first["certificates"][0] | {
            "action": "present",
            "hash_links": [],
        }
        assert not second["changed"] and second["paths"] == []
        assert third["paths"] == [str(cacerts(icaroot) / "corp.pem")]
        assert fourth["removed"] == third["paths"]
    assert sorted(path.name for path in intcerts.iterdir() if not path.is_symlink()) == ["issuing.pem"]
    assert not (cacerts(icaroot) / "corp.pem").exists()


def test_folder_after_describes_the_written_files(pki, icaroot):
    """A DER input becomes a PEM file: the next plan must count it as a loadable certificate."""
    plan = plan_certificate(
        CertificateItem(kind="root", state="present", src=str(pki.write(pki.root, "r.der", fmt="der"))),
        icaroot=str(icaroot),
    )
    state = folder_after(plan)
    (stored,) = state.files
    assert stored.name == "r.pem" and stored.effective and stored.fmt == "pem"
    assert "r.pem" in state.names and state.exists


def test_items_take_kind_state_and_expired_from_the_call(pki, icaroot):
    now = datetime.datetime.now(UTC)
    expired = pki.issue(
        "Expired Root",
        key=pki.fresh_key(),
        not_before=now - datetime.timedelta(days=400),
        not_after=now - datetime.timedelta(days=3),
    )
    items = [
        {"content": expired.pem.decode()},
        {"content": pki.intermediate.pem.decode(), "kind": "intermediate"},
    ]
    result = ensure_certificates(icaroot=str(icaroot), certificates=items, expired="warn")
    assert [entry["kind"] for entry in result["certificates"]] == ["root", "intermediate"]
    assert any(w.startswith("certificates[0] ((content)): ") and "expired" in w for w in result["warnings"])
    assert list(result["rehash"]) == [str(cacerts(icaroot)), str(icaroot / "keystore" / "intcerts")]
    removed = ensure_certificates(
        icaroot=str(icaroot), certificates=[{"content": expired.pem.decode()}], state="absent"
    )
    assert removed["certificates"][0]["state"] == "absent" and removed["certificates"][0]["removed"]
    with pytest.raises(IcaClientError, match=r"^certificates\[0\] \(\(content\)\): .*it expired on"):
        ensure_certificates(
            icaroot=str(icaroot),
            certificates=[{"content": expired.pem.decode(), "expired": "refuse"}],
            expired="warn",
        )


def _bad_items(pki, files: Path) -> dict[str, tuple[list[dict], str]]:
    now = datetime.datetime.now(UTC)
    good = files / "good.pem"
    good.write_bytes(pki.issue("Good Root", key=pki.fresh_key()).pem)
    big = files / "big.pem"
    big.write_bytes(pki.issue("Big Root", key=pki.key("rsa8192")).pem)
    expired = files / "expired.pem"
    expired.write_bytes(
        pki.issue(
            "Expired Root",
            key=pki.fresh_key(),
            not_before=now - datetime.timedelta(days=400),
            not_after=now - datetime.timedelta(days=3),
        ).pem
    )
    first = {"src": str(pki.path("intermediate")), "kind": "intermediate"}  # valid, into a missing intcerts
    return {
        "unreadable_src": (
            [first, {"src": str(files / "missing.pem")}],
            rf"^certificates\[1\] \({files}/missing.pem\): cannot add root certificate missing.pem to "
            rf"\S+/cacerts: cannot read {files}/missing.pem: No such file or directory$",
        ),
        "key_over_4096": (
            [first, {"src": str(good)}, {"src": str(big)}],
            rf"^certificates\[2\] \({big}\): cannot add root certificate big.pem .*RSA key is 8192 bits",
        ),
        "expired_under_refuse": (
            [first, {"src": str(expired), "name": "old"}],
            rf"^certificates\[1\] \({expired}\): .*it expired on",
        ),
        "pin_mismatch": (
            [first, {"src": str(good), "fingerprint": pki.root.fingerprint}],
            rf"^certificates\[1\] \({good}\): .*its SHA-256 fingerprint is .*, not the expected",
        ),
        "present_without_input": (
            [first, {"name": "corp"}],
            r"^certificates\[1\] \(corp\): cannot add a certificate: give src or content$",
        ),
        "absent_without_anything": (
            [first, {"state": "absent"}],
            r"^certificates\[1\] \(\(content\)\): cannot remove a certificate: give src, content",
        ),
        "src_and_content": (
            [{"src": str(good), "content": "x"}, first],
            r"^certificates\[0\] .*give src or content, not both$",
        ),
        "bad_fingerprint_to_remove": (
            [first, {"fingerprint": "12:34", "state": "absent", "kind": "intermediate"}],
            r"^certificates\[1\] \(12:34\): cannot remove intermediate certificate 12:34 .*not a SHA-256",
        ),
    }


@pytest.mark.parametrize(
    "case",
    [
        "unreadable_src",
        "key_over_4096",
        "expired_under_refuse",
        "pin_mismatch",
        "present_without_input",
        "absent_without_anything",
        "src_and_content",
        "bad_fingerprint_to_remove",
    ],
)
def test_a_bad_item_names_itself_and_changes_nothing(pki, icaroot, tmp_path, case):
    files = tmp_path / "files"
    files.mkdir()
    items, pattern = _bad_items(pki, files)[case]
    add(icaroot, pki.root.pem)
    before = snapshot(icaroot)
    with pytest.raises(IcaClientError, match=pattern) as caught:
        ensure_certificates(icaroot=str(icaroot), certificates=items)
    assert caught.value.message.startswith(f"certificates[{caught.value.details['index']}] (")
    assert snapshot(icaroot) == before
    assert not (icaroot / "keystore" / "intcerts").exists()


def test_a_write_failing_midway_undoes_every_item(pki, icaroot):
    """Item 0 creates intcerts and writes into it, item 1 writes a root, item 2 cannot write:
    all of it is taken back, intcerts included."""
    other = pki.issue("Other Root", key=pki.fresh_key())
    items = [
        {"kind": "intermediate", "content": pki.intermediate.pem.decode()},
        {"content": pki.root.pem.decode(), "name": "corp-root"},
        {"content": other.pem.decode(), "name": "other"},
    ]
    plans = []
    planned: dict = {}
    for item in items:
        kind = item.get("kind", "root")
        folder = str(icaroot / "keystore" / ("intcerts" if kind == "intermediate" else "cacerts"))
        plan = plan_certificate(
            CertificateItem(kind=kind, state="present", content=item["content"], name=item.get("name")),
            icaroot=str(icaroot),
            before=planned.get(folder),
        )
        planned[folder] = folder_after(plan)
        plans.append(plan)
    assert plans[0].create_directory and not plans[1].create_directory
    # folder times left out: intcerts/ and other.pem/ were made and removed, which their parents record
    before = snapshot(icaroot, folder_times=False)
    (cacerts(icaroot) / "other.pem").mkdir()  # appears between planning and writing
    with pytest.raises(IcaClientError) as caught:
        apply_plans(plans, labels=["certificates[0] (a)", "certificates[1] (b)", "certificates[2] (c)"])
    assert caught.value.message.startswith(
        f"certificates[2] (c): cannot add root certificate (content) to {cacerts(icaroot)}: cannot write"
    )
    assert caught.value.message.endswith("; nothing was changed")
    (cacerts(icaroot) / "other.pem").rmdir()
    assert snapshot(icaroot, folder_times=False) == before
    assert not (icaroot / "keystore" / "intcerts").exists()


def test_an_empty_list_touches_nothing(icaroot):
    os.symlink("gone.pem", cacerts(icaroot) / "deadbeef.0")  # a rehash would remove it
    before = snapshot(icaroot)
    result = ensure_certificates(icaroot=str(icaroot), certificates=[])
    assert result == {"changed": False, "certificates": [], "rehash": {}, "diff": [], "warnings": []}
    assert snapshot(icaroot) == before


def test_without_rehash_no_link_is_made(pki, icaroot):
    result = ensure_certificates(
        icaroot=str(icaroot), certificates=[{"src": str(pki.path("root"))}], rehash=False
    )
    assert result["changed"] and result["rehash"] == {str(cacerts(icaroot)): None}
    assert hash_links(cacerts(icaroot)) == {}
    assert result["certificates"][0]["hash_links"] == []


def test_the_rehash_repairs_links_when_no_file_changes(pki, icaroot, tmp_path):
    """As the single form: the folders touched are rehashed even when every certificate is there."""
    items = [{"src": str(pki.path("root"))}, {"src": str(pki.path("intermediate")), "kind": "intermediate"}]
    ensure_certificates(icaroot=str(icaroot), certificates=items)
    intcerts = icaroot / "keystore" / "intcerts"
    (link,) = hash_links(intcerts)
    os.unlink(intcerts / link)
    os.symlink("gone.pem", cacerts(icaroot) / "deadbeef.0")
    result = ensure_certificates(icaroot=str(icaroot), certificates=items)
    assert result["changed"] and not any(entry["changed"] for entry in result["certificates"])
    assert result["rehash"] == {
        str(cacerts(icaroot)): {"changed": True, "created": [], "removed": ["deadbeef.0"]},
        str(intcerts): {"changed": True, "created": [link], "removed": []},
    }
    assert [len(diff["after"].splitlines()) for diff in result["diff"]] == [2, 2]
    assert hash_links(intcerts) == openssl_rehash_links(intcerts, tmp_path / "openssl")
    assert not ensure_certificates(icaroot=str(icaroot), certificates=items)["changed"]


def test_check_mode_predicts_every_item_and_writes_nothing(pki, icaroot):
    items = [{"src": str(pki.path("root"))}, {"src": str(pki.path("intermediate")), "kind": "intermediate"}]
    before = snapshot(icaroot)
    predicted = ensure_certificates(icaroot=str(icaroot), certificates=items, check_mode=True)
    assert snapshot(icaroot) == before
    assert predicted["changed"] and [entry["changed"] for entry in predicted["certificates"]] == [True, True]
    # intcerts does not exist yet: its rehash is planned on the folder the real run creates
    intcerts = str(icaroot / "keystore" / "intcerts")
    hash_link = subprocess.run(
        ["openssl", "x509", "-noout", "-hash", "-in", str(pki.path("intermediate"))],
        capture_output=True, text=True, check=True,
    ).stdout.strip() + ".0"  # fmt: skip
    assert predicted["rehash"][intcerts]["created"] == [hash_link]
    assert predicted["certificates"][1]["hash_links"] == [hash_link]
    assert [diff["before_header"] for diff in predicted["diff"]] == [
        f"{cacerts(icaroot)}/",
        f"{icaroot}/keystore/intcerts/ (missing)",
    ]
    applied = ensure_certificates(icaroot=str(icaroot), certificates=items)
    assert applied == predicted


def _starting_folders(pki, outside: Path) -> dict:
    """Keystores as endpoints have them (cacerts; intcerts when named)."""

    def rehashed(icaroot: Path) -> None:
        (cacerts(icaroot) / "corp-root.pem").write_bytes(pki.root.pem)
        subprocess.run(["openssl", "rehash", str(cacerts(icaroot))], check=True, capture_output=True)

    def stale(icaroot: Path) -> None:
        (cacerts(icaroot) / "other.pem").write_bytes(pki.issue("Other Root", key=pki.fresh_key()).pem)
        os.symlink("gone.pem", cacerts(icaroot) / "0badc0de.0")

    def linked_out(icaroot: Path) -> None:
        os.symlink(str(outside / "root.pem"), cacerts(icaroot) / "linked-root.pem")
        subprocess.run(["openssl", "rehash", str(cacerts(icaroot))], check=True, capture_output=True)

    def with_intcerts(icaroot: Path) -> None:
        rehashed(icaroot)
        (icaroot / "keystore" / "intcerts").mkdir()

    return {
        "empty": lambda icaroot: None,
        "rehashed": rehashed,
        "stale": stale,
        "linked-out": linked_out,
        "with-intcerts": with_intcerts,
    }


def _requests(pki) -> dict:
    return {
        "add-root": {"src": str(pki.path("root"))},
        "add-root-der": {"content": None, "src": str(pki.path("root")), "name": "Corp-Root"},
        "remove-root": {"src": str(pki.path("root")), "state": "absent"},
        "remove-by-fingerprint": {"fingerprint": pki.root.fingerprint, "state": "absent"},
        "add-intermediate": {"src": str(pki.path("intermediate")), "kind": "intermediate"},
        "list": {
            "certificates": [
                {"src": str(pki.path("intermediate")), "kind": "intermediate"},
                {"src": str(pki.path("root")), "state": "absent"},
                {"content": pki.issue("Listed Root", key=pki.fresh_key()).pem.decode()},
            ]
        },
    }


@pytest.mark.parametrize("request_name", ["add-root", "add-root-der", "remove-root", "remove-by-fingerprint",
                                          "add-intermediate", "list"])  # fmt: skip
@pytest.mark.parametrize("start", ["empty", "rehashed", "stale", "linked-out", "with-intcerts"])
def test_check_mode_predicts_exactly_the_real_run(pki, icaroot, tmp_path, start, request_name):
    """A property: whatever the folder and the request, check mode's result and diff are the real run's."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "root.pem").write_bytes(pki.root.pem)
    _starting_folders(pki, outside)[start](icaroot)
    request = {key: value for key, value in _requests(pki)[request_name].items() if value is not None}
    # the call without certificates is a list of one item, as keystore_cert makes it
    items = request.pop("certificates", None) or [CertificateItem.from_options(request)]

    def run(check_mode: bool) -> dict:
        return ensure_certificates(icaroot=str(icaroot), certificates=items, check_mode=check_mode)

    before = snapshot(icaroot)
    predicted = run(True)
    assert snapshot(icaroot) == before
    applied = run(False)
    for field in sorted(set(predicted) | set(applied)):
        assert predicted.get(field) == applied.get(field), field
    # and the prediction of a second run is no change, as the second run is
    assert not run(True)["changed"] and not run(False)["changed"]


# ---------------------------------------------------------------------------
# Both keystore folders (keystore_rehash icaroot=...)


def test_rehash_keystore_does_cacerts_then_intcerts_as_openssl(pki, icaroot, tmp_path):
    intcerts = icaroot / "keystore" / "intcerts"
    intcerts.mkdir()
    (cacerts(icaroot) / "root.pem").write_bytes(pki.root.pem)
    (intcerts / "issuing.pem").write_bytes(pki.intermediate.pem)
    done, skipped = rehash_keystore(str(icaroot))
    assert [each.path for each in done] == [str(cacerts(icaroot)), str(intcerts)] and skipped == []
    assert all(each.result.changed and each.tool is None for each in done)
    assert hash_links(cacerts(icaroot)) == openssl_rehash_links(cacerts(icaroot), tmp_path / "a")
    assert hash_links(intcerts) == openssl_rehash_links(intcerts, tmp_path / "b")
    again, _ = rehash_keystore(str(icaroot))
    assert not any(each.result.changed for each in again)


def test_keystore_folders_skips_a_missing_intcerts_only(icaroot, tmp_path):
    assert keystore_folders(str(icaroot)) == (
        [str(cacerts(icaroot))],
        [str(icaroot / "keystore" / "intcerts")],
    )
    with pytest.raises(
        IcaClientError, match=rf"^cannot rehash the keystore: ICAROOT {tmp_path}/none does not exist"
    ):
        keystore_folders(str(tmp_path / "none"))
    (tmp_path / "bare").mkdir()
    with pytest.raises(
        IcaClientError,
        match=rf"^cannot rehash the keystore: {tmp_path}/bare/keystore does not exist \(is the Citrix Workspace",
    ):
        keystore_folders(str(tmp_path / "bare"))
