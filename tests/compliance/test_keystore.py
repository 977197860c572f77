"""The client's keystore: every certificate usable by the client, and the inventory's in place.

The client finds a CA certificate only through its subject-hash link (``HHHHHHHH.N``)
in ``$ICAROOT/keystore/cacerts`` (roots) and ``intcerts`` (intermediates), one PEM
certificate per file, keys of at most 4096 bits. Everything here is measured with the
host's own ``openssl``, independently of the collection's modules.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

import pytest
from compliance_support import (
    HASH_LINK,
    REHASH_SUFFIXES,
    KeystoreFolder,
    fingerprints_of_item,
    list_keystore,
    normalise_fingerprint,
    not_configured,
)

ROLE = "icaclient_keystore"
MAX_KEY_BITS = 4096


@pytest.fixture(scope="module")
def keystore(host, endpoint) -> dict[str, KeystoreFolder]:
    endpoint.require_area("keystore")
    base = f"{endpoint.icaroot_for(ROLE)}/keystore"
    listing = list_keystore(host, [f"{base}/cacerts", f"{base}/intcerts"])
    return {"root": listing[f"{base}/cacerts"], "intermediate": listing[f"{base}/intcerts"]}


def _folders(keystore):
    return [folder for folder in keystore.values() if folder.exists]


def _configured(endpoint, kind: str) -> list:
    name = f"{ROLE}_roots" if kind == "root" else f"{ROLE}_intermediates"
    return list(endpoint.vars.get(name) or [])


def test_keystore_folders_exist_and_are_readable_by_every_user(keystore, endpoint):
    roots = keystore["root"]
    assert roots.exists, f"{roots.path} does not exist: the client trusts no root certificate"
    if _configured(endpoint, "intermediate"):
        assert keystore["intermediate"].exists, (
            f"{keystore['intermediate'].path} does not exist although intermediates are configured"
        )
    for folder in _folders(keystore):
        # The client runs as the user, not as root.
        assert folder.mode & 0o005 == 0o005, (
            f"{folder.path} is mode {folder.mode:o}: other users cannot read it"
        )


def test_every_file_holds_exactly_one_pem_certificate(keystore):
    problems = []
    for folder in _folders(keystore):
        for item in folder.files:
            if item.hash is None:
                problems.append(f"{item.path}: not a PEM certificate (DER, or not a certificate at all)")
            elif item.blocks == 0:
                problems.append(f"{item.path}: DER, not PEM (rehash and the client skip it)")
            elif item.blocks > 1:
                problems.append(f"{item.path}: a bundle of {item.blocks} certificates; rehash skips it")
            elif not HASH_LINK.match(item.name) and not item.name.lower().endswith(REHASH_SUFFIXES):
                problems.append(f"{item.path}: rehash skips files not named {', '.join(REHASH_SUFFIXES)}")
    assert not problems, "\n".join(problems)


def test_every_certificate_file_is_readable_by_every_user(keystore):
    unreadable = [
        f"{item.path} (mode {item.mode:o})"
        for folder in _folders(keystore)
        for item in folder.files
        if not item.mode & 0o004
    ]
    assert not unreadable, "the client, running as the user, cannot read: " + ", ".join(unreadable)


def test_every_certificate_has_its_subject_hash_link(keystore):
    """Each certificate is reachable as HHHHHHHH.N (a byte-identical copy may share its link)."""
    problems = []
    for folder in _folders(keystore):
        linked = {link.target for link in folder.links if HASH_LINK.match(link.name) and link.resolves}
        linked_fingerprints = {
            target.fingerprint for target in (folder.file(name) for name in linked) if target is not None
        }
        for item in folder.files:
            if item.hash is None or HASH_LINK.match(item.name):
                continue
            if item.name in linked:
                link = next(link for link in folder.links if link.target == item.name)
                if HASH_LINK.match(link.name).group(1) != item.hash:
                    problems.append(
                        f"{link.path} -> {item.name}: named for another subject hash than {item.hash}"
                    )
            elif item.fingerprint not in linked_fingerprints:
                problems.append(f"{item.path}: no {item.hash}.N link (the keystore was not rehashed)")
    assert not problems, "\n".join(problems)


def test_hash_links_resolve_to_the_certificate_they_are_named_for(keystore):
    problems = []
    for folder in _folders(keystore):
        by_hash: dict[str, list[int]] = defaultdict(list)
        for link in folder.links:
            match = HASH_LINK.match(link.name)
            if not match:
                continue
            by_hash[match.group(1)].append(int(match.group(2)))
            if not link.resolves:
                problems.append(f"{link.path} -> {link.target}: dangling")
                continue
            if "/" in link.target:
                problems.append(f"{link.path} -> {link.target}: points outside {folder.path}")
                continue
            target = folder.file(link.target)
            if target is None or target.hash is None:
                problems.append(f"{link.path} -> {link.target}: not a certificate file of this folder")
            elif target.hash != match.group(1):
                problems.append(
                    f"{link.path} -> {link.target}: stale, the certificate's hash is {target.hash}"
                )
        for hash_, indexes in sorted(by_hash.items()):
            # OpenSSL looks up HASH.0, HASH.1, ... and stops at the first gap.
            if sorted(indexes) != list(range(len(indexes))):
                problems.append(f"{folder.path}/{hash_}.N: indexes {sorted(indexes)} have a gap")
    assert not problems, "\n".join(problems)


def test_every_certificate_is_within_its_validity_period(keystore):
    now = datetime.datetime.now(datetime.timezone.utc)
    problems = []
    for folder in _folders(keystore):
        for item in folder.files:
            if item.hash is None:
                continue
            if item.expired:
                problems.append(f"{item.path}: expired")
            if item.not_before is None:
                problems.append(f"{item.path}: openssl printed no start date")
            elif item.not_before > now:
                problems.append(f"{item.path}: not valid before {item.not_before:%Y-%m-%d %H:%M} UTC")
    assert not problems, "\n".join(problems)


def test_every_key_is_at_most_4096_bits(keystore):
    problems = []
    for folder in _folders(keystore):
        for item in folder.files:
            if item.hash is None:
                continue
            if item.bits is None:
                problems.append(f"{item.path}: openssl printed no key size")
            elif item.bits > MAX_KEY_BITS:
                problems.append(
                    f"{item.path}: {item.bits}-bit key; the client accepts at most {MAX_KEY_BITS}"
                )
    assert not problems, "\n".join(problems)


def _verify_args(host) -> list[str]:
    # Only the keystore may anchor the chain: the system's CA store would hide a missing root.
    version = host.run("openssl version").stdout
    return ["-no-CAfile", "-no-CAstore"] if version.startswith("OpenSSL 3") else ["-no-CAfile"]


def test_every_certificate_chains_to_a_root_of_the_keystore(host, keystore):
    """``openssl verify`` with the keystore's hash-linked roots as the only trust anchors."""
    roots, intermediates = keystore["root"], keystore["intermediate"]
    if not roots.exists:
        pytest.fail(f"{roots.path} does not exist")
    base = _verify_args(host)
    untrusted = [
        arg
        for item in (intermediates.files if intermediates.exists else [])
        if item.hash is not None and item.blocks == 1
        for arg in ("-untrusted", item.path)
    ]
    problems = []
    for folder, extra in ((roots, []), (intermediates, untrusted)):
        if not folder.exists:
            continue
        for item in folder.files:
            if item.hash is None or HASH_LINK.match(item.name):
                continue
            args = [*base, "-CApath", roots.path, *extra, item.path]
            result = host.run("openssl verify " + " ".join(["%s"] * len(args)), *args)
            if result.rc != 0:
                reason = (result.stdout + result.stderr).strip().splitlines()
                problems.append(f"{item.path}: {' / '.join(reason[-2:])}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("kind", ["root", "intermediate"])
def test_configured_certificates_are_in_the_keystore(host, endpoint, keystore, kind):
    items = _configured(endpoint, kind)
    if not items:
        not_configured(f"{ROLE}_{'roots' if kind == 'root' else 'intermediates'} is empty")
    folder = keystore[kind]
    assert folder.exists, f"{folder.path} does not exist"
    missing = []
    for item in items:
        label = item.get("name") or item.get("src") or "(content)"
        wanted = fingerprints_of_item(host, item)
        if item.get("fingerprint"):
            pinned = normalise_fingerprint(str(item["fingerprint"]))
            assert pinned in wanted or not wanted, (
                f"{label}: the certificate does not match its pinned fingerprint"
            )
            wanted.add(pinned)
        assert wanted, f"{label}: the item names no certificate (src, content or fingerprint)"
        missing += [f"{label}: {fingerprint}" for fingerprint in sorted(wanted - folder.fingerprints)]
    assert not missing, f"not in {folder.path}:\n" + "\n".join(missing)


def test_removed_certificates_are_gone(host, endpoint, keystore):
    items = list(endpoint.vars.get(f"{ROLE}_remove") or [])
    if not items:
        not_configured(f"{ROLE}_remove is empty")
    present = []
    for item in items:
        folder = keystore[item.get("kind", "root")]
        if not folder.exists:
            continue
        label = item.get("name") or item.get("fingerprint") or item.get("src") or "(content)"
        unwanted = fingerprints_of_item(host, item) if (item.get("src") or item.get("content")) else set()
        if item.get("fingerprint"):
            unwanted.add(normalise_fingerprint(str(item["fingerprint"])))
        still = sorted(unwanted & folder.fingerprints)
        if item.get("name"):
            still += [cert.path for cert in folder.files if cert.name.rsplit(".", 1)[0] == item["name"]]
        present += [f"{label}: {what}" for what in still]
    assert not present, "still in the keystore:\n" + "\n".join(present)
