"""Shared pytest fixtures (each helper adds its own; do not rename others')."""

from __future__ import annotations

import datetime
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@dataclass(frozen=True)
class StockIcaroot:
    """A sandbox copy of the client's stock ini files: ``icaroot/config`` and one user's ``~/.ICAClient``."""

    icaroot: Path
    config: Path
    home: Path
    user_config: Path


@pytest.fixture
def stock_icaroot(tmp_path: Path) -> StockIcaroot:
    """Stock ``$ICAROOT/config`` (wfclient.ini, All_Regions.ini, region files under singular and
    plural names, module.ini, appsrv.ini, regions.ini, usertemplate/) and a user home with
    ``~/.ICAClient/wfclient.ini`` and ``All_Regions.ini``, copied into ``tmp_path``."""
    icaroot = tmp_path / "icaroot"
    shutil.copytree(FIXTURES / "icaroot" / "config", icaroot / "config")
    home = tmp_path / "home"
    shutil.copytree(FIXTURES / "home", home)
    return StockIcaroot(
        icaroot=icaroot, config=icaroot / "config", home=home, user_config=home / ".ICAClient"
    )


# ---------------------------------------------------------------------------
# Test PKI (keystore helper)


@dataclass(frozen=True)
class Issued:
    """A certificate of the test PKI with its private key."""

    name: str
    cert: x509.Certificate
    key: Any

    @property
    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    @property
    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    @property
    def fingerprint(self) -> str:
        """SHA-256, colon hex upper (the form the keystore modules return)."""
        return ":".join(f"{b:02X}" for b in self.cert.fingerprint(hashes.SHA256()))

    @property
    def key_pem(self) -> bytes:
        return self.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )


class TestPKI:
    """Factory for a small test PKI built with ``cryptography`` (see the ``pki`` fixture).

    Ready-made: ``root`` (self-signed CA, RSA 2048, CN "Test Root CA"),
    ``intermediate`` (CA issued by root, EC P-256), ``leaf`` (server certificate
    for ``server.test``/``localhost`` issued by the intermediate, EC P-256). They are
    made on first use and shared by the whole session: treat them as read-only.

    ``issue(...)`` makes any other certificate; ``key("ec" | "rsa2048" | "rsa4096" |
    "rsa8192")`` returns a cached key (RSA 4096/8192 are generated once and kept in
    pytest's cache folder across sessions, since 8192-bit key generation takes seconds);
    ``write(issued, "name.pem", fmt="pem" | "der")`` writes a certificate into the
    PKI's folder and returns the path.
    """

    __test__ = False  # not a test class

    def __init__(self, directory: Path, cache_dir: Optional[Path] = None) -> None:
        self.directory = directory
        self.cache_dir = cache_dir
        self._keys: dict[str, Any] = {}
        self._ready: dict[str, Issued] = {}

    # keys -----------------------------------------------------------------
    def key(self, kind: str = "ec") -> Any:
        if kind not in self._keys:
            self._keys[kind] = self._load_or_make_key(kind)
        return self._keys[kind]

    def fresh_key(self, kind: str = "ec") -> Any:
        """A new, uncached key (for certificates that must not share a key)."""
        return self._make_key(kind)

    def _load_or_make_key(self, kind: str) -> Any:
        cached = self.cache_dir / f"{kind}.key" if self.cache_dir and kind.startswith("rsa") else None
        if cached is not None and cached.exists():
            # Our own key: skip the RSA consistency check, which takes seconds for 8192 bits.
            return serialization.load_pem_private_key(
                cached.read_bytes(), password=None, unsafe_skip_rsa_key_validation=True
            )
        key = self._make_key(kind)
        if cached is not None:
            cached.write_bytes(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
        return key

    @staticmethod
    def _make_key(kind: str) -> Any:
        if kind == "ec":
            return ec.generate_private_key(ec.SECP256R1())
        if kind.startswith("rsa"):
            return rsa.generate_private_key(public_exponent=65537, key_size=int(kind[3:]))
        raise ValueError(f"unknown key kind {kind}")

    # certificates -----------------------------------------------------------
    def issue(
        self,
        common_name: str,
        *,
        issuer: Optional[Issued] = None,
        ca: Optional[bool] = True,
        key: Any = None,
        key_kind: str = "ec",
        not_before: Optional[datetime.datetime] = None,
        not_after: Optional[datetime.datetime] = None,
        subject: Optional[x509.Name] = None,
        key_cert_sign: Optional[bool] = None,
        sans: tuple[str, ...] = (),
    ) -> Issued:
        """Issue a certificate; ``issuer=None`` makes it self-signed.

        ``ca=None`` leaves basicConstraints out; ``key_cert_sign=None`` follows ``ca``
        (keyUsage keyCertSign+cRLSign for a CA, digitalSignature otherwise).
        """
        now = datetime.datetime.now(datetime.timezone.utc)
        key = key if key is not None else self.key(key_kind)
        name = subject or x509.Name(
            [
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, "icaclient test PKI"),
                x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            ]
        )
        signer_name = issuer.cert.subject if issuer else name
        signer_key = issuer.key if issuer else key
        builder = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(signer_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before or now - datetime.timedelta(days=1))
            .not_valid_after(not_after or now + datetime.timedelta(days=3650))
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        )
        if ca is not None:
            builder = builder.add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        signing = ca if key_cert_sign is None else key_cert_sign
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=not signing,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=bool(signing),
                crl_sign=bool(signing),
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        if issuer is not None:
            builder = builder.add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False
            )
        if sans:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(each) for each in sans]), critical=False
            ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        return Issued(common_name, builder.sign(signer_key, hashes.SHA256()), key)

    def _once(self, label: str, make: Any) -> Issued:
        if label not in self._ready:
            self._ready[label] = make()
            self.write(self._ready[label], f"{label}.pem")
        return self._ready[label]

    @property
    def root(self) -> Issued:
        return self._once("root", lambda: self.issue("Test Root CA", key=self.key("rsa2048")))

    @property
    def intermediate(self) -> Issued:
        return self._once(
            "intermediate", lambda: self.issue("Test Issuing CA", issuer=self.root, key=self.fresh_key())
        )

    @property
    def leaf(self) -> Issued:
        return self._once(
            "leaf",
            lambda: self.issue(
                "server.test",
                issuer=self.intermediate,
                ca=False,
                key=self.fresh_key(),
                sans=("server.test", "localhost"),
            ),
        )

    def write(
        self, issued: Issued, filename: str, fmt: str = "pem", directory: Optional[Path] = None
    ) -> Path:
        path = (directory or self.directory) / filename
        path.write_bytes(issued.pem if fmt == "pem" else issued.der)
        return path

    def path(self, label: str) -> Path:
        """Path of a ready-made certificate's PEM file (``root``, ``intermediate``, ``leaf``)."""
        getattr(self, label)
        return self.directory / f"{label}.pem"


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> TestPKI:
    """Session-wide test PKI: ``pki.root`` / ``pki.intermediate`` / ``pki.leaf`` (each an
    :class:`Issued` with ``cert``, ``key``, ``pem``, ``der``, ``fingerprint``; their PEM files
    at ``pki.path("root")`` ...), ``pki.issue(...)`` for more, ``pki.key("rsa8192")`` for a
    cached 8192-bit key. Certificates are made lazily; keys are EC P-256 except the root's
    (RSA 2048), for speed."""
    return TestPKI(tmp_path_factory.mktemp("pki"), Path(request.config.cache.mkdir("icaclient-pki-keys")))


@pytest.fixture
def icaroot(stock_icaroot: StockIcaroot) -> Path:
    """A sandbox ICAROOT under ``tmp_path``: the stock ``config/`` (from ``stock_icaroot``), an
    empty ``keystore/cacerts/`` (no ``intcerts/``, as on a fresh install) and ``util/``."""
    root = stock_icaroot.icaroot
    (root / "keystore" / "cacerts").mkdir(parents=True, exist_ok=True)
    (root / "util").mkdir(exist_ok=True)
    return root


# ---------------------------------------------------------------------------
# The prober's network peers (TLS servers, squid, dante, microsocks, stunnel):
# session fixtures in tests/integration/conftest_probe.py.

pytest_plugins = ["integration.conftest_probe"]
