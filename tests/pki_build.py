"""Test certificates built with ``cryptography``: the one builder of the tests and the bench.

Used by the ``pki`` fixture (:class:`TestPKI`, tests/conftest.py) and by the prober's peers
(``TestPki`` in tests/integration/peers.py, also run by bench/bench_probe.py).

- :func:`issue`: one certificate (self-signed or issued; CA, leaf, or with basicConstraints left
  out; any validity window; DNS and IP SANs; a custom subject).
- :func:`make_key` / :func:`cached_key`: keys by kind, ``"ec"`` (P-256) or ``"rsa<bits>"``;
  cached keys are generated once and kept under ``.cache/test-keys`` (8192-bit RSA takes seconds).
- :class:`TestPKI`: a ready-made root, intermediate and leaf, and a factory for more.

Certificates for odd names that no X.509 library would write are built byte by byte in
tests/unit/_x509_build.py instead.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

KEY_CACHE = Path(__file__).resolve().parents[1] / ".cache" / "test-keys"


def key_pem(key: Any) -> bytes:
    """A private key as unencrypted PKCS#8 PEM."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@dataclass(frozen=True)
class Issued:
    """A test certificate with its private key."""

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
        return key_pem(self.key)


def make_key(kind: str = "ec") -> Any:
    """A new key: ``"ec"`` (P-256) or ``"rsa<bits>"``."""
    if kind == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    if kind.startswith("rsa"):
        return rsa.generate_private_key(public_exponent=65537, key_size=int(kind[3:]))
    raise ValueError(f"unknown key kind {kind}")


def cached_key(kind: str, label: str = "") -> Any:
    """The key of this ``kind`` and ``label``, made once and kept in :data:`KEY_CACHE`.

    Distinct labels give distinct keys (certificates that must not share one).
    """
    path = KEY_CACHE / (f"{label}-{kind}.key" if label else f"{kind}.key")
    if path.exists():
        # Our own key: skip the RSA consistency check, which takes seconds for 8192 bits.
        return serialization.load_pem_private_key(
            path.read_bytes(), password=None, unsafe_skip_rsa_key_validation=True
        )
    key = make_key(kind)
    KEY_CACHE.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".tmp{os.getpid()}")  # concurrent sessions: the last one wins whole
    temporary.write_bytes(key_pem(key))
    os.replace(temporary, path)
    return key


def issue(
    common_name: str,
    *,
    key: Any,
    issuer: Optional[Issued] = None,
    ca: Optional[bool] = True,
    key_cert_sign: Optional[bool] = None,
    sans: tuple[str, ...] = (),
    not_before: Optional[datetime.datetime] = None,
    not_after: Optional[datetime.datetime] = None,
    days: int = 3650,
    subject: Optional[x509.Name] = None,
    organization: str = "icaclient test PKI",
) -> Issued:
    """Issue a certificate for ``key``, signed by ``issuer`` (``None``: self-signed).

    The subject is ``CN=common_name,O=organization`` unless ``subject`` is given. Valid from
    a day ago for ``days`` days unless ``not_before``/``not_after`` say otherwise.
    ``ca=None`` leaves basicConstraints out. keyUsage follows ``key_cert_sign``, which
    defaults to ``ca``: keyCertSign+cRLSign for a signer, digitalSignature otherwise (plus
    keyEncipherment for an RSA key, as a TLS server's). A leaf (``ca=False``) and any
    certificate with ``sans`` (DNS names or IP addresses) gets extendedKeyUsage serverAuth.
    """
    now = datetime.datetime.now(datetime.timezone.utc)
    public = key.public_key()
    name = subject or x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer.cert.subject if issuer else name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - datetime.timedelta(days=1))
        .not_valid_after(not_after or now + datetime.timedelta(days=days))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
    )
    if ca is not None:
        builder = builder.add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    signing = bool(ca if key_cert_sign is None else key_cert_sign)
    builder = builder.add_extension(
        x509.KeyUsage(
            digital_signature=not signing,
            content_commitment=False,
            key_encipherment=not signing and isinstance(key, rsa.RSAPrivateKey),
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=signing,
            crl_sign=signing,
            encipher_only=False,
            decipher_only=False,
        ),
        critical=True,
    )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False
        )
    if ca is False or sans:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
    if sans:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([_general_name(san) for san in sans]), critical=False
        )
    return Issued(builder.sign(issuer.key if issuer else key, hashes.SHA256()), key)


def _general_name(san: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(san))
    except ValueError:
        return x509.DNSName(san)


class TestPKI:
    """A small test PKI for the keystore tests (see the ``pki`` fixture).

    Ready-made: ``root`` (self-signed CA, RSA 2048, CN "Test Root CA"),
    ``intermediate`` (CA issued by root, EC P-256), ``leaf`` (server certificate
    for ``server.test``/``localhost`` issued by the intermediate, EC P-256). They are
    made on first use and shared by the whole session: treat them as read-only.

    ``issue(...)`` makes any other certificate (:func:`issue`'s options; the key defaults to
    the shared ``key(key_kind)``); ``key("ec" | "rsa2048" | "rsa4096" | "rsa8192")`` returns a
    cached key; ``fresh_key(kind)`` a new one; ``write(issued, "name.pem", fmt="pem" | "der")``
    writes a certificate into the PKI's folder and returns the path.
    """

    __test__ = False  # not a test class

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._keys: dict[str, Any] = {}
        self._ready: dict[str, Issued] = {}

    def key(self, kind: str = "ec") -> Any:
        if kind not in self._keys:
            self._keys[kind] = cached_key(kind) if kind.startswith("rsa") else make_key(kind)
        return self._keys[kind]

    def fresh_key(self, kind: str = "ec") -> Any:
        """A new, uncached key (for certificates that must not share a key)."""
        return make_key(kind)

    def issue(self, common_name: str, *, key: Any = None, key_kind: str = "ec", **options: Any) -> Issued:
        return issue(common_name, key=key if key is not None else self.key(key_kind), **options)

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
