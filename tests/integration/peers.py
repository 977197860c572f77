"""Real network peers on loopback for the prober's tests and bench.

- :class:`TestPki`: a test CA hierarchy (made with tests/pki_build.py), server
  certificates for every trust case, and keystores laid out like
  ``$ICAROOT/keystore`` (hash links made by the system's ``openssl rehash``).
- :class:`TlsServer` (from ``scripts/loopback_tls.py``, shared with the demo gateways): a
  Python ssl server in threads (concurrent, unlike ``openssl s_server``), pinned to TLS versions.
- Hostile servers: :class:`SilentServer`, :class:`DripServer`, :class:`GarbageServer`.
- :class:`SServer`: ``openssl s_server`` serving one chain (the client-error cases).
- Daemons run from their Debian packages: :class:`Squid` (HTTP CONNECT with
  Basic or NTLM), :class:`Dante` (SOCKS4/5 without auth), :class:`Microsocks`
  (SOCKS5 with username/password), :class:`Stunnel` (an SSL Relay).

A missing binary raises :class:`MissingPeer`; the fixtures turn it into a test
FAILURE naming the Debian package (CI installs them from scripts/apt-test.txt).
"""

from __future__ import annotations

import contextlib
import datetime
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Optional

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from pki_build import Issued, cached_key, issue, key_pem, make_key

ROOT = Path(__file__).resolve().parents[2]
# The TLS server and the port helpers live in scripts/loopback_tls.py: the main job's demo
# gateways run the same server.
if str(ROOT / "scripts") not in sys.path:
    sys.path.insert(0, str(ROOT / "scripts"))
from loopback_tls import (  # noqa: E402 - after the path set-up above
    LOOPBACK,
    ServerCert,
    ThreadServer,
    free_port,
    wait_port,
)
from loopback_tls import (  # noqa: E402 - re-exported: the tests and bench import it from here
    TlsServer as TlsServer,
)

# Binary -> Debian package that ships it.
PACKAGES = {
    "openssl": "openssl",
    "squid": "squid",
    "danted": "dante-server",
    "microsocks": "microsocks",
    "stunnel4": "stunnel4",
    "htpasswd": "apache2-utils",
    "/usr/lib/squid/basic_ncsa_auth": "squid",
    "/usr/lib/squid/ntlm_fake_auth": "squid",
}


# Test credentials of the proxies (test-only values).
BASIC_USER = "basicuser"
BASIC_PASSWORD = "Basic-pw-4f1c9e"
NTLM_USER = "CORP\\ntlmuser"
NTLM_PASSWORD = "Ntlm-pw-8b27d0"
SOCKS_USER = "socksuser"
SOCKS_PASSWORD = "Socks-pw-3a6e5b"


class MissingPeer(RuntimeError):
    pass


def require_binary(name: str) -> str:
    path = name if name.startswith("/") and os.access(name, os.X_OK) else shutil.which(name)
    if not path:
        for folder in ("/usr/sbin", "/sbin"):
            candidate = os.path.join(folder, name)
            if os.access(candidate, os.X_OK):
                path = candidate
    if not path:
        package = PACKAGES.get(name, name)
        raise MissingPeer(
            f"{name} is not installed: the prober's tests need the Debian package {package} "
            f"(apt-get install {package}; scripts/test.sh installs everything in scripts/apt-test.txt)"
        )
    return path


# ---------------------------------------------------------------------------
# PKI


def _issue(cn: str, **options: Any) -> Issued:
    """A prober test certificate: ``O=icaprobe tests`` (the verdicts the tests read quote the
    subject), valid for a year unless told otherwise (test_probe_tls reads ``days_left``)."""
    return issue(cn, organization="icaprobe tests", days=365, **options)


LOCAL_NAMES = ("localhost", LOOPBACK)


class TestPki:
    """Every certificate the prober's trust tests need, written under ``directory``."""

    __test__ = False  # not a pytest test class

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        directory.mkdir(parents=True, exist_ok=True)
        now = datetime.datetime.now(datetime.timezone.utc)
        leaf_key = cached_key("rsa2048", "leaf")
        self.root = _issue("ICA Test Root", key=cached_key("rsa2048", "ca"))
        self.intermediate = _issue(
            "ICA Test Intermediate", key=cached_key("rsa2048", "int"), issuer=self.root
        )
        self.other_root = _issue("Untrusted Test Root", key=cached_key("rsa2048", "other"))
        self.orphan_root = _issue("Orphan Test Root", key=cached_key("rsa2048", "orphan"))
        self.orphan_int = _issue(
            "Orphan Test Intermediate", key=cached_key("rsa2048", "orphanint"), issuer=self.orphan_root
        )
        self.unlinked_root = _issue("Unlinked Test Root", key=cached_key("rsa2048", "unlinked"))

        def leaf(cn: str, issuer: Issued, **kwargs: Any) -> Issued:
            kwargs.setdefault("sans", LOCAL_NAMES)
            kwargs.setdefault("key", leaf_key)
            return _issue(cn, issuer=issuer, ca=False, **kwargs)

        self.leaf = leaf("localhost", self.intermediate)
        bad = bytearray(self.leaf.der)
        bad[-5] ^= 0xFF  # inside the signature value: the certificate still parses
        bad_sig = x509.load_der_x509_certificate(bytes(bad))

        self.servers: dict[str, ServerCert] = {}
        self._server("trusted", [self.leaf.pem, self.intermediate.pem], leaf_key)
        self._server("leaf_only", [self.leaf.pem], leaf_key)
        self._server("untrusted", [leaf("localhost", self.other_root).pem], leaf_key)
        self._server(
            "untrusted_with_root", [leaf("localhost", self.other_root).pem, self.other_root.pem], leaf_key
        )
        self._server(
            "expired",
            [
                leaf(
                    "localhost",
                    self.intermediate,
                    not_before=now - datetime.timedelta(days=60),
                    not_after=now - datetime.timedelta(days=2),
                ).pem,
                self.intermediate.pem,
            ],
            leaf_key,
        )
        self._server(
            "expiring",
            [
                leaf(
                    "localhost", self.intermediate, not_after=now + datetime.timedelta(days=10, hours=1)
                ).pem,
                self.intermediate.pem,
            ],
            leaf_key,
        )
        self._server(
            "wrong_host",
            [leaf("wrong.example", self.intermediate, sans=("wrong.example",)).pem, self.intermediate.pem],
            leaf_key,
        )
        self._server(
            "self_signed",
            [_issue("localhost", key=leaf_key, ca=False, sans=LOCAL_NAMES).pem],
            leaf_key,
        )
        big_key = cached_key("rsa8192")  # the keystore tests' 8192-bit key: one slow key to make
        self._server(
            "big_key", [leaf("localhost", self.intermediate, key=big_key).pem, self.intermediate.pem], big_key
        )
        self._server("orphan", [leaf("localhost", self.orphan_int).pem], leaf_key)
        self._server("unlinked", [leaf("localhost", self.unlinked_root).pem], leaf_key)
        self._server(
            "bad_signature",
            [bad_sig.public_bytes(serialization.Encoding.PEM), self.intermediate.pem],
            leaf_key,
        )
        filler_key = make_key("ec")
        filler = [_issue(f"Filler {n:04d} " + "x" * 40, key=filler_key).pem for n in range(400)]
        self._server("huge_chain", [self.leaf.pem, self.intermediate.pem, *filler], leaf_key)

        # Keystores laid out like $ICAROOT/keystore.
        self.keystore = self._keystore(
            "keystore", roots=[self.root], ints=[self.intermediate, self.orphan_int]
        )
        self.keystore_no_int = self._keystore("keystore-noint", roots=[self.root], ints=[])
        unlinked = self.dir / "keystore"
        (unlinked / "cacerts" / "unlinked-root.pem").write_bytes(
            self.unlinked_root.pem
        )  # copied, never rehashed

    def _server(self, name: str, pems: list[bytes], key: object) -> None:
        folder = self.dir / "servers"
        folder.mkdir(exist_ok=True)
        chain = folder / f"{name}.pem"
        chain.write_bytes(b"".join(pems))
        key_path = folder / f"{name}.key"
        key_path.write_bytes(key_pem(key))
        key_path.chmod(0o600)
        self.servers[name] = ServerCert(str(chain), str(key_path))

    def _keystore(self, name: str, *, roots: list[Issued], ints: list[Issued]) -> Path:
        base = self.dir / name
        for folder, certs in (("cacerts", roots), ("intcerts", ints)):
            target = base / folder
            target.mkdir(parents=True, exist_ok=True)
            for issued in certs:
                cn = issued.cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
                (target / (str(cn).replace(" ", "_") + ".pem")).write_bytes(issued.pem)
            if certs:
                subprocess.run(
                    [require_binary("openssl"), "rehash", str(target)], check=True, capture_output=True
                )
        return base


# ---------------------------------------------------------------------------
# Servers in threads


class SilentServer(ThreadServer):
    """Accepts and never says a word."""

    def handle(self, conn: socket.socket) -> None:
        self._stop.wait(120)


class DripServer(ThreadServer):
    """Answers like a TLS server announcing a 16 KiB record, then drips one byte a second."""

    def handle(self, conn: socket.socket) -> None:
        payload = b"\x16\x03\x03\x40\x00" + b"\x02" * 16384
        for byte in payload:
            if self._stop.wait(1.0):
                return
            conn.sendall(bytes([byte]))


class GarbageServer(ThreadServer):
    """Sends bytes that are not TLS, then closes."""

    def handle(self, conn: socket.socket) -> None:
        conn.settimeout(2)
        with contextlib.suppress(OSError):
            conn.recv(4096)
        conn.sendall(bytes((n * 7919 + 13) % 251 for n in range(4096)))


class EchoServer(ThreadServer):
    """A plain TCP backend (the 'ICA service' behind the SSL Relay)."""

    def handle(self, conn: socket.socket) -> None:
        conn.settimeout(5)
        while True:
            data = conn.recv(4096)
            if not data:
                return
            conn.sendall(data)


# ---------------------------------------------------------------------------
# Daemons


class Daemon:
    binary = ""

    def __init__(self, directory: Path) -> None:
        self.dir = directory
        self.dir.mkdir(parents=True, exist_ok=True)
        self.process: Optional[subprocess.Popen] = None
        self.port = free_port()

    def command(self) -> list[str]:
        raise NotImplementedError

    def start(self) -> Daemon:
        argv = self.command()
        self._out = open(self.dir / "stdout.log", "ab")  # noqa: SIM115 - lives as long as the daemon; closed in stop()
        self.process = subprocess.Popen(argv, stdout=self._out, stderr=subprocess.STDOUT, cwd=self.dir)
        try:
            wait_port(self.port, process=self.process, log=self.tail())
        except RuntimeError as exc:
            self.stop()
            raise RuntimeError(f"{argv[0]} did not start: {exc}\n{self.tail()}") from None
        return self

    def tail(self) -> str:
        texts = []
        for path in sorted(self.dir.glob("*.log")):
            texts.append(f"--- {path.name}\n" + path.read_text(errors="replace")[-2000:])
        return "\n".join(texts)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if getattr(self, "_out", None):
            self._out.close()


class Squid(Daemon):
    """squid -N with a private folder; ``auth`` is none, basic or ntlm."""

    def __init__(self, directory: Path, *, auth: str, users: Optional[dict[str, str]] = None) -> None:
        # squid drops to the user "proxy", which cannot traverse pytest's 0700 temporary
        # folders: it gets a private folder of its own in /tmp, owned by proxy, removed on stop().
        del directory
        super().__init__(Path(tempfile.mkdtemp(prefix="icaprobe-squid-")))
        self.auth = auth
        self.users = users or {}

    def command(self) -> list[str]:
        squid = require_binary("squid")
        proxy_user = pwd.getpwnam("proxy")
        os.chmod(self.dir, 0o755)
        os.chown(self.dir, proxy_user.pw_uid, proxy_user.pw_gid)
        lines = [
            f"http_port {LOOPBACK}:{self.port}",
            f"pid_filename {self.dir}/squid.pid",
            f"access_log stdio:{self.dir}/access.log squid",
            f"cache_log {self.dir}/cache.log",
            f"coredump_dir {self.dir}",
            "cache_store_log none",
            "cache deny all",
            "cache_mem 8 MB",
            "netdb_filename none",
            "pinger_enable off",
            "shutdown_lifetime 0 seconds",
            "logfile_rotate 0",
            "max_filedescriptors 4096",
            "dns_nameservers 127.0.0.1",
        ]
        if self.auth == "basic":
            htpasswd = require_binary("htpasswd")
            helper = require_binary("/usr/lib/squid/basic_ncsa_auth")
            passwd = self.dir / "htpasswd"
            for index, (user, password) in enumerate(self.users.items()):
                # -i reads the password from stdin: it never reaches argv.
                argv = [htpasswd, "-i", *(["-c"] if index == 0 else []), str(passwd), user]
                subprocess.run(argv, input=password.encode(), check=True, capture_output=True)
            os.chown(passwd, proxy_user.pw_uid, proxy_user.pw_gid)
            lines += [
                f"auth_param basic program {helper} {passwd}",
                "auth_param basic children 2 startup=1 idle=1",
                "auth_param basic realm icaprobe-tests",
            ]
        elif self.auth == "ntlm":
            helper = require_binary("/usr/lib/squid/ntlm_fake_auth")
            lines += [f"auth_param ntlm program {helper}", "auth_param ntlm children 2 startup=1 idle=1"]
        if self.auth == "none":
            lines += ["http_access allow all"]
        else:
            lines += ["acl authed proxy_auth REQUIRED", "http_access allow authed", "http_access deny all"]
        conf = self.dir / "squid.conf"
        conf.write_text("\n".join(lines) + "\n")
        return [squid, "-N", "-f", str(conf)]

    def access_log(self) -> str:
        path = self.dir / "access.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        super().stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class Dante(Daemon):
    """danted for SOCKS4 and SOCKS5 without authentication; port 1 is blocked by rule."""

    def command(self) -> list[str]:
        danted = require_binary("danted")
        conf = self.dir / "danted.conf"
        conf.write_text(
            "\n".join(
                [
                    f"logoutput: {self.dir}/danted.log",
                    f"internal: {LOOPBACK} port = {self.port}",
                    f"external: {LOOPBACK}",
                    "clientmethod: none",
                    "socksmethod: none",
                    "user.privileged: root",
                    "user.unprivileged: nobody",
                    "client pass {",
                    "  from: 127.0.0.0/8 to: 0.0.0.0/0",
                    "  log: error",
                    "}",
                    "socks block {",
                    f"  from: 0.0.0.0/0 to: {LOOPBACK}/32 port = 1",
                    "  log: connect error",
                    "}",
                    "socks pass {",
                    "  from: 127.0.0.0/8 to: 0.0.0.0/0",
                    "  command: connect",
                    "  protocol: tcp",
                    "  log: connect disconnect error",
                    "}",
                ]
            )
            + "\n"
        )
        return [danted, "-f", str(conf), "-p", str(self.dir / "danted.pid"), "-N", "2"]

    def log(self) -> str:
        path = self.dir / "danted.log"
        return path.read_text(errors="replace") if path.exists() else ""


class Microsocks(Daemon):
    """microsocks: SOCKS5 with username/password (the test password is on its argv; ours never is)."""

    def __init__(self, directory: Path, *, user: str, password: str) -> None:
        super().__init__(directory)
        self.user = user
        self.password = password

    def command(self) -> list[str]:
        return [
            require_binary("microsocks"),
            "-i",
            LOOPBACK,
            "-p",
            str(self.port),
            "-u",
            self.user,
            "-P",
            self.password,
        ]

    def log(self) -> str:
        return (self.dir / "stdout.log").read_text(errors="replace")


class SServer(Daemon):
    """``openssl s_server`` with one certificate chain (one connection at a time: probe it alone)."""

    def __init__(self, directory: Path, *, cert: ServerCert, options: tuple[str, ...] = ()) -> None:
        super().__init__(directory)
        self.cert = cert
        self.options = options  # more s_server options: -cipher, -no_tls1_3, ...

    def command(self) -> list[str]:
        return [
            require_binary("openssl"),
            "s_server",
            "-accept",
            f"{LOOPBACK}:{self.port}",
            "-cert",
            self.cert.chain,
            "-key",
            self.cert.key,
            "-quiet",
            *self.options,
        ]


class Stunnel(Daemon):
    """stunnel as an SSL Relay: TLS 1.2 on a non-standard port, forwarding to ``backend``."""

    def __init__(self, directory: Path, *, cert: ServerCert, backend: int) -> None:
        super().__init__(directory)
        self.cert = cert
        self.backend = backend

    def command(self) -> list[str]:
        stunnel = require_binary("stunnel4")
        conf = self.dir / "stunnel.conf"
        conf.write_text(
            "\n".join(
                [
                    "foreground = yes",
                    f"pid = {self.dir}/stunnel.pid",
                    f"output = {self.dir}/stunnel.log",
                    "debug = info",
                    "[relay]",
                    f"accept = {LOOPBACK}:{self.port}",
                    f"connect = {LOOPBACK}:{self.backend}",
                    f"cert = {self.cert.chain}",
                    f"key = {self.cert.key}",
                    "sslVersionMin = TLSv1.2",
                    "sslVersionMax = TLSv1.2",
                    # ECDHE only: no DHE cipher, so stunnel never spends ~50 s making DH parameters.
                    "ciphers = ECDHE+AESGCM",
                ]
            )
            + "\n"
        )
        return [stunnel, str(conf)]

    def log(self) -> str:
        path = self.dir / "stunnel.log"
        return path.read_text(errors="replace") if path.exists() else ""
