"""storebrowse_store against the sandbox storebrowse stand-in and a real TLS store server.

The stand-in really connects to the store and verifies its certificate through the
keystore's hash links, so these tests show the user-visible chain: no root in the
keystore -> exit 150 with the keystore fix; root added and rehashed -> store added.
"""

from __future__ import annotations

import importlib.util
import json
import os
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


def run_module(args: dict, *, check: bool = False, diff: bool = False, expect_failure: bool = False) -> dict:
    return ansible_run.run_module(
        "storebrowse_store", args, check=check, diff=diff, expect_failure=expect_failure
    )


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
    result = run_module({"icaroot": str(icaroot), "url": store_server, "user": USER}, expect_failure=True)
    assert result["rc"] == 150
    assert "not trusted" in result["msg"]
    assert f"{icaroot}/keystore/cacerts" in result["msg"]
    assert listing(local_user, icaroot) == ""


def test_unreachable_store_is_exit_235(icaroot, local_user):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run_module(
        {"icaroot": str(icaroot), "url": f"https://localhost:{port}/Citrix/Store", "user": USER},
        expect_failure=True,
    )
    assert result["rc"] == 235
    assert "unable to add" in result["msg"]


def test_storebrowse_the_user_cannot_run_is_a_clear_error(tmp_path, local_user):
    root = tmp_path / "icaroot"  # under a root-only folder
    shutil.copytree(STOCK_UTIL, root / "util")
    result = run_module(
        {"icaroot": str(root), "url": "https://sf.example.com/Citrix/Store", "user": USER},
        expect_failure=True,
    )
    assert result["rc"] == 126
    assert "could not be executed" in result["msg"]


def test_missing_storebrowse_is_a_clear_error(tmp_path):
    result = run_module(
        {"icaroot": str(tmp_path), "url": "https://sf.example.com/Citrix/Store"}, expect_failure=True
    )
    assert f"{tmp_path}/util/storebrowse is missing" in result["msg"]


def test_unknown_user_is_a_clear_error(icaroot):
    result = run_module(
        {"icaroot": str(icaroot), "url": "https://sf.example.com/x", "user": "no-such-user-here"},
        expect_failure=True,
    )
    assert "no-such-user-here: no such user" in result["msg"]


def test_invalid_url_is_a_clear_error(icaroot):
    result = run_module({"icaroot": str(icaroot), "url": "storefront.example.com"}, expect_failure=True)
    assert "invalid store URL" in result["msg"]


# -- hostile input: credentials, control characters, malformed URLs, a missing home, links -------

SECRET = "S3cretPW"


def logging_storebrowse(icaroot: Path, log: Path) -> Path:
    """A storebrowse that records each argv (one JSON list per line), then runs the stand-in."""
    log.touch()
    log.chmod(0o666)
    wrapper = icaroot / "util" / "storebrowse-logged"
    wrapper.write_text(
        "#!/usr/bin/env python3\n"
        "import json, os, sys\n"
        f"with open({str(log)!r}, 'a') as handle:\n"
        "    handle.write(json.dumps(sys.argv) + '\\n')\n"
        f"os.execv({str(icaroot / 'util' / 'storebrowse')!r}, sys.argv)\n"
    )
    wrapper.chmod(0o755)
    return wrapper


def test_credentials_in_a_store_url_are_refused_and_shown_nowhere(
    icaroot, demo_pki, store_server, local_user, tmp_path
):
    add_root(icaroot, demo_pki, rehash=True)
    log = icaroot / "argv.log"
    tool = logging_storebrowse(icaroot, log)
    url = store_server.replace("https://", f"https://alice:{SECRET}@")
    stores_before = listing(local_user, icaroot)
    task = {
        "icaclient.linux.storebrowse_store": {
            "icaroot": str(icaroot),
            "url": "{{ store_url }}",
            "user": USER,
            "storebrowse_path": str(tool),
        },
    }
    # -vvv: Ansible prints the module's arguments too; the secret is a variable, so it is not on
    # ansible-playbook's own command line either.
    run = ansible_run.run_tasks(
        tmp_path / "play",
        [task, {**task, "check_mode": True, "diff": True}],
        variables={"store_url": url},
        verbosity=3,
        expect_failures=(0, 1),
    )
    for result in run.results:
        assert "holds a user name or password" in result["msg"], result
        assert result["url"] == store_server.replace("https://", "https://***@")
    everything = (
        run.stdout + run.stderr + json.dumps(run.results) + (tmp_path / "play" / "results.json").read_text()
    )
    assert SECRET not in everything
    assert f"alice:{SECRET}" not in everything
    assert log.read_text() == ""  # storebrowse never ran: nothing on any command line
    assert listing(local_user, icaroot) == stores_before


def test_the_stores_role_refuses_credentials_before_any_store_and_never_prints_them(
    icaroot, demo_pki, store_server, local_user, tmp_path
):
    add_root(icaroot, demo_pki, rehash=True)
    stores_before = listing(local_user, icaroot)
    playbook = tmp_path / "stores.yml"
    playbook.write_text("- hosts: localhost\n  gather_facts: false\n  roles:\n    - icaclient_stores\n")
    run = ansible_run.run_playbook(
        playbook,
        extra_vars={
            "icaclient_stores_icaroot": str(icaroot),
            "icaclient_stores_users": [USER],
            "icaclient_stores_list": [
                {"url": store_server},
                {"url": store_server.replace("https://", f"https://alice:{SECRET}@") + "/other"},
            ],
        },
        verbosity=2,
        expect_failure=True,
    )
    failed = [result for result in run.results if result["_status"] == "FAILED!"]
    assert len(failed) == 1 and failed[0]["msg"] == (
        f"icaclient_stores: invalid store URL '{store_server.replace('https://', 'https://***@')}/other': "
        "it holds a user name or password; stores authenticate in the client when the user signs in, not in "
        "the URL: give the URL without them. No store was changed."
    )
    assert SECRET not in run.stdout + run.stderr
    # Not even the good store: the list is refused as a whole.
    assert listing(local_user, icaroot) == stores_before


@pytest.mark.parametrize(
    ("url", "cause"),
    [
        (
            "https://localhost:{port}/Citrix/Store\nhttps://other.example.com/Citrix/Store",
            "control character \\n",
        ),
        ("https://localhost:{port}/Citrix/Store\t", "control character \\t"),
        ("https://localhost:99999/Citrix/Store", "the port is not a number from 1 to 65535"),
        ("https://[::1", "Invalid IPv6 URL"),
    ],
    ids=["newline", "tab", "port-99999", "ipv6-unclosed"],
)
def test_malformed_store_urls_are_refused_before_storebrowse_runs(
    icaroot, demo_pki, store_server, local_user, url, cause
):
    add_root(icaroot, demo_pki, rehash=True)
    log = icaroot / "argv.log"
    tool = logging_storebrowse(icaroot, log)
    port = store_server.split(":")[2].split("/")[0]
    stores_before = listing(local_user, icaroot)
    args = {
        "icaroot": str(icaroot),
        "url": url.format(port=port),
        "user": USER,
        "storebrowse_path": str(tool),
    }
    for check in (True, False):
        result = run_module(args, check=check, expect_failure=True)
        assert result["msg"].startswith("invalid store URL '"), result["msg"]
        assert cause in result["msg"]
        assert "Traceback" not in result["_stdout"] + result["_stderr"]
    assert log.read_text() == ""
    assert listing(local_user, icaroot) == stores_before


def test_a_user_whose_home_does_not_exist_is_a_clear_error_in_check_mode_too(icaroot, local_user, shared_tmp):
    home = shared_tmp / "no-such-home"
    args = {
        "icaroot": str(icaroot),
        "url": "https://sf.example.com/Citrix/Store",
        "user": USER,
        "home": str(home),
    }
    for check in (True, False):
        result = run_module(args, check=check, expect_failure=True)
        assert result["msg"].startswith(
            f"cannot manage stores of user {USER}: the home folder {home} does not exist"
        )
        assert result.get("action") is None  # no "added" predicted
    assert not home.exists()


def test_a_users_link_in_ica_client_does_not_show_a_root_only_file(
    icaroot, demo_pki, store_server, local_user, tmp_path
):
    """storebrowse runs as the user: a link the user made to a root-only file reads nothing for them.
    A guard: this already held (the module never opens the user's files as root)."""
    add_root(icaroot, demo_pki, rehash=True)
    secret = tmp_path / "secret.txt"  # under pytest's root-only folder, mode 0600
    secret.write_text(f"root-only {SECRET}\n")
    secret.chmod(0o600)
    stores = local_user / ".ICAClient" / "cache" / "Stores"
    stores.mkdir(parents=True, exist_ok=True)
    link = stores / "sandbox-stores.json"
    link.unlink(missing_ok=True)
    link.symlink_to(secret)
    uid = pwd.getpwnam(USER).pw_uid
    for folder in (local_user / ".ICAClient", local_user / ".ICAClient" / "cache", stores):
        os.chown(folder, uid, uid)
    os.lchown(link, uid, uid)
    try:
        result = run_module(
            {"icaroot": str(icaroot), "url": store_server, "user": USER}, diff=True, expect_failure=True
        )
        assert "storebrowse failed" in result["msg"]
        assert SECRET not in result["_stdout"] + result["_stderr"]
        assert secret.read_text() == f"root-only {SECRET}\n"
        assert secret.stat().st_uid == 0 and oct(secret.stat().st_mode & 0o777) == "0o600"
        assert link.is_symlink()
    finally:
        link.unlink()
