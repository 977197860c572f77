"""storebrowse_store against the sandbox storebrowse stand-in and a real TLS store server.

The stand-in really connects to the store and verifies its certificate through the
keystore's hash links, so these tests show the user-visible chain: no root in the
keystore -> exit 150 with the keystore fix; root added and rehashed -> store added.
"""

from __future__ import annotations

import importlib.util
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
from pathlib import Path

import ansible_run
import pytest

REPO = Path(__file__).resolve().parents[2]
STOCK_UTIL = REPO / "tests" / "fixtures" / "icaroot" / "util"
USER = "icatest-stores"


def _load_sandbox_module():
    spec = importlib.util.spec_from_file_location("make_sandbox", REPO / "scripts" / "make_sandbox.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def demo_pki(tmp_path_factory):
    pki = tmp_path_factory.mktemp("pki")
    _load_sandbox_module().make_pki(pki)
    return pki


@pytest.fixture(scope="module")
def store_server(demo_pki):
    """A real TLS server presenting the demo gateway certificate and its intermediate."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    chain = demo_pki / "gateway-chain.pem"
    inter = subprocess.run(
        ["openssl", "x509", "-inform", "DER", "-in", str(demo_pki / "corp-issuing-ca1.der")],
        capture_output=True,
        check=True,
    ).stdout
    chain.write_bytes((demo_pki / "gateway.pem").read_bytes() + inter)
    context.load_cert_chain(chain, demo_pki / "gateway.key")
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                continue
            try:
                with context.wrap_socket(conn, server_side=True) as tls:
                    tls.settimeout(2)
                    tls.recv(1)
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"https://localhost:{listener.getsockname()[1]}/Citrix/Store/discovery"
    stop.set()
    thread.join()
    listener.close()


@pytest.fixture
def icaroot(shared_tmp):
    # The target user runs storebrowse from here: pytest's own tmp folders are root-only.
    root = shared_tmp / "icaroot"
    (root / "keystore" / "cacerts").mkdir(parents=True)
    shutil.copytree(STOCK_UTIL, root / "util")
    return root


@pytest.fixture
def shared_tmp():
    path = Path(tempfile.mkdtemp(prefix="icatest-", dir="/var/tmp"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path)


@pytest.fixture(scope="module")
def local_user():
    base = Path(tempfile.mkdtemp(prefix="icatest-home-", dir="/var/tmp"))
    base.chmod(0o755)
    home = base / USER
    subprocess.run(["userdel", "-r", USER], capture_output=True, check=False)
    subprocess.run(["useradd", "--home-dir", str(home), "--create-home", USER], check=True)
    yield home
    subprocess.run(["userdel", "-r", USER], capture_output=True, check=False)
    shutil.rmtree(base, ignore_errors=True)


def run_module(args: dict, *, check: bool = False, diff: bool = False) -> dict:
    return ansible_run.run_module("storebrowse_store", args, check=check, diff=diff)


def add_root(icaroot: Path, pki: Path, *, rehash: bool) -> None:
    shutil.copy(pki / "corp-root.pem", icaroot / "keystore" / "cacerts" / "corp-root.pem")
    if rehash:
        subprocess.run([str(icaroot / "util" / "ctx_rehash")], check=True)


def listing(home: Path, icaroot: Path) -> str:
    return subprocess.run(
        ["runuser", "-u", USER, "--", "env", f"HOME={home}", str(icaroot / "util" / "storebrowse"), "-l"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def test_add_store_four_steps_as_the_user(icaroot, demo_pki, store_server, local_user):
    add_root(icaroot, demo_pki, rehash=True)
    args = {"icaroot": str(icaroot), "url": store_server, "user": USER}

    predicted = run_module(args, check=True, diff=True)
    assert predicted["changed"] is True, predicted
    assert predicted["action"] == "added"
    assert f"+{store_server}" in predicted["_stdout"]  # the diff ansible printed
    assert listing(local_user, icaroot) == ""  # check mode changed nothing

    applied = run_module(args)
    assert applied["changed"] is True
    assert applied["stores"] == [store_server]

    assert run_module(args, check=True)["changed"] is False
    assert run_module(args)["changed"] is False

    # The user's own storebrowse sees it, and the file in ~/.ICAClient belongs to the user.
    assert store_server in listing(local_user, icaroot)
    state = local_user / ".ICAClient" / "cache" / "Stores" / "sandbox-stores.json"
    assert state.stat().st_uid == pwd.getpwnam(USER).pw_uid


def test_same_store_with_other_case_and_trailing_slash_is_not_added_twice(
    icaroot, demo_pki, store_server, local_user
):
    add_root(icaroot, demo_pki, rehash=True)
    run_module({"icaroot": str(icaroot), "url": store_server, "user": USER})
    variant = store_server.replace("https://localhost", "HTTPS://LOCALHOST") + "/"
    again = run_module({"icaroot": str(icaroot), "url": variant, "user": USER})
    assert again["changed"] is False


def test_remove_store_four_steps(icaroot, demo_pki, store_server, local_user):
    add_root(icaroot, demo_pki, rehash=True)
    run_module({"icaroot": str(icaroot), "url": store_server, "user": USER})
    args = {"icaroot": str(icaroot), "url": store_server, "user": USER, "state": "absent"}
    predicted = run_module(args, check=True)
    assert predicted["changed"] is True and predicted["stores"] == []
    assert store_server in listing(local_user, icaroot)
    assert run_module(args)["changed"] is True
    assert run_module(args, check=True)["changed"] is False
    assert run_module(args)["changed"] is False
    assert listing(local_user, icaroot) == ""


@pytest.mark.parametrize("rehash", [False, True], ids=["root-missing", "root-copied-not-rehashed"])
def test_untrusted_store_names_the_keystore_fix(icaroot, demo_pki, store_server, local_user, rehash):
    if rehash:
        # The classic mistake: the PEM file is copied in, ctx_rehash is forgotten.
        shutil.copy(demo_pki / "corp-root.pem", icaroot / "keystore" / "cacerts" / "corp-root.pem")
    result = run_module({"icaroot": str(icaroot), "url": store_server, "user": USER})
    assert result.get("failed") is True
    assert result["rc"] == 150
    assert "not trusted" in result["msg"]
    assert f"{icaroot}/keystore/cacerts" in result["msg"]
    assert listing(local_user, icaroot) == ""


def test_unreachable_store_is_exit_235(icaroot, local_user):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run_module(
        {"icaroot": str(icaroot), "url": f"https://localhost:{port}/Citrix/Store", "user": USER}
    )
    assert result["failed"] is True and result["rc"] == 235
    assert "unable to add" in result["msg"]


def test_storebrowse_the_user_cannot_run_is_a_clear_error(tmp_path, local_user):
    root = tmp_path / "icaroot"  # under a root-only folder
    shutil.copytree(STOCK_UTIL, root / "util")
    result = run_module({"icaroot": str(root), "url": "https://sf.example.com/Citrix/Store", "user": USER})
    assert result["failed"] is True
    assert result["rc"] == 126
    assert "could not be executed" in result["msg"]


def test_missing_storebrowse_is_a_clear_error(tmp_path):
    result = run_module({"icaroot": str(tmp_path), "url": "https://sf.example.com/Citrix/Store"})
    assert result["failed"] is True
    assert f"{tmp_path}/util/storebrowse is missing" in result["msg"]


def test_unknown_user_is_a_clear_error(icaroot):
    result = run_module(
        {"icaroot": str(icaroot), "url": "https://sf.example.com/x", "user": "no-such-user-here"}
    )
    assert result["failed"] is True
    assert "no-such-user-here: no such user" in result["msg"]


def test_invalid_url_is_a_clear_error(icaroot):
    result = run_module({"icaroot": str(icaroot), "url": "storefront.example.com"})
    assert result["failed"] is True
    assert "invalid store URL" in result["msg"]
