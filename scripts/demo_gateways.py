"""The main job's demo gateways: three NetScaler Gateway / StoreFront stand-ins on loopback.

- ``healthy``: the sandbox PKI's gateway certificate (issued by the intermediate the keystore
  role installs, under the root it installs), TLS 1.2 and 1.3. The client connects.
- ``untrusted``: a certificate from another PKI whose root is not in the client's keystore
  (the server sends its leaf and intermediate, as gateways do). Client error 61.
- ``tls10``: the trusted certificate, but TLS 1.0 only (``@SECLEVEL=0``), below the sandbox's
  MinimumTLS=1.2. Client error 47.

The servers are the same threaded TLS server the prober's tests use (scripts/loopback_tls.py).
Ports are kept in ``<sandbox>/gateways/ports.json`` and reused on the next start when they are
still free, so that a store added for the healthy gateway keeps its URL and a second
provisioning run changes nothing; a port taken meanwhile is replaced by a free one.

Once every gateway listens, the Ansible variables of the demo are written (atomically) to
``--vars-file`` (JSON, which is YAML): ``icaclient_demo_gateways``,
``icaclient_compliance_targets`` and the sandbox store list. The process then serves until
SIGTERM or SIGINT, logging each handshake to ``<sandbox>/gateways/gateways.log``.

Usage: python scripts/demo_gateways.py --sandbox DIR [--vars-file FILE] [--pid-file FILE]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Optional

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from make_sandbox import issue_certificate  # scripts/ is sys.path[0]: one certificate builder

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loopback_tls import ServerCert, TlsServer

HOST = "localhost"  # the name the gateway certificates carry (and the sandbox's proxy bypass list)
STORE_PATH = "/Citrix/Store/discovery"
ROGUE_ROOT = "rogue-root.pem"  # the untrusted gateway's root, in <sandbox>/gateways
# The untrusted gateway's certificate expires inside the compliance expiry window (90 days), so
# that the demo's forecast has one to show; it is issued again when fewer than REISSUE_DAYS are
# left, so an old sandbox never serves an expired one (the verdict stays 61).
UNTRUSTED_DAYS = 60
REISSUE_DAYS = 45

# name -> (TLS window, chain, what the client is expected to say, description)
GATEWAYS = {
    "healthy": {
        "tls": ("1.2", "1.3"),
        "chain": "trusted",
        "expect": "pass",
        "description": "sandbox PKI certificate, TLS 1.2-1.3",
    },
    "untrusted": {
        "tls": ("1.2", "1.3"),
        "chain": "untrusted",
        "expect": 61,
        "description": "certificate from a PKI whose root is not in the keystore",
    },
    "tls10": {
        "tls": ("1.0", "1.0"),
        "chain": "trusted",
        "expect": 47,
        "description": "sandbox PKI certificate, TLS 1.0 only",
    },
}


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Rogue Demo Corp"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _write_private(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _key_pem(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def make_chains(sandbox: Path, folder: Path) -> dict[str, ServerCert]:
    """The two chains the gateways serve; made once, kept for later starts."""
    pki = sandbox / "pki"
    for needed in ("gateway.pem", "gateway.key", "corp-issuing-ca1.der"):
        if not (pki / needed).is_file():
            raise SystemExit(
                f"demo_gateways: {pki / needed} is missing: build the sandbox first "
                f"(python scripts/make_sandbox.py {sandbox})"
            )
    folder.mkdir(parents=True, exist_ok=True)
    trusted = folder / "trusted-chain.pem"
    intermediate = x509.load_der_x509_certificate((pki / "corp-issuing-ca1.der").read_bytes())
    chain = (pki / "gateway.pem").read_bytes() + intermediate.public_bytes(serialization.Encoding.PEM)
    if not trusted.exists() or trusted.read_bytes() != chain:
        _write_atomic(trusted, chain)

    untrusted = folder / "untrusted-chain.pem"
    untrusted_key = folder / "untrusted.key"
    rogue_root = folder / ROGUE_ROOT  # kept for the what-if demo: "what if the keystore trusted it?"
    if (
        not (untrusted.exists() and untrusted_key.exists() and rogue_root.exists())
        or _days_left(untrusted) < REISSUE_DAYS
    ):
        root_key = ec.generate_private_key(ec.SECP256R1())
        root = issue_certificate(
            _name("Rogue Demo Root CA"), root_key, _name("Rogue Demo Root CA"), root_key, ca=True, days=825
        )
        int_key = ec.generate_private_key(ec.SECP256R1())
        inter = issue_certificate(
            _name("Rogue Demo Issuing CA"), int_key, root.subject, root_key, ca=True, days=825
        )
        leaf_key = ec.generate_private_key(ec.SECP256R1())
        leaf = issue_certificate(
            _name(HOST),
            leaf_key,
            inter.subject,
            int_key,
            ca=False,
            days=UNTRUSTED_DAYS,
            sans=(HOST, "gateway.sandbox.test"),
        )
        _write_private(untrusted_key, _key_pem(leaf_key))
        _write_atomic(rogue_root, root.public_bytes(serialization.Encoding.PEM))
        _write_atomic(
            untrusted,
            b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in (leaf, inter)),
        )
    return {
        "trusted": ServerCert(str(trusted), str(pki / "gateway.key")),
        "untrusted": ServerCert(str(untrusted), str(untrusted_key)),
    }


def _days_left(chain: Path) -> int:
    """Whole days until the first certificate of the PEM file ``chain`` expires."""
    leaf = x509.load_pem_x509_certificate(chain.read_bytes())
    return (leaf.not_valid_after_utc - datetime.datetime.now(datetime.timezone.utc)).days


class HandshakeLog:
    def __init__(self, path: Path) -> None:
        self._handle = open(path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115 - open while serving
        self._lock = threading.Lock()

    def callback(self, gateway: str):
        def record(version: Optional[str], error: Optional[str]) -> None:
            stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
            outcome = f"handshake {version}" if version else f"refused: {error}"
            with self._lock:
                self._handle.write(f"{stamp} {gateway}: {outcome}\n")

        return record

    def close(self) -> None:
        self._handle.close()


def start_gateways(chains: dict[str, ServerCert], ports: dict[str, int], log: HandshakeLog):
    servers = {}
    for name, spec in GATEWAYS.items():
        low, high = spec["tls"]
        kwargs = {"low": low, "high": high, "on_handshake": log.callback(name)}
        try:
            server = TlsServer(chains[spec["chain"]], port=int(ports.get(name, 0)), **kwargs)
        except OSError:  # the remembered port is taken now: any free one
            server = TlsServer(chains[spec["chain"]], port=0, **kwargs)
        servers[name] = server.start()
    return servers


def demo_vars(servers: dict[str, TlsServer]) -> dict:
    gateways = {}
    for name, server in servers.items():
        spec = GATEWAYS[name]
        url = f"https://{HOST}:{server.port}"
        gateways[name] = {
            "url": url,
            "store_url": url + STORE_PATH,
            "port": server.port,
            "tls": list(spec["tls"]),
            "expect": spec["expect"],
            "description": spec["description"],
        }
    return {
        "icaclient_demo_gateways": gateways,
        # The compliance play probes every gateway from the endpoint.
        "icaclient_compliance_targets": [gateway["url"] for gateway in gateways.values()],
        # site.yml adds the healthy gateway's store (storebrowse verifies its certificate).
        "icaclient_stores_list": [{"url": gateways["healthy"]["store_url"], "gateway": "SandboxGateway"}],
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sandbox", required=True, type=Path, help="the sandbox folder (make_sandbox.py)")
    parser.add_argument("--vars-file", type=Path, help="where to write the demo's Ansible variables")
    parser.add_argument("--pid-file", type=Path, help="where to write this process's id")
    args = parser.parse_args(argv)

    sandbox = args.sandbox.resolve()
    folder = sandbox / "gateways"
    chains = make_chains(sandbox, folder)
    ports_file = folder / "ports.json"
    try:
        ports = json.loads(ports_file.read_text())
    except (OSError, ValueError):
        ports = {}
    log = HandshakeLog(folder / "gateways.log")
    servers = start_gateways(chains, ports, log)
    _write_atomic(ports_file, json.dumps({n: s.port for n, s in servers.items()}, indent=1).encode())

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    if args.pid_file:
        _write_atomic(args.pid_file, f"{os.getpid()}\n".encode())
    variables = demo_vars(servers)
    if args.vars_file:
        _write_atomic(args.vars_file, (json.dumps(variables, indent=2) + "\n").encode())
    for name, gateway in variables["icaclient_demo_gateways"].items():
        print(f"demo gateway {name:<9} {gateway['url']}  ({gateway['description']})", flush=True)
    try:
        while not stop.wait(3600):
            pass
    finally:
        for server in servers.values():
            server.stop()
        log.close()
        if args.pid_file:
            with contextlib.suppress(OSError):
                if args.pid_file.read_text().strip() == str(os.getpid()):
                    args.pid_file.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
