"""Build the sandbox endpoint the demo provisions: a stand-in ICAROOT and a demo PKI.

The proprietary client cannot be installed here, so the sandbox holds what the
client's package lays out (config/, keystore/cacerts/, pkginf/Ver.core.linuxx64 with the
ID_VERSION line the prober reads (a stand-in 24.2 release, so the sandbox judges trust as a
2309+ client does), util/ctx_rehash and util/storebrowse stand-ins) from our own stock files in
tests/fixtures/icaroot, and the certificates an
administrator would be handed: a corporate root (PEM), an issuing intermediate
(DER, as they often arrive), a bundle of both, and a gateway server certificate.
Existing files are kept, so a second run changes nothing.

It also writes ``sandbox-vars.json`` into the sandbox: the variables that point the sandbox
inventory (inventories/sandbox) at this sandbox (``icaclient_icaroot``,
``icaclient_sandbox_pki``, ``icaclient_sandbox_home``),
for ``ansible-playbook -e @SANDBOX_DIR/sandbox-vars.json``. ``home/root`` is the home the
sandbox keeps root's client files in (stores), instead of the machine's /root.

Usage: python scripts/make_sandbox.py [SANDBOX_DIR]
(default: $ICACLIENT_SANDBOX, else ./sandbox)
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ROOT = Path(__file__).resolve().parent.parent
STOCK = ROOT / "tests" / "fixtures" / "icaroot"


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Sandbox Corp"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def issue_certificate(subject, key, issuer, issuer_key, *, ca: bool, days: int, sans=()):
    """A CA certificate (ca=True) or a TLS server certificate for ``sans``; also used by demo_gateways.py."""
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
    else:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName(name) for name in sans]), critical=False
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def make_pki(pki: Path) -> None:
    if (pki / "gateway.pem").exists():
        return
    pki.mkdir(parents=True, exist_ok=True)
    root_key = ec.generate_private_key(ec.SECP384R1())
    root = issue_certificate(
        _name("Sandbox Corp Root CA"), root_key, _name("Sandbox Corp Root CA"), root_key, ca=True, days=3650
    )
    int_key = ec.generate_private_key(ec.SECP256R1())
    inter = issue_certificate(
        _name("Sandbox Corp Issuing CA 1"), int_key, root.subject, root_key, ca=True, days=1825
    )
    # RSA, as most gateways have: the suites the client offers for an RSA key (ECDHE-RSA) are
    # the confirmed ones; an EC key agrees only on suites the prober marks unconfirmed (a warning).
    leaf_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    leaf = issue_certificate(
        _name("gateway.sandbox.test"),
        leaf_key,
        inter.subject,
        int_key,
        ca=False,
        days=365,
        sans=("gateway.sandbox.test", "localhost"),
    )
    (pki / "corp-root.pem").write_bytes(_pem(root))
    (pki / "corp-issuing-ca1.der").write_bytes(inter.public_bytes(serialization.Encoding.DER))
    (pki / "corp-chain-bundle.pem").write_bytes(_pem(inter) + _pem(root))
    (pki / "gateway.pem").write_bytes(_pem(leaf))
    (pki / "gateway.key").write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    os.chmod(pki / "gateway.key", 0o600)


def make_icaroot(icaroot: Path) -> None:
    if STOCK.is_dir():
        for src in sorted(STOCK.rglob("*")):
            dest = icaroot / src.relative_to(STOCK)
            if src.is_dir():
                dest.mkdir(parents=True, exist_ok=True)
            elif not dest.exists():
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest)
    (icaroot / "keystore" / "cacerts").mkdir(parents=True, exist_ok=True)


def write_vars(sandbox: Path) -> Path:
    home = sandbox / "home" / "root"
    home.mkdir(parents=True, exist_ok=True)
    os.chmod(home, 0o700)
    variables = {
        "icaclient_icaroot": str(sandbox / "icaroot"),
        "icaclient_sandbox_pki": str(sandbox / "pki"),
        "icaclient_sandbox_home": str(home),
    }
    path = sandbox / "sandbox-vars.json"
    data = json.dumps(variables, indent=2) + "\n"
    if not path.exists() or path.read_text() != data:
        path.write_text(data)
    return path


def main(argv: list[str]) -> int:
    default = os.environ.get("ICACLIENT_SANDBOX") or str(ROOT / "sandbox")
    sandbox = Path(argv[1] if len(argv) > 1 else default).resolve()
    make_icaroot(sandbox / "icaroot")
    make_pki(sandbox / "pki")
    write_vars(sandbox)
    print(f"sandbox endpoint ready: ICAROOT={sandbox / 'icaroot'}  PKI={sandbox / 'pki'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
