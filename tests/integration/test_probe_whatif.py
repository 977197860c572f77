"""The prober's what-if: proposed keystore changes and SSLCiphers judged in memory, on real servers.

The keystore is the session's test keystore (``openssl rehash`` links); each test snapshots it
(names, link targets, bytes, mtimes) before and after: a proposal never touches it.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from helpers import snapshot
from integration.peers import TestPki

from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError
from ansible_collections.icaclient.linux.plugins.module_utils._probe import (
    ProbeResult,
    make_options,
    parse_target,
    probe_all,
)

TIMEOUT = 2.0


def probe(target: str, keystore: Path, **kw) -> ProbeResult:
    options = make_options(keystore=str(keystore), min_tls="1.2", max_tls="1.3", timeout=TIMEOUT, **kw)
    return probe_all([parse_target(target)], options=options)[0]


def test_adding_the_missing_root_fixes_an_untrusted_gateway(
    probe_servers: dict, probe_keystore: Path, probe_pki: TestPki
) -> None:
    target = f"https://localhost:{probe_servers['untrusted'].port}"
    before = snapshot(probe_keystore)
    today = probe(target, probe_keystore)
    proposed = probe(target, probe_keystore, trust_add=[probe_pki.other_root.pem.decode()])
    assert (today.ok, today.client_error) == (False, 61)
    assert (proposed.ok, proposed.client_error, proposed.trusted_by) == (True, None, "keystore")
    assert snapshot(probe_keystore) == before


@pytest.mark.parametrize("how", ["fingerprint", "pem", "bare hex"])
def test_removing_the_root_gives_the_verdict_of_a_keystore_without_it(
    probe_servers: dict, probe_keystore: Path, probe_pki: TestPki, tmp_path: Path, how: str
) -> None:
    target = f"https://localhost:{probe_servers['trusted'].port}"
    removal = {
        "fingerprint": probe_pki.root.fingerprint,
        "pem": probe_pki.root.pem.decode(),
        "bare hex": probe_pki.root.fingerprint.replace(":", "").lower(),
    }[how]
    # The reference: the same keystore really without the root (file and hash link deleted).
    really = tmp_path / "keystore"
    shutil.copytree(probe_keystore, really, symlinks=True)
    for entry in (really / "cacerts").iterdir():
        if entry.resolve().name == "ICA_Test_Root.pem":
            entry.unlink()
    expected = probe(target, really)
    before = snapshot(probe_keystore)
    assert probe(target, probe_keystore).ok
    proposed = probe(target, probe_keystore, trust_remove=[removal])
    assert (proposed.ok, proposed.client_error) == (False, expected.client_error)
    assert expected.client_error in (61, 62)
    assert proposed.message == expected.message.replace(str(really), str(probe_keystore))
    assert "ICA Test Root" in proposed.message  # the root the chain now lacks is named
    assert snapshot(probe_keystore) == before


def test_removing_another_root_keeps_the_gateway_trusted(
    probe_servers: dict, probe_keystore: Path, probe_pki: TestPki
) -> None:
    target = f"https://localhost:{probe_servers['trusted'].port}"
    result = probe(target, probe_keystore, trust_remove=[probe_pki.other_root.fingerprint])
    assert (result.ok, result.trusted_by) == (True, "keystore")


def test_the_settings_say_what_was_proposed(probe_keystore: Path, probe_pki: TestPki) -> None:
    options = make_options(
        keystore=str(probe_keystore),
        ssl_ciphers="gov",
        trust_add=[probe_pki.other_root.pem.decode()],
        trust_remove=[probe_pki.root.fingerprint],
    )
    settings = options.settings.as_dict()
    assert settings["ssl_ciphers"] == "GOV"
    assert "SSLCiphers=GOV (explicit)" in settings["sources"]
    assert settings["trust_changes"] == [
        f"add CN=Untrusted Test Root,O=icaprobe tests (sha256 {probe_pki.other_root.fingerprint})",
        f"remove sha256 {probe_pki.root.fingerprint}",
    ]


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"trust_add": ["not a certificate"]}, "cannot read the certificate to add #1"),
        ({"trust_remove": ["AB:CD"]}, "cannot read certificate to remove #1: 'AB:CD' is not a SHA-256"),
        ({"ssl_ciphers": "STRONG"}, "the SSLCiphers given, 'STRONG'"),
    ],
)
def test_a_proposal_the_client_could_not_take_is_refused_by_name(
    probe_keystore: Path, kw: dict, message: str
) -> None:
    with pytest.raises(IcaClientError, match=message.replace("(", r"\(")):
        make_options(keystore=str(probe_keystore), **kw)
