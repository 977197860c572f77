"""The icaclient_keystore role run for real, with observable idempotence.

Check mode first (predicts changes, writes nothing), then two real runs: the
first changes the keystore and says so in ``icaclient_keystore_changed``, the
second changes nothing (the play recap's changed count is 0). ``openssl verify``
then confirms that the chain verifies against the keystore the role built; a
last run removes the root again and the chain stops verifying.
"""

from __future__ import annotations

from pathlib import Path

from ansible_run import PlaybookRun, run_playbook
from helpers import snapshot
from keystore_sandbox import openssl_verify

PLAYBOOK = Path(__file__).resolve().parent / "playbooks" / "keystore_role.yml"


def links_by_target(folder: Path) -> dict[str, tuple]:
    """The snapshot of ``folder`` with each link by its target only: a repaired link is a new link (a new
    inode) with the target it had; the certificate files must still be the very same files."""
    return {
        path: entry[:2] if entry[0] == "link" else entry
        for path, entry in snapshot(folder, folder_times=False).items()
    }


def _facts(run: PlaybookRun) -> dict:
    assert run.rc == 0, run.stdout + run.stderr
    return run.results[-1]["msg"]


def test_role_is_idempotent_and_the_chain_verifies(pki, icaroot, tmp_path):
    source = tmp_path / "from-the-pki-team"
    source.mkdir()
    root_file = pki.write(pki.root, "corp-root.pem", directory=source)
    intermediate_der = pki.write(pki.intermediate, "corp-issuing-ca1.der", fmt="der", directory=source)
    cacerts = icaroot / "keystore" / "cacerts"
    intcerts = icaroot / "keystore" / "intcerts"
    leaf = pki.path("leaf")
    extra = {
        "icaclient_keystore_icaroot": str(icaroot),
        "icaclient_keystore_roots": [{"src": str(root_file), "name": "sandbox-corp-root"}],
        "icaclient_keystore_intermediates": [
            {"src": str(intermediate_der)},
            {"content": pki.intermediate.pem.decode(), "name": "same-as-the-der"},  # already there: no change
        ],
        "icaclient_keystore_fail_on_problems": ["expired", "key_over_4096", "unlinked", "stale_link"],
    }
    assert openssl_verify(cacerts, leaf).returncode != 0

    empty = snapshot(cacerts)
    predicted = run_playbook(PLAYBOOK, extra_vars=extra, check=True)
    assert predicted.rc == 0 and predicted.changed > 0, predicted.stdout + predicted.stderr
    assert snapshot(cacerts) == empty and not intcerts.exists()

    first = run_playbook(PLAYBOOK, extra_vars=extra)
    facts = _facts(first)
    assert first.changed > 0 and facts["icaclient_keystore_changed"] is True
    assert sorted(p.name for p in cacerts.iterdir() if not p.is_symlink()) == ["sandbox-corp-root.pem"]
    assert sorted(p.name for p in intcerts.iterdir() if not p.is_symlink()) == ["corp-issuing-ca1.pem"]
    assert facts["summary"]["roots"] == 1 and facts["summary"]["intermediates"] == 1
    assert facts["summary"]["problems"] == 0 and facts["problems"] == []
    built = {"cacerts": snapshot(cacerts), "intcerts": snapshot(intcerts)}
    built_links = {"cacerts": links_by_target(cacerts), "intcerts": links_by_target(intcerts)}

    second = run_playbook(PLAYBOOK, extra_vars=extra)
    facts = _facts(second)
    assert second.changed == 0, [r for r in second.results if r["_status"] == "CHANGED"]
    assert facts["icaclient_keystore_changed"] is False
    assert {"cacerts": snapshot(cacerts), "intcerts": snapshot(intcerts)} == built

    chain = intcerts / "corp-issuing-ca1.pem"
    assert openssl_verify(cacerts, leaf, chain).returncode == 0

    # Links broken by hand in both folders, no certificate to change: the next run repairs them
    # (with roots and intermediates listed, the keystore_cert call rehashes both folders).
    (root_link,) = [p for p in cacerts.iterdir() if p.is_symlink()]
    root_link.unlink()
    (intcerts / "0badc0de.0").symlink_to("gone.pem")
    repaired = run_playbook(PLAYBOOK, extra_vars=extra)
    assert _facts(repaired)["icaclient_keystore_changed"] is True
    assert {"cacerts": links_by_target(cacerts), "intcerts": links_by_target(intcerts)} == built_links
    assert openssl_verify(cacerts, leaf, chain).returncode == 0

    # Only roots listed: intcerts is rehashed by keystore_rehash, so it is repaired too.
    (intcerts / "0badc0de.0").symlink_to("gone.pem")
    roots_only = dict(extra, icaclient_keystore_intermediates=[])
    assert _facts(run_playbook(PLAYBOOK, extra_vars=roots_only))["icaclient_keystore_changed"] is True
    assert links_by_target(intcerts) == built_links["intcerts"]

    removal = dict(
        extra, icaclient_keystore_roots=[], icaclient_keystore_remove=[{"name": "sandbox-corp-root"}]
    )
    removed = run_playbook(PLAYBOOK, extra_vars=removal)
    assert _facts(removed)["icaclient_keystore_changed"] is True
    assert snapshot(cacerts) == {}  # the file and its hash link
    assert openssl_verify(cacerts, leaf, chain).returncode != 0


def test_role_fails_on_refused_certificate_and_changes_nothing(pki, icaroot, tmp_path):
    big = pki.write(pki.issue("Big Root", key=pki.key("rsa8192")), "big-root.pem", directory=tmp_path)
    cacerts = icaroot / "keystore" / "cacerts"
    before = snapshot(cacerts)
    run = run_playbook(
        PLAYBOOK,
        extra_vars={
            "icaclient_keystore_icaroot": str(icaroot),
            "icaclient_keystore_roots": [{"src": str(big)}],
        },
        expect_failure=True,
    )
    assert run.rc != 0
    failure = next(result for result in run.results if result["_status"] == "FAILED!")
    messages = [item.get("msg", "") for item in failure.get("results", [failure])]
    assert any(
        "big-root.pem" in m and "RSA key is 8192 bits, the client accepts at most 4096" in m for m in messages
    )
    assert snapshot(cacerts) == before


def test_check_mode_predicts_a_keystore_the_client_lacks(pki, tmp_path):
    """An ICAROOT without its keystore folder: check mode predicts the change (the rehash cannot
    look at folders that do not exist yet) and writes nothing; the real run builds the keystore."""
    icaroot = tmp_path / "icaroot"
    (icaroot / "config").mkdir(parents=True)
    root_file = pki.write(pki.root, "corp-root.pem", directory=tmp_path)
    extra = {
        "icaclient_keystore_icaroot": str(icaroot),
        "icaclient_keystore_roots": [{"src": str(root_file)}],
    }
    predicted = run_playbook(PLAYBOOK, extra_vars=extra, check=True)
    assert predicted.rc == 0, predicted.stdout + predicted.stderr
    assert _facts(predicted)["icaclient_keystore_changed"] is True
    assert not (icaroot / "keystore").exists()

    applied = run_playbook(PLAYBOOK, extra_vars=extra)
    assert _facts(applied)["icaclient_keystore_changed"] is True
    # OpenSSL finds the root through its hash link only: the keystore was rehashed.
    assert openssl_verify(icaroot / "keystore" / "cacerts", root_file).returncode == 0
