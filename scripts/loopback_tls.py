"""TLS servers on loopback, in threads: the demo gateways of the main job and the prober's test peers.

One implementation for both (scripts/demo_gateways.py and tests/integration/peers.py import
it): a concurrent accept loop (unlike ``openssl s_server``, which serves one connection at a
time) and a TLS server pinned to a window of protocol versions. TLS 1.0 and 1.1 need
``@SECLEVEL=0`` under OpenSSL 3, which the server sets for such windows.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import subprocess
import threading
import time
import warnings
from dataclasses import dataclass
from typing import Callable, Optional

LOOPBACK = "127.0.0.1"

TLS_VERSIONS = {
    "1.0": ssl.TLSVersion.TLSv1,
    "1.1": ssl.TLSVersion.TLSv1_1,
    "1.2": ssl.TLSVersion.TLSv1_2,
    "1.3": ssl.TLSVersion.TLSv1_3,
}


def free_port() -> int:
    """A port nothing listens on right now (for peers that bind it themselves)."""
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def wait_port(
    port: int, *, timeout: float = 15.0, process: Optional[subprocess.Popen] = None, log: str = ""
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"peer exited with {process.returncode} before listening on {port}: {log}")
        try:
            with socket.create_connection((LOOPBACK, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on {LOOPBACK}:{port} after {timeout} s: {log}")


@dataclass
class ServerCert:
    """Files a TLS server loads: ``chain`` (leaf first) and ``key``."""

    chain: str
    key: str


class ThreadServer:
    """Accept loop on 127.0.0.1 (``port`` 0: an ephemeral port); one thread per connection."""

    def __init__(self, port: int = 0) -> None:
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.listener.bind((LOOPBACK, port))
        except OSError:
            self.listener.close()
            raise
        self.listener.listen(512)
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)

    def start(self) -> ThreadServer:
        self._thread.start()
        return self

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with self._lock:
                self.connections += 1
                self._open.add(conn)
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn: socket.socket) -> None:
        try:
            self.handle(conn)
        except OSError:
            pass
        finally:
            with self._lock:
                self._open.discard(conn)
            conn.close()

    def handle(self, conn: socket.socket) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        self._stop.set()
        # close() alone does not wake a thread blocked in accept() on Linux; shutdown() does.
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)
        self.listener.close()
        with self._lock:
            for conn in list(self._open):
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=2)


class TlsServer(ThreadServer):
    """Accepts TLS at exactly the versions in [low, high] with the given chain.

    ``on_handshake(version_or_None, error_or_None)`` is called after each attempt (the demo
    gateways log it); the connection is then held until the peer closes it.
    """

    def __init__(
        self,
        cert: ServerCert,
        *,
        low: str = "1.2",
        high: str = "1.3",
        port: int = 0,
        on_handshake: Optional[Callable[[Optional[str], Optional[str]], None]] = None,
    ) -> None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # TLS 1.0/1.1 on purpose
            context.minimum_version = TLS_VERSIONS[low]
            context.maximum_version = TLS_VERSIONS[high]
        if low in ("1.0", "1.1"):
            context.set_ciphers("ALL:@SECLEVEL=0")
        context.load_cert_chain(cert.chain, cert.key)
        super().__init__(port)
        self.versions = (low, high)
        self.context = context
        self.handshakes = 0
        self._on_handshake = on_handshake

    def handle(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        try:
            tls = self.context.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            if self._on_handshake is not None:
                self._on_handshake(None, str(exc))
            return
        with self._lock:
            self.handshakes += 1
        if self._on_handshake is not None:
            self._on_handshake(tls.version(), None)
        try:
            tls.settimeout(2)
            while tls.recv(4096):
                pass
        except (ssl.SSLError, OSError):
            pass
        finally:
            tls.close()
