# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The builtin rehash makes the links ``openssl rehash`` makes, checked on copies of the same folders.

Every scenario is built once, copied twice, rehashed by the system ``openssl
rehash`` on one copy and by :func:`rehash` on the other; the link names AND
their targets must be equal. Where ``openssl rehash`` 3.0 has a known bug we
assert our documented behaviour instead, and that the result is sound: every
certificate linked once, under the numbers a fresh ``openssl rehash`` would use.
"""

from __future__ import annotations

import datetime
import errno
import json
import os
import random
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Optional

import pytest
from _x509_build import Signer, name, pem, random_subject, tlv
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from helpers import hash_links, openssl_rehash_links, snapshot
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.icaclient.linux.plugins.module_utils import _rehash
from ansible_collections.icaclient.linux.plugins.module_utils._display import display_name, displayable
from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError
from ansible_collections.icaclient.linux.plugins.module_utils._rehash import identify as rehash_identify
from ansible_collections.icaclient.linux.plugins.module_utils._rehash import plan_rehash, rehash
from ansible_collections.icaclient.linux.plugins.module_utils._rehash import scan as rehash_scan
from ansible_collections.icaclient.linux.plugins.module_utils._x509.pem import pem_blocks
from ansible_collections.icaclient.linux.plugins.module_utils._x509.subject_hash import (
    cert_subject_der,
    name_hash,
)

CN = "2.5.4.3"


def subject(common_name: str) -> bytes:
    return name(
        [[("2.5.4.10", tlv(0x0C, b"icaclient rehash test"))], [(CN, tlv(0x0C, common_name.encode()))]]
    )


class Certs:
    """Certificates for the scenarios: distinct roots, same-subject twins, CRLs."""

    def __init__(self) -> None:
        self.signer = Signer.new()
        self.serial = 0

    def cert(self, common_name: str, *, other_key: bool = False) -> bytes:
        self.serial += 1
        signer = Signer.new() if other_key else self.signer
        return signer.certificate(subject(common_name), serial=self.serial)

    def crl(self, common_name: str, day: int = 1) -> bytes:
        """A CRL whose issuer is ``subject(common_name)`` (its hash is that subject's)."""
        issuer = x509.load_der_x509_certificate(self.signer.certificate(subject(common_name))).subject
        when = datetime.datetime(2026, 1, day, tzinfo=datetime.timezone.utc)
        crl = (
            x509.CertificateRevocationListBuilder()
            .issuer_name(issuer)
            .last_update(when)
            .next_update(when + datetime.timedelta(days=30))
            .sign(self.signer.key, hashes.SHA256())
        )
        return crl.public_bytes(serialization.Encoding.DER)


@pytest.fixture(scope="module")
def certs() -> Certs:
    return Certs()


def hash_of(common_name: str) -> str:
    return name_hash(subject(common_name))


def openssl_rehash(folder: Path) -> str:
    proc = subprocess.run(["openssl", "rehash", str(folder)], capture_output=True, text=True, check=False)
    return proc.stderr


def twins(tmp_path: Path, build: Callable[[Path], None]) -> tuple[Path, Path]:
    """The same folder twice: (for openssl, for us)."""
    source = tmp_path / "source"
    source.mkdir()
    build(source)
    theirs, ours = tmp_path / "openssl", tmp_path / "ours"
    shutil.copytree(source, theirs, symlinks=True)
    shutil.copytree(source, ours, symlinks=True)
    return theirs, ours


# --- scenarios -----------------------------------------------------------------------------------


def roots(folder: Path, certs: Certs) -> None:
    for index in range(5):
        (folder / f"root-{index}.pem").write_bytes(pem(certs.cert(f"Root {index}")))


def duplicates(folder: Path, certs: Certs) -> None:
    der = certs.cert("Duplicated Root")
    (folder / "b-copy.pem").write_bytes(pem(der))
    (folder / "a-original.pem").write_bytes(pem(der))
    (folder / "c-crlf.crt").write_bytes(pem(der).replace(b"\n", b"\r\n"))
    (folder / "other.pem").write_bytes(pem(certs.cert("Other Root")))
    subprocess.run(
        ["openssl", "x509", "-in", str(folder / "a-original.pem"), "-trustout", "-addtrust", "serverAuth",
         "-out", str(folder / "0-trusted.pem")],
        check=True,
    )  # fmt: skip


def collisions(folder: Path, certs: Certs) -> None:
    # the same subject under three keys, named so that byte order decides the numbers
    # (the last two sort differently as strings than as bytes: U+1F600 is F0 9F 98 80, and
    # the undecodable byte F5 becomes U+DCF5, which sorts before U+1F600)
    for filename in ("z-last.pem", "M-upper.pem", "a-first.pem", "é-accent.pem", "\U0001f600-emoji.pem"):
        (folder / filename).write_bytes(pem(certs.cert("Twin CA", other_key=True)))
    (folder / os.fsdecode(b"\xf5-raw.pem")).write_bytes(pem(certs.cert("Twin CA", other_key=True)))
    (folder / "twin-1.crl").write_bytes(pem(certs.crl("Twin CA", 1), "X509 CRL"))
    (folder / "twin-2.crl").write_bytes(pem(certs.crl("Twin CA", 2), "X509 CRL"))


def skipped_files(folder: Path, certs: Certs) -> None:
    one, two = certs.cert("Bundled 1"), certs.cert("Bundled 2")
    (folder / "bundle.pem").write_bytes(pem(one) + pem(two))
    (folder / "root.crt").write_bytes(certs.cert("DER Root"))  # DER: openssl rehash reads PEM only
    (folder / "README").write_text("not a certificate\n")
    (folder / "notes.txt").write_bytes(pem(certs.cert("Wrong Suffix")))
    (folder / "empty.pem").write_bytes(b"")
    (folder / "garbage.cer").write_bytes(os.urandom(300))
    (folder / "key-only.pem").write_bytes(
        b"-----BEGIN PRIVATE KEY-----\n"
        + pem(certs.signer.key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                             serialization.NoEncryption()), "X").split(b"\n", 1)[1]
        .replace(b"-----END X-----", b"-----END PRIVATE KEY-----")
    )  # fmt: skip
    (folder / "UPPER.PEM").write_bytes(pem(certs.cert("Upper Suffix")))
    (folder / "Mixed.Crt").write_bytes(pem(certs.cert("Mixed Suffix")))
    (folder / "broken.pem").write_bytes(pem(certs.cert("Broken"))[:-60] + b"\n-----END CERTIFICATE-----\n")
    visible = certs.signer.certificate(name([[(CN, tlv(0x1A, b"VisibleString"))]]))
    (folder / "visible.pem").write_bytes(pem(visible))  # OpenSSL refuses VisibleString in names
    os.symlink("other-file.pem", folder / "alias.pem")  # a link inside the folder: followed
    (folder / "other-file.pem").write_bytes(pem(certs.cert("Aliased")))
    os.mkdir(folder / "directory.pem")


def mixed_content(folder: Path, certs: Certs) -> None:
    (folder / "cert-and-crl.pem").write_bytes(pem(certs.cert("Both")) + pem(certs.crl("Both"), "X509 CRL"))
    (folder / "crl-only.pem").write_bytes(pem(certs.crl("Only CRL"), "X509 CRL"))
    key = certs.signer.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    (folder / "cert-and-key.pem").write_bytes(pem(certs.cert("With Key")) + key)
    (folder / "two-keys.pem").write_bytes(pem(certs.cert("Two Keys")) + key + key)


SCENARIOS = {
    "roots": roots,
    "duplicates": duplicates,
    "collisions": collisions,
    "skipped-files": skipped_files,
    "mixed-content": mixed_content,
}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_fresh_folder_gets_the_links_openssl_makes(scenario: str, certs: Certs, tmp_path: Path) -> None:
    theirs, ours = twins(tmp_path, lambda folder: SCENARIOS[scenario](folder, certs))
    openssl_rehash(theirs)
    result = rehash(str(ours))
    assert hash_links(ours) == hash_links(theirs)
    assert result.links == hash_links(ours)
    assert result.changed == bool(hash_links(ours))
    assert sorted(result.created) == sorted(hash_links(ours)) and result.removed == []
    # a second run changes nothing and writes nothing
    before = snapshot(ours, include_roots=True)
    again = rehash(str(ours))
    assert not again.changed and again.created == [] and again.removed == []
    assert snapshot(ours, include_roots=True) == before
    # and neither does a run on what openssl made
    assert not rehash(str(theirs)).changed


def test_what_each_scenario_exercises(certs: Certs, tmp_path: Path) -> None:
    """The scenarios above compare equal only if they contain what they claim to."""
    links = {}
    for scenario, build in SCENARIOS.items():
        folder = tmp_path / scenario
        folder.mkdir()
        build(folder, certs)
        links[scenario] = rehash(str(folder))
    twin = hash_of("Twin CA")
    assert links["collisions"].links == {
        f"{twin}.0": "M-upper.pem",
        f"{twin}.1": "a-first.pem",
        f"{twin}.2": "z-last.pem",
        f"{twin}.3": "é-accent.pem",
        f"{twin}.4": "\U0001f600-emoji.pem",
        f"{twin}.5": os.fsdecode(b"\xf5-raw.pem"),
        f"{twin}.r0": "twin-1.crl",
        f"{twin}.r1": "twin-2.crl",
    }
    assert list(links["duplicates"].links.values()) in (
        ["0-trusted.pem", "other.pem"],
        ["other.pem", "0-trusted.pem"],
    )
    assert sum("skipping duplicate certificate" in w for w in links["duplicates"].warnings) == 3
    skipped = links["skipped-files"]
    assert sorted(skipped.links.values()) == ["Mixed.Crt", "UPPER.PEM", "alias.pem"]
    for filename in (
        "bundle.pem",
        "root.crt",
        "empty.pem",
        "garbage.cer",
        "key-only.pem",
        "broken.pem",
        "visible.pem",
    ):
        assert any(filename in warning for warning in skipped.warnings), filename
    assert any("other-file.pem: same as alias.pem" in warning for warning in skipped.warnings)
    mixed = links["mixed-content"]
    assert mixed.links == {
        f"{hash_of('Both')}.0": "cert-and-crl.pem",
        f"{hash_of('Only CRL')}.r0": "crl-only.pem",
        f"{hash_of('With Key')}.0": "cert-and-key.pem",
    }


# --- folders that already have links --------------------------------------------------------------


def rehashed_by_openssl(folder: Path, certs: Certs) -> None:
    collisions(folder, certs)
    roots(folder, certs)
    openssl_rehash(folder)


EVOLUTIONS = {
    # a new twin that sorts first: existing links keep their numbers, the new one takes .6
    "add-twin-sorting-first": lambda folder, certs: (folder / "0-new.pem").write_bytes(
        pem(certs.cert("Twin CA", other_key=True))
    ),
    # the file behind the highest number goes: its link goes too
    "remove-highest": lambda folder, certs: (folder / hash_links(folder)[f"{hash_of('Twin CA')}.5"]).unlink(),
    # a file gets another certificate: the old hash link goes, a new one comes
    "content-replaced": lambda folder, certs: (folder / "root-2.pem").write_bytes(
        pem(certs.cert("Replaced"))
    ),
    # a stale link of a hash nobody has any more
    "stale-link": lambda folder, certs: os.symlink("gone.pem", folder / "0badc0de.0"),
    "nothing": lambda folder, certs: None,
}


@pytest.mark.parametrize("evolution", EVOLUTIONS)
def test_rehashed_folder_after_a_change_gets_the_links_openssl_makes(
    evolution: str, certs: Certs, tmp_path: Path
) -> None:
    def build(folder: Path) -> None:
        rehashed_by_openssl(folder, certs)
        EVOLUTIONS[evolution](folder, certs)

    theirs, ours = twins(tmp_path, build)
    before = hash_links(ours)
    openssl_rehash(theirs)
    result = rehash(str(ours))
    assert hash_links(ours) == hash_links(theirs)
    assert result.changed == (evolution != "nothing")
    assert result.previous_links == before
    assert sorted(result.created) == sorted(n for n, t in hash_links(ours).items() if before.get(n) != t)
    assert sorted(result.removed) == sorted(n for n in before if n not in hash_links(ours))


def by_hash(links: dict[str, str]) -> dict[str, set[str]]:
    grouped: dict[str, set[str]] = {}
    for link, target in links.items():
        grouped.setdefault(link.rsplit(".", 1)[0] + ("r" if ".r" in link else ""), set()).add(target)
    return grouped


def assert_sound(folder: Path, tmp_path: Path) -> None:
    """Each certificate a fresh openssl rehash links is linked once, numbered 0..n-1, and nothing else is."""
    expected = openssl_rehash_links(folder, tmp_path / "clean", check=False)
    actual = hash_links(folder)
    assert by_hash(actual) == by_hash(expected)
    assert sorted(actual) == sorted(expected)
    for target in actual.values():
        assert (folder / target).is_file()


BUGS = {
    # openssl keeps the dangling .0 (below the count needed) and numbers the survivors after it
    "dangling-low-number": lambda folder: (folder / hash_links(folder)[f"{hash_of('Twin CA')}.0"]).unlink(),
    # openssl leaves a second, higher link to a file that is already linked
    "second-link": lambda folder: os.symlink("root-1.pem", folder / f"{hash_of('Root 1')}.5"),
    # openssl removes only one of two stale links to the same missing file
    "two-stale-links": lambda folder: [os.symlink("gone.pem", folder / f"0badc0de.{n}") for n in (3, 4)],
    # openssl takes upper-case hex and padded numbers for its own links, but only ever opens hhhhhhhh.N
    "non-canonical-names": lambda folder: [
        os.unlink(folder / f"{hash_of('Root 3')}.0"),
        os.symlink("root-3.pem", folder / f"{hash_of('Root 3').upper()}.0"),
        os.unlink(folder / f"{hash_of('Root 4')}.0"),
        os.symlink("root-4.pem", folder / f"{hash_of('Root 4')}.00"),
    ],
    # a link to the right file by another spelling: openssl keeps it and adds a second one
    "dot-slash-target": lambda folder: [
        os.unlink(folder / f"{hash_of('Root 0')}.0"),
        os.symlink("./root-0.pem", folder / f"{hash_of('Root 0')}.0"),
    ],
}


# What we make instead (link -> target; None: no such link)
FIXED: dict[str, Callable[[], dict[str, Optional[str]]]] = {
    # the right links keep .1 to .4; the twin that was .5 takes the freed .0
    "dangling-low-number": lambda: {
        f"{hash_of('Twin CA')}.0": os.fsdecode(b"\xf5-raw.pem"),
        f"{hash_of('Twin CA')}.1": "a-first.pem",
        f"{hash_of('Twin CA')}.2": "z-last.pem",
        f"{hash_of('Twin CA')}.3": "é-accent.pem",
        f"{hash_of('Twin CA')}.4": "\U0001f600-emoji.pem",
        f"{hash_of('Twin CA')}.5": None,
    },
    "second-link": lambda: {f"{hash_of('Root 1')}.0": "root-1.pem", f"{hash_of('Root 1')}.5": None},
    "two-stale-links": lambda: {"0badc0de.3": None, "0badc0de.4": None},
    "non-canonical-names": lambda: {
        f"{hash_of('Root 3').upper()}.0": None,
        f"{hash_of('Root 3')}.0": "root-3.pem",
        f"{hash_of('Root 4')}.00": None,
        f"{hash_of('Root 4')}.0": "root-4.pem",
    },
    "dot-slash-target": lambda: {f"{hash_of('Root 0')}.0": "root-0.pem"},
}


@pytest.mark.parametrize("bug", BUGS)
def test_openssl_rehash_bugs_are_not_reproduced(bug: str, certs: Certs, tmp_path: Path) -> None:
    def build(folder: Path) -> None:
        rehashed_by_openssl(folder, certs)
        BUGS[bug](folder)

    theirs, ours = twins(tmp_path, build)
    openssl_rehash(theirs)
    result = rehash(str(ours))
    assert result.changed
    assert hash_links(ours) != hash_links(theirs), "openssl rehash got this right: the documented bug is gone"
    assert_sound(ours, tmp_path / "check")
    final = hash_links(ours)
    for link, target in FIXED[bug]().items():
        assert final.get(link) == target, (link, final.get(link), target)
    assert not rehash(str(ours)).changed


# --- certificate files that are links: in the folder, out of it, chains, a folder that is a link ------

MOZILLA = Path("/usr/share/ca-certificates/mozilla")


def elsewhere(tmp_path: Path, certs: Certs) -> Path:
    """Certificates outside the keystore, reached by links (the second hop of a chain included)."""
    outside = tmp_path / "elsewhere"
    if not outside.exists():
        (outside / "deeper").mkdir(parents=True)
        for index in range(3):
            (outside / f"out-{index}.pem").write_bytes(pem(certs.cert(f"Outside {index}")))
        (outside / "deeper" / "end.crt").write_bytes(pem(certs.cert("End Of Chain")))
        os.symlink("deeper/end.crt", outside / "hop")  # no rehash suffix: only a step of a chain
        os.symlink(str(outside / "out-2.pem"), outside / "out-2-again.pem")
    return outside


def all_link_kinds(folder: Path, certs: Certs, outside: Path) -> None:
    roots(folder, certs)
    os.symlink("root-1.pem", folder / "in-folder-link.pem")  # a duplicate of root-1.pem by a link
    os.symlink(str(outside / "out-0.pem"), folder / "absolute-out.pem")
    os.symlink("../elsewhere/out-1.pem", folder / "relative-out.crt")
    os.symlink(str(outside / "hop"), folder / "chain-out.pem")  # link -> link -> file, all outside
    os.symlink("chain-in.crt", folder / "chain-start.cer")  # link -> link in the folder -> file outside
    os.symlink(str(outside / "out-2-again.pem"), folder / "chain-in.crt")
    os.symlink("nowhere.pem", folder / "dangling.pem")
    os.symlink(str(outside / "deeper"), folder / "a-folder.pem")
    os.symlink(str(outside / "out-0.pem"), folder / "no-suffix")  # not read: no rehash suffix
    for root_file in sorted(os.listdir(MOZILLA))[:20] if MOZILLA.is_dir() else []:
        os.symlink(str(MOZILLA / root_file), folder / root_file)


LINK_KINDS = {
    "fresh": lambda folder, certs: None,
    # links made by openssl rehash before, then the folder changes
    "rehashed-then-changed": lambda folder, certs: [
        openssl_rehash(folder),
        os.unlink(folder / "relative-out.crt"),
        os.symlink("../elsewhere/out-0.pem", folder / "zz-late-out.pem"),
        (folder / "root-3.pem").unlink(),
    ],
    "rehashed": lambda folder, certs: openssl_rehash(folder),
}


@pytest.mark.parametrize("history", LINK_KINDS)
@pytest.mark.parametrize("folder_is_a_link", [False, True], ids=["folder", "folder-is-a-link"])
def test_certificate_files_that_are_links_get_the_links_openssl_makes(
    history: str, folder_is_a_link: bool, certs: Certs, tmp_path: Path
) -> None:
    outside = elsewhere(tmp_path, certs)

    def build(folder: Path) -> None:
        all_link_kinds(folder, certs, outside)
        LINK_KINDS[history](folder, certs)

    theirs, ours = twins(tmp_path, build)
    if folder_is_a_link:  # rehash the real folders through links to them, as cacerts -> /etc/ssl/certs
        for real in (theirs, ours):
            os.symlink(real.name, tmp_path / f"{real.name}-link")
        theirs, ours = tmp_path / "openssl-link", tmp_path / "ours-link"
    openssl_rehash(theirs)
    before = snapshot(ours, include_roots=True)
    result = rehash(str(ours))
    assert hash_links(ours) == hash_links(theirs)
    assert result.links == hash_links(ours)
    linked = set(hash_links(ours).values())
    for expected in ("absolute-out.pem", "relative-out.crt", "chain-out.pem", "chain-in.crt", "root-0.pem"):
        assert expected in linked or (expected == "relative-out.crt" and history != "fresh"), expected
    # the same certificate by a second name (a link) is a duplicate, as for openssl
    assert "in-folder-link.pem" in linked and "root-1.pem" not in linked and "chain-start.cer" not in linked
    assert any("a-folder.pem: a link to a folder" in warning for warning in result.warnings)
    assert any("dangling.pem: a dangling link (to nowhere.pem)" in warning for warning in result.warnings)
    if history == "rehashed":
        assert not result.changed and snapshot(ours, include_roots=True) == before
    again = snapshot(ours, include_roots=True)
    assert not rehash(str(ours)).changed
    assert snapshot(ours, include_roots=True) == again
    # what the client does with these links: every linked test root verifies against the folder
    for target in linked - set(os.listdir(MOZILLA) if MOZILLA.is_dir() else ()):
        verified = subprocess.run(
            [
                "openssl",
                "verify",
                "-no_check_time",
                "-CApath",
                str(ours),
                "-no-CAfile",
                "-no-CAstore",
                str(ours / target),
            ],
            capture_output=True,
            text=True,
        )
        assert verified.returncode == 0, (target, verified.stdout + verified.stderr)


@pytest.mark.skipif(not MOZILLA.is_dir(), reason="needs the ca-certificates package")
def test_the_mozilla_roots_linked_into_the_folder_keep_every_hash_link(tmp_path: Path) -> None:
    """The forum advice: ln -s /usr/share/ca-certificates/mozilla/* cacerts/ then openssl rehash."""
    theirs, ours = tmp_path / "openssl", tmp_path / "ours"
    for folder in (theirs, ours):
        folder.mkdir()
        for root_file in os.listdir(MOZILLA):
            os.symlink(str(MOZILLA / root_file), folder / root_file)
    openssl_rehash(theirs)
    assert len(hash_links(theirs)) == len(os.listdir(MOZILLA)) > 100
    fresh = rehash(str(ours))
    assert hash_links(ours) == hash_links(theirs) and fresh.removed == []
    # on the folder openssl made: nothing to do, nothing written
    before = snapshot(theirs, include_roots=True)
    again = rehash(str(theirs))
    assert not again.changed and again.created == [] and again.removed == []
    assert snapshot(theirs, include_roots=True) == before


def test_hash_links_that_leave_the_folder(certs: Certs, tmp_path: Path) -> None:
    """Judged by their target's name as openssl does, except one that works: that one stays."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "foreign.pem").write_bytes(pem(certs.cert("Foreign")))
    (outside / "kept.pem").write_bytes(pem(certs.cert("Kept")))
    folder = tmp_path / "keystore"
    folder.mkdir()
    (folder / "local.pem").write_bytes(pem(certs.cert("Local")))
    local, kept = hash_of("Local"), hash_of("Kept")
    os.symlink(str(outside / "foreign.pem"), folder / f"{local}.0")  # outside, wrong hash, low number
    os.symlink("../elsewhere/foreign.pem", folder / "12345678.0")  # outside, wrong hash
    os.symlink(str(outside / "kept.pem"), folder / f"{kept}.0")  # outside, works: the client finds Kept
    os.symlink(str(outside / "foreign.pem"), folder / "foreign-alias.pem")  # a certificate file linking out
    before = snapshot(folder, include_roots=True)

    result = rehash(str(folder))

    assert hash_links(folder) == {
        f"{local}.0": "local.pem",
        f"{hash_of('Foreign')}.0": "foreign-alias.pem",
        f"{kept}.0": str(outside / "kept.pem"),
    }
    after = snapshot(folder, include_roots=True)
    for entry in (f"{kept}.0", "foreign-alias.pem"):
        assert after[str(folder / entry)] == before[str(folder / entry)]
    assert result.removed == ["12345678.0"]
    assert any(f"{kept}.0" in warning and "outside" in warning for warning in result.warnings)
    assert not rehash(str(folder)).changed


def test_links_to_devices_fifos_and_sockets_are_never_opened(certs: Certs, tmp_path: Path) -> None:
    """openssl rehash would block on the FIFO and read /dev/zero forever: we name each and go on."""
    import socket

    folder = tmp_path / "keystore"
    folder.mkdir()
    (folder / "root.pem").write_bytes(pem(certs.cert("Among Traps")))
    os.mkfifo(folder / "fifo.pem")
    os.mkfifo(tmp_path / "fifo-elsewhere")
    os.symlink(str(tmp_path / "fifo-elsewhere"), folder / "to-fifo.pem")
    os.symlink("/dev/zero", folder / "zero.pem")
    os.symlink("/dev/zero", folder / f"{hash_of('Among Traps')}.3")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "sock"))
    os.symlink(str(tmp_path / "sock"), folder / "socket.crt")
    big = tmp_path / "big.pem"
    with open(big, "wb") as handle:
        handle.truncate(_rehash.MAX_REHASH_BYTES + 1)
    os.symlink(str(big), folder / "big.pem")

    result = rehash(str(folder))
    server.close()

    assert hash_links(folder) == {f"{hash_of('Among Traps')}.0": "root.pem"}
    warnings = "\n".join(result.warnings)
    for expected in (
        "fifo.pem: a FIFO, not a file",
        "to-fifo.pem: a link to a FIFO",
        "zero.pem: a link to a character device (/dev/zero)",
        "socket.crt: a link to a socket",
        "big.pem: larger than 64 MiB",
    ):
        assert expected in warnings, expected


def test_read_regular_file_names_what_it_refuses(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"x" * 10)
    os.symlink("file", tmp_path / "link")
    os.symlink("link", tmp_path / "chain")
    assert _rehash.read_regular_file(str(tmp_path / "chain"), limit=10) == b"x" * 10
    with pytest.raises(_rehash.NotLoadable, match=r"larger than 9 bytes \(10 bytes\)"):
        _rehash.read_regular_file(str(tmp_path / "chain"), limit=9)
    with pytest.raises(_rehash.NotLoadable, match="a folder, not a file"):
        _rehash.read_regular_file(str(tmp_path), limit=9)


# --- file names that are not UTF-8 ------------------------------------------------------------------


def test_a_file_name_that_is_not_utf8_is_linked_and_shown_escaped(certs: Certs, tmp_path: Path) -> None:
    theirs, ours = twins(
        tmp_path, lambda folder: (folder / os.fsdecode(b"caf\xe9.pem")).write_bytes(pem(certs.cert("Cafe")))
    )
    openssl_rehash(theirs)
    result = rehash(str(ours))
    assert hash_links(ours) == hash_links(theirs) == {f"{hash_of('Cafe')}.0": os.fsdecode(b"caf\xe9.pem")}
    assert display_name(os.fsdecode(b"caf\xe9.pem")) == "caf\\xe9.pem"
    assert display_name("caf\\xe9.pem") == "caf\\\\xe9.pem"  # a real backslash: never the same form
    assert display_name("café.pem") == "café.pem"
    shown = displayable({"links": result.links, "warnings": ["skipping " + os.fsdecode(b"\xff.pem")]})
    assert shown["links"] == {f"{hash_of('Cafe')}.0": "caf\\xe9.pem"}
    assert shown["warnings"] == ["skipping \\xff.pem"]
    json.dumps(shown).encode("utf-8")
    assert not rehash(str(ours)).changed


# --- check mode, errors ----------------------------------------------------------------------------


def test_check_mode_touches_nothing_and_predicts_the_run(certs: Certs, tmp_path: Path) -> None:
    folder = tmp_path / "keystore"
    folder.mkdir()
    rehashed_by_openssl(folder, certs)
    BUGS["dangling-low-number"](folder)
    (folder / "new.pem").write_bytes(pem(certs.cert("New")))
    before = snapshot(folder, include_roots=True)
    predicted = rehash(str(folder), check_mode=True)
    assert snapshot(folder, include_roots=True) == before
    assert predicted.changed
    done = rehash(str(folder))
    assert (done.created, done.removed, done.links) == (predicted.created, predicted.removed, predicted.links)


def test_missing_folder_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(IcaClientError, match=f"cannot rehash {tmp_path}/nope: no such folder"):
        rehash(str(tmp_path / "nope"))


def test_a_file_is_not_a_folder(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(IcaClientError, match="not a folder"):
        rehash(str(tmp_path / "file"))


@contextmanager
def read_only(folder: Path) -> Iterator[str]:
    """Make ``folder`` unwritable even for root: immutable attribute, else a read-only bind mount."""
    if subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode == 0:
        try:
            yield "Operation not permitted"
        finally:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        return
    if (
        subprocess.run(
            ["mount", "--bind", "-o", "ro", str(folder), str(folder)], capture_output=True
        ).returncode
        == 0
    ):
        try:
            yield "Read-only file system"
        finally:
            subprocess.run(["umount", str(folder)], check=True)
        return
    pytest.fail("cannot make a folder read-only for root here (neither chattr +i nor a read-only bind mount)")


def test_read_only_folder_that_needs_links_is_an_error_and_unchanged(certs: Certs, tmp_path: Path) -> None:
    folder = tmp_path / "keystore"
    folder.mkdir()
    rehashed_by_openssl(folder, certs)
    (folder / "new.pem").write_bytes(pem(certs.cert("New")))
    os.unlink(folder / hash_links(folder)[f"{hash_of('Twin CA')}.3"])
    before = snapshot(folder, include_roots=True)
    with read_only(folder) as cause:
        with pytest.raises(IcaClientError) as caught:
            rehash(str(folder))
        assert str(folder) in caught.value.message and cause in caught.value.message
        assert snapshot(folder, include_roots=True) == before
        # check mode says what would happen, and that it cannot
        predicted = rehash(str(folder), check_mode=True)
        assert predicted.changed and any("not writable" in warning for warning in predicted.warnings)


def test_read_only_folder_that_is_right_already_passes(certs: Certs, tmp_path: Path) -> None:
    folder = tmp_path / "keystore"
    folder.mkdir()
    rehashed_by_openssl(folder, certs)
    with read_only(folder):
        assert not rehash(str(folder)).changed


def test_a_failure_half_way_restores_the_links(
    certs: Certs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "keystore"
    folder.mkdir()
    rehashed_by_openssl(folder, certs)
    BUGS["dangling-low-number"](folder)
    BUGS["second-link"](folder)
    for index in range(3):
        (folder / f"new-{index}.pem").write_bytes(pem(certs.cert(f"New {index}")))
    before = hash_links(folder)
    names = sorted(os.listdir(folder))
    real_symlink = os.symlink
    calls = []

    def failing_symlink(target: str, path: str, *args: object, **kwargs: object) -> None:
        calls.append(path)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)
        real_symlink(target, path, *args, **kwargs)

    monkeypatch.setattr(os, "symlink", failing_symlink)
    with pytest.raises(IcaClientError, match="No space left on device"):
        rehash(str(folder))
    monkeypatch.setattr(os, "symlink", real_symlink)
    assert hash_links(folder) == before
    assert sorted(os.listdir(folder)) == names  # no temporary link left behind


# --- several processes ------------------------------------------------------------------------------


def test_a_big_folder_read_by_several_processes_gets_the_same_plan(
    certs: Certs, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "keystore"
    folder.mkdir()
    rehashed_by_openssl(folder, certs)
    skipped_files(folder, certs)
    duplicates(folder, certs)
    BUGS["second-link"](folder)
    sequential = plan_rehash(str(folder))

    forks = []
    real_fork_scan = rehash_scan._fork_scan
    monkeypatch.setattr(rehash_scan, "_ENTRIES_PER_PROCESS", 5)
    monkeypatch.setattr(rehash_scan, "_idle_cpus", lambda: 4.0)
    monkeypatch.setattr(rehash_scan, "_fork_scan", lambda *args: forks.append(args) or real_fork_scan(*args))
    parallel = plan_rehash(str(folder))
    assert len(forks) == 3
    assert parallel == sequential

    # a child that cannot start: the parent does its share
    monkeypatch.setattr(rehash_scan, "_fork_scan", lambda *args: None)
    assert plan_rehash(str(folder)) == sequential


def test_identify_agrees_with_the_pem_reader(certs: Certs) -> None:
    """The rehash's shortcut for plain single-certificate files gives the general reader's answer."""
    der = certs.cert("Shortcut")
    for data in (pem(der), pem(der).replace(b"\n", b"\r\n"), b"text\n" + pem(der)):
        kind, found_hash, found_der = rehash_identify._identify(data, rehash_identify.NameHasher())
        assert (kind, found_der) == ("", pem_blocks(data)[0][1])
        assert found_hash == name_hash(cert_subject_der(der))


_PEM_SAMPLE = pem(Signer.new().certificate(subject("Fuzz")))


@settings(max_examples=300, deadline=None)
@given(
    edits=st.lists(
        st.tuples(st.integers(0, len(_PEM_SAMPLE) - 1), st.sampled_from(b"\n\r -=:AZaz09+/\x00\xff")),
        max_size=4,
    ),
    cut=st.integers(0, len(_PEM_SAMPLE)),
)
def test_mangled_files_are_skipped_with_a_reason(edits: list[tuple[int, int]], cut: int) -> None:
    data = bytearray(_PEM_SAMPLE)
    for position, value in edits:
        data[position] = value
    try:
        kind, found_hash, der = rehash_identify._identify(bytes(data[:cut]), rehash_identify.NameHasher())
    except rehash_identify._Skip as skip:
        assert str(skip)
        return
    assert kind in ("", "r") and len(found_hash) == 8 and der


def test_the_shortcut_for_plain_files_changes_no_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plain one-certificate files take a shortcut; the general reader gives the same answers."""
    rng = random.Random(7)
    signer = Signer.new()
    files = [pem(signer.certificate(random_subject(rng)[0], serial=n + 1)) for n in range(300)]

    def outcomes() -> list:
        found = []
        hasher = rehash_identify.NameHasher()
        for data in files:
            try:
                found.append(rehash_identify._identify(data, hasher))
            except rehash_identify._Skip as skip:
                found.append(str(skip))
        return found

    with_shortcut = outcomes()
    monkeypatch.setattr(rehash_identify, "single_plain_block", lambda data: None)
    assert outcomes() == with_shortcut
    assert sum(isinstance(outcome, tuple) for outcome in with_shortcut) > 150
