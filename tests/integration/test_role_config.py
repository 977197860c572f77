"""The icaclient_config role run for real, as root, on sandbox ICAROOTs and real local users.

Four steps (check mode predicts and writes nothing; apply; check mode predicts nothing; apply
again changes nothing and says so in ``icaclient_config_changed``), then the files are read back
with an independent reader (configparser) and the lockdown engine's own ``permits``: the keys in
every wfclient.ini, an All_Regions.ini entry permitting each value, ProxyType=Secure permitted
in the trusted (singular file name) and untrusted (plural file name) profiles, the user's copies
updated and still the user's. A fake ``AuthManagerDaemon`` of that user is ended after the
change; a similar name and another user's process are left alone. The proxy password is in the
files, never in the output of ``-vvv`` or a diff.
"""

from __future__ import annotations

import configparser
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

import pytest
from ansible_run import PlaybookRun, run_playbook
from helpers import snapshot

from ansible_collections.icaclient.linux.plugins.module_utils._ini.restriction import permits

PLAYBOOK = Path(__file__).resolve().parent / "playbooks" / "config_role.yml"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PASSWORD = "Demo-Proxy-Pw-7f3a91"  # a value no other output contains by chance
PROXY = "Network\\Proxy"
SSL = "Network\\SSL"


@dataclass
class LocalUser:
    name: str
    uid: int
    gid: int
    home: Path
    processes: list[subprocess.Popen] = field(default_factory=list)

    @property
    def client_dir(self) -> Path:
        return self.home / ".ICAClient"


@dataclass
class Sandbox:
    """An ICAROOT and user homes under /var/tmp (pytest's tmp is root-only; the users must reach
    their homes and the fake client binaries)."""

    base: Path
    icaroot: Path
    users: list[LocalUser] = field(default_factory=list)

    @property
    def config(self) -> Path:
        return self.icaroot / "config"

    def add_user(self, *, client_dir: Optional[str] = "copy") -> LocalUser:
        """A real local user (useradd) with a home under the sandbox; ``client_dir``: ``copy`` (the
        stock ~/.ICAClient), ``link`` (~/.ICAClient a symbolic link to a folder elsewhere) or None."""
        name = f"icacfg{uuid.uuid4().hex[:8]}"
        home = self.base / "home" / name
        home.mkdir(parents=True)
        subprocess.run(
            ["useradd", "--no-create-home", "--home-dir", str(home), "--shell", "/usr/sbin/nologin",
             "--user-group", name],
            check=True, capture_output=True,
        )  # fmt: skip
        entry = pwd.getpwnam(name)
        user = LocalUser(name, entry.pw_uid, entry.pw_gid, home)
        self.users.append(user)
        if client_dir == "copy":
            shutil.copytree(FIXTURES / "home" / ".ICAClient", user.client_dir)
        elif client_dir == "link":
            elsewhere = self.base / f"elsewhere-{name}"
            shutil.copytree(FIXTURES / "home" / ".ICAClient", elsewhere)
            user.client_dir.symlink_to(elsewhere)
        for path in [home, *home.rglob("*")]:
            os.lchown(path, user.uid, user.gid)
        return user

    def start(self, user: LocalUser, program: str) -> subprocess.Popen:
        """Run a copy of sleep named ``program`` as ``user``, as the client would run its daemons."""
        binary = self.base / "bin" / program
        if not binary.exists():
            binary.parent.mkdir(mode=0o755, exist_ok=True)
            shutil.copy2("/bin/sleep", binary)
            binary.chmod(0o755)
        process = subprocess.Popen([str(binary), "600"], user=user.uid, group=user.gid, cwd="/")
        user.processes.append(process)
        deadline = time.monotonic() + 5
        while not Path(f"/proc/{process.pid}/cmdline").read_bytes().startswith(str(binary).encode()):
            assert time.monotonic() < deadline, f"{program} did not start"
            time.sleep(0.02)
        return process


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    base = Path(tempfile.mkdtemp(prefix="icaclient-config-", dir="/var/tmp"))
    base.chmod(0o755)
    (base / "home").mkdir(mode=0o755)
    icaroot = base / "icaroot"
    shutil.copytree(FIXTURES / "icaroot" / "config", icaroot / "config")
    box = Sandbox(base, icaroot)
    try:
        yield box
    finally:
        for user in box.users:
            for process in user.processes:
                if process.poll() is None:
                    process.kill()
                process.wait(timeout=10)
            subprocess.run(["userdel", user.name], check=False, capture_output=True)
        shutil.rmtree(base)


def read_ini(path: Path) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # keep the case of the keys
    parser.read(path, encoding="utf-8")
    return parser


def changed_tasks(run: PlaybookRun) -> list[str]:
    return [
        result.get("msg", "") or str(result.get("results", ""))[:200]
        for result in run.results
        if result["_status"] == "CHANGED"
    ]


def exported(run: PlaybookRun) -> dict:
    assert run.rc == 0, run.stdout[-6000:] + run.stderr[-3000:]
    return run.results[-1]["msg"]


# Settings like the sandbox inventory's (inventories/sandbox/group_vars/icaclient_endpoints/main.yml).
SETTINGS = {
    "icaclient_config_minimum_tls": "1.2",
    "icaclient_config_maximum_tls": "1.2",
    "icaclient_config_proxy_type": "Secure",
    "icaclient_config_proxy_host": "localhost:3128",
    "icaclient_config_proxy_bypass_list": ["*.corp.example.com", "localhost"],
    "icaclient_config_proxy_auth_basic": True,
    "icaclient_config_proxy_username": "demo",
    "icaclient_config_proxy_password": PASSWORD,
    "icaclient_config_proxy_regions": ["trusted", "untrusted"],
    "icaclient_config_ssl_ciphers": "GOV",
    "icaclient_config_revocation_policy": "FullAccessCheck",
    "icaclient_config_extra_settings": {"WFClient": {"TransportReconnectEnabled": "Off"}},
}
# What the client must read in [WFClient], and where All_Regions.ini restricts each key.
EXPECTED = {
    "MinimumTLS": ("1.2", SSL),
    "MaximumTLS": ("1.2", SSL),
    "ProxyType": ("Secure", PROXY),
    "ProxyHost": ("localhost:3128", PROXY),
    "ProxyBypassList": ("*.corp.example.com;localhost", PROXY),
    "ProxyAuthenticationBasic": ("True", PROXY),
    "ProxyUsername": ("demo", PROXY),
    "SSLCiphers": ("GOV", SSL),
    "SSLCertificateRevocationCheckPolicy": ("FullAccessCheck", SSL),
    "TransportReconnectEnabled": ("Off", "Network\\CGP"),
    # EDT cannot pass the Secure proxy: the role turns it off (icaclient_config_hdx_over_udp: auto).
    "HDXoverUDP": ("Off", "Network\\UDT"),
}


def assert_no_password(run: PlaybookRun) -> None:
    assert PASSWORD not in run.stdout and PASSWORD not in run.stderr


def test_four_steps_configure_every_copy_and_restart_only_the_affected_client(sandbox):
    config = sandbox.config
    alice = sandbox.add_user()
    bob = sandbox.add_user(client_dir=None)
    # An administrator narrowed ProxyType in the machine's profile, and alice's copy is stale: it
    # lacks ProxyBypassList, which the client would then discard.
    all_regions = config / "All_Regions.ini"
    all_regions.write_bytes(all_regions.read_bytes().replace(b"ProxyType=\n", b"ProxyType=None,Auto,Wpad\n"))
    stale = alice.client_dir / "All_Regions.ini"
    stale.write_bytes(stale.read_bytes().replace(b"ProxyBypassList=\n", b""))
    unknown_region = (config / "Unknown_Region.ini").read_bytes()
    # Some client versions copy wfclient.template to a new user's ~/.ICAClient/wfclient.ini.
    shutil.copy2(config / "wfclient.ini", config / "wfclient.template")
    extra = {
        **SETTINGS,
        "icaclient_config_icaroot": str(sandbox.icaroot),
        "icaclient_config_users": [alice.name],
        "icaclient_config_lockdown_sections": {"TransportReconnectEnabled": "Network\\CGP"},
    }
    daemon = sandbox.start(alice, "AuthManagerDaemon")
    lookalike = sandbox.start(alice, "AuthManagerDaemonX")
    bobs_daemon = sandbox.start(bob, "AuthManagerDaemon")
    before = snapshot(sandbox.icaroot, sandbox.base / "home")

    predicted = run_playbook(PLAYBOOK, extra_vars=extra, check=True, diff=True, verbosity=3)
    assert exported(predicted)["icaclient_config_changed"] is True
    assert predicted.changed > 0
    assert snapshot(sandbox.icaroot, sandbox.base / "home") == before
    assert daemon.poll() is None  # check mode ends nothing
    assert_no_password(predicted)

    applied = run_playbook(PLAYBOOK, extra_vars=extra, diff=True, verbosity=3)
    assert exported(applied)["icaclient_config_changed"] is True
    assert_no_password(applied)
    assert "+MinimumTLS=1.2" in applied.stdout  # the diffs of the other keys stay visible
    # The handler ended alice's AuthManagerDaemon, and nothing else.
    assert daemon.wait(timeout=10) == -signal.SIGTERM
    assert lookalike.poll() is None and bobs_daemon.poll() is None

    rechecked = run_playbook(PLAYBOOK, extra_vars=extra, check=True, diff=True)
    assert rechecked.changed == 0, changed_tasks(rechecked)
    assert exported(rechecked)["icaclient_config_changed"] is False

    restarted = sandbox.start(alice, "AuthManagerDaemon")
    built = snapshot(sandbox.icaroot, sandbox.base / "home")
    again = run_playbook(PLAYBOOK, extra_vars=extra)
    assert again.changed == 0, changed_tasks(again)
    assert exported(again)["icaclient_config_changed"] is False
    assert snapshot(sandbox.icaroot, sandbox.base / "home") == built
    assert restarted.poll() is None  # no change, no restart

    # Every wfclient.ini the client reads: the machine's, the template of new users, alice's.
    copies = [
        config / "wfclient.ini",
        config / "wfclient.template",
        config / "usertemplate" / "wfclient.ini",
        alice.client_dir / "wfclient.ini",
    ]
    for path in copies:
        client = read_ini(path)["WFClient"]
        for key, (value, _section) in EXPECTED.items():
            assert client[key] == value, (path, key)
        assert client["ProxyPassword"] == PASSWORD, path
        assert client["KeyboardLayout"] == "(User Profile)", path  # the rest is kept
    assert (config / "wfclient.ini").read_bytes().startswith(b"; wfclient.ini - machine-wide client settings")
    for path in (alice.client_dir / "wfclient.ini", stale):
        info = path.stat()
        assert (info.st_uid, info.st_gid) == (alice.uid, alice.gid), path

    # Every All_Regions.ini lists each key and permits its value; the password is listed, not permitted.
    for path in (all_regions, stale):
        profile = read_ini(path)
        for key, (value, section) in EXPECTED.items():
            assert permits(profile[section][key], value), (path, key, profile[section][key])
        assert profile[PROXY]["ProxyPassword"] == ""
        assert PASSWORD.encode() not in path.read_bytes()
    assert read_ini(all_regions)[PROXY]["ProxyType"] == "None,Auto,Wpad,Secure"  # the default stays first
    assert read_ini(stale)[PROXY]["ProxyBypassList"] == ""  # created: any string
    assert read_ini(all_regions)[SSL]["SSLCiphers"] == "ALL,COM,GOV"  # already permitted: untouched

    # ProxyType=Secure permitted in the trusted (singular) and untrusted (plural) profiles only.
    for name in ("Trusted_Region.ini", "Untrusted_Regions.ini"):
        assert read_ini(config / name)[PROXY]["ProxyType"] == "None,Auto,Wpad,Secure", name
    assert (config / "Unknown_Region.ini").read_bytes() == unknown_region
    assert not bob.client_dir.exists()


@pytest.mark.parametrize(
    ("settings", "fragments"),
    [
        (
            {"icaclient_config_minimum_tls": "1.2", "icaclient_config_maximum_tls": "1.1"},
            ["[WFClient]", "MinimumTLS=1.2 is above MaximumTLS=1.1", "no TLS version would be left"],
        ),
        (
            {"icaclient_config_proxy_type": "Socks", "icaclient_config_proxy_password": PASSWORD},
            ["ProxyType=Socks needs ProxyHost to be set"],
        ),
        (
            {"icaclient_config_secure_gateway_host": "gateway.example"},
            ["SSLProxyHost=gateway.example:443", "at least 3 labels"],
        ),
        (
            {
                "icaclient_config_ssl_relay_port": 8443,
                "icaclient_config_secure_gateway_host": "gw.corp.example.com",
            },
            ["give icaclient_config_ssl_relay_port", "not both"],
        ),
    ],
    ids=["tls-window-inverted", "socks-without-host", "two-label-gateway", "relay-and-gateway"],
)
def test_bad_input_fails_clearly_and_changes_nothing(stock_icaroot, settings, fragments):
    before = snapshot(stock_icaroot.icaroot)
    run = run_playbook(
        PLAYBOOK,
        extra_vars={
            "icaclient_config_icaroot": str(stock_icaroot.icaroot),
            "icaclient_config_update_users": False,
            **settings,
        },
        verbosity=3,
        expect_failure=True,
    )
    assert run.rc != 0
    failure = next(result for result in run.results if result["_status"] == "FAILED!")
    for fragment in [*fragments, "No file was changed."]:
        assert fragment in failure["msg"], (fragment, failure["msg"])
    assert snapshot(stock_icaroot.icaroot) == before
    assert_no_password(run)


# What template mode rendered, owned now through the modules: [WFClient] exactly, the vendor's
# structure of the proxy and SSL sections of All_Regions.ini, and the region profiles' proxy and
# smart card sections.
EXACT_LOCKDOWN = {
    "all": [
        {"section": PROXY, "key": "ProxyType", "restriction": "any_string"},
        {"section": PROXY, "key": "ProxyHost", "restriction": "any_string"},
        {"section": PROXY, "key": "ProxyPort", "restriction": "range", "values": ["1-65535"]},
        {"section": PROXY, "key": "ProxyBypassList", "restriction": "any_string"},
        {"section": PROXY, "key": "ProxyUsername", "restriction": "any_string"},
        {"section": PROXY, "key": "ProxyPassword", "restriction": "any_string"},
        {"section": PROXY, "key": "ProxyAuthenticationBasic", "restriction": "any"},
        {"section": SSL, "key": "SSLCiphers", "restriction": "list", "values": ["ALL", "COM", "GOV"]},
        {"section": SSL, "key": "MinimumTLS", "restriction": "list", "values": ["1.0", "1.1", "1.2"]},
        {"section": SSL, "key": "MaximumTLS", "restriction": "list", "values": ["1.2", "1.1", "1.0"]},
    ],
    **{
        region: [
            {"section": PROXY, "key": "ProxyType", "restriction": "list", "values": ["None", "Auto", "Wpad"]},
            {
                "section": "Virtual Channels\\Smartcard",
                "key": "SmartCardAllowed",
                "restriction": "any" if region == "trusted" else "list",
                "values": [] if region == "trusted" else ["false"],
            },
        ]
        for region in ("trusted", "untrusted", "unknown")
    },
}


def test_exact_sections_hold_only_the_keys_given_and_are_idempotent(sandbox):
    config = sandbox.config
    carol = sandbox.add_user()
    # ~/.ICAClient a symbolic link: skipped (root never follows a link a user made).
    dave = sandbox.add_user(client_dir="link")
    linked = snapshot(sandbox.base / f"elsewhere-{dave.name}")
    (carol.client_dir / "wfclient.ini").chmod(0o600)
    uids = sorted([carol.uid, dave.uid])
    # A stale key in each owned lockdown section, which must go.
    for path in (config / "All_Regions.ini", carol.client_dir / "All_Regions.ini"):
        path.write_bytes(path.read_bytes().replace(b"[Network\\Proxy]\n", b"[Network\\Proxy]\nProxyStale=\n"))
    extra = {
        **SETTINGS,
        "icaclient_config_icaroot": str(sandbox.icaroot),
        "icaclient_config_exact_sections": ["WFClient"],
        "icaclient_config_exact_lockdown": EXACT_LOCKDOWN,
        # Found by uid range, not by name.
        "icaclient_config_user_min_uid": uids[0],
        "icaclient_config_user_max_uid": uids[1],
        "icaclient_config_lockdown_sections": {"TransportReconnectEnabled": "Network\\CGP"},
        "icaclient_config_restart_clients": False,
    }
    daemon = sandbox.start(carol, "AuthManagerDaemon")

    first = run_playbook(PLAYBOOK, extra_vars=extra, diff=True, verbosity=3)
    assert exported(first)["icaclient_config_changed"] is True
    assert_no_password(first)
    second = run_playbook(PLAYBOOK, extra_vars=extra)
    assert second.changed == 0, changed_tasks(second)
    assert exported(second)["icaclient_config_changed"] is False
    checked = run_playbook(PLAYBOOK, extra_vars=extra, check=True, diff=True)
    assert checked.changed == 0, changed_tasks(checked)
    assert daemon.poll() is None  # icaclient_config_restart_clients: false

    for path in (
        config / "wfclient.ini",
        config / "usertemplate" / "wfclient.ini",
        carol.client_dir / "wfclient.ini",
    ):
        client = read_ini(path)["WFClient"]
        assert {key: client[key] for key in EXPECTED} == {key: value for key, (value, _s) in EXPECTED.items()}
        assert client["ProxyPassword"] == PASSWORD
        assert "KeyboardLayout" not in client  # a whole section: nothing else of the old one is kept
        assert set(client) == {*EXPECTED, "ProxyPassword"}, path
    info = (carol.client_dir / "wfclient.ini").stat()
    assert (info.st_uid, info.st_gid, info.st_mode & 0o777) == (carol.uid, carol.gid, 0o600)

    for path in (config / "All_Regions.ini", carol.client_dir / "All_Regions.ini"):
        profile = read_ini(path)
        assert profile["Top Level"]["AllowUnrecognisedICAParameters"] == "false"  # not owned: kept
        for key, (value, section) in EXPECTED.items():
            assert permits(profile[section][key], value), (path, key)
        assert profile[SSL]["SSLCiphers"] == "ALL,COM,GOV"
        assert profile[SSL]["MinimumTLS"] == "1.0,1.1,1.2"
        assert profile[PROXY]["ProxyType"] == ""  # owned as any string, which permits Secure
        assert "ProxyStale" not in profile[PROXY] and "ProxyTimeout" not in profile[PROXY]
        assert PASSWORD not in path.read_text()
    assert (carol.client_dir / "All_Regions.ini").stat().st_uid == carol.uid

    regions = {
        name: read_ini(config / name)
        for name in ("Trusted_Region.ini", "Untrusted_Regions.ini", "Unknown_Region.ini")
    }
    assert regions["Trusted_Region.ini"][PROXY]["ProxyType"] == "None,Auto,Wpad,Secure"
    assert regions["Untrusted_Regions.ini"][PROXY]["ProxyType"] == "None,Auto,Wpad,Secure"
    assert regions["Unknown_Region.ini"][PROXY]["ProxyType"] == "None,Auto,Wpad"
    assert regions["Untrusted_Regions.ini"]["Virtual Channels\\Smartcard"]["SmartCardAllowed"] == "false"

    assert snapshot(sandbox.base / f"elsewhere-{dave.name}") == linked


@pytest.mark.parametrize(
    ("exact", "message"),
    [
        # What the awk check of template mode guarded: a profile the client could not read is never
        # written. The engine refuses the owned restriction (an inverted range) before any file is written.
        (
            {
                "icaclient_config_exact_sections": ["WFClient"],
                "icaclient_config_exact_lockdown": {
                    "all": [
                        {"section": PROXY, "key": "ProxyPort", "restriction": "range", "values": ["65535-1"]}
                    ]
                },
            },
            "65535 is above 1",
        ),
        (
            {"icaclient_config_exact_sections": ["WFClient", "Thinwire3.0"]},
            "icaclient_config: icaclient_config_exact_sections names sections of wfclient.ini the role sets no key "
            "in: thinwire3.0. No file was changed.",
        ),
    ],
    ids=["inverted-range", "section-without-keys"],
)
def test_an_exact_section_the_engine_or_the_role_refuses_changes_nothing(stock_icaroot, exact, message):
    before = snapshot(stock_icaroot.icaroot)
    run = run_playbook(
        PLAYBOOK,
        extra_vars={
            "icaclient_config_icaroot": str(stock_icaroot.icaroot),
            "icaclient_config_update_users": False,
            "icaclient_config_minimum_tls": "1.2",
            **exact,
        },
        expect_failure=True,
    )
    assert run.rc != 0
    failure = next(result for result in run.results if result["_status"] == "FAILED!")
    assert message in failure["msg"], failure
    assert snapshot(stock_icaroot.icaroot) == before


def test_an_icaroot_spelled_with_a_trailing_slash_finds_every_profile(stock_icaroot):
    """``/opt/Citrix/ICAClient/`` is the same client: the profiles and copies are found and edited."""
    config = stock_icaroot.icaroot / "config"
    run = run_playbook(
        PLAYBOOK,
        extra_vars={
            **SETTINGS,
            "icaclient_config_icaroot": f"{stock_icaroot.icaroot}//",
            "icaclient_config_update_users": False,
            "icaclient_config_lockdown_sections": {"TransportReconnectEnabled": "Network\\CGP"},
        },
    )
    assert exported(run)["icaclient_config_changed"] is True
    assert read_ini(config / "Trusted_Region.ini")[PROXY]["ProxyType"] == "None,Auto,Wpad,Secure"
    for path in (config / "wfclient.ini", config / "usertemplate" / "wfclient.ini"):
        assert read_ini(path)["WFClient"]["ProxyType"] == "Secure", path
    assert permits(read_ini(config / "All_Regions.ini")[PROXY]["ProxyType"], "Secure")


def test_a_missing_client_is_named_in_plain_words(tmp_path):
    """No literal backslash (``client\\'s``) reaches the message, the JUnit file or the HTML page."""
    icaroot = tmp_path / "not-installed"
    run = run_playbook(
        PLAYBOOK,
        extra_vars={"icaclient_config_icaroot": str(icaroot), "icaclient_config_update_users": False},
        expect_failure=True,
    )
    failure = next(result for result in run.results if result["_status"] == "FAILED!")
    assert failure["msg"] == (
        f"icaclient_config: {icaroot}/config is not a folder, so the Citrix Workspace app is not installed in "
        f"{icaroot}. Set icaclient_config_icaroot to the client's folder or install the client first. "
        "No file was changed."
    )


@pytest.mark.parametrize("mode", ["edit", "exact"])
def test_a_list_value_never_becomes_a_lockdown_choice_list(stock_icaroot, mode):
    # An administrator narrowed ProxyBypassList; the bypass list is joined by a comma. Permitting
    # that value would write "old.example,a.corp.example,localhost": a choice list of three single
    # hosts. The entry becomes any string instead, and the list goes to wfclient.ini only.
    config = stock_icaroot.icaroot / "config"
    all_regions = config / "All_Regions.ini"
    all_regions.write_bytes(
        all_regions.read_bytes().replace(b"ProxyBypassList=\n", b"ProxyBypassList=old.example\n")
    )
    extra = {
        "icaclient_config_icaroot": str(stock_icaroot.icaroot),
        "icaclient_config_update_users": False,
        "icaclient_config_restart_clients": False,
        "icaclient_config_proxy_type": "Secure",
        "icaclient_config_proxy_host": "proxy.corp.example:3128",
        "icaclient_config_proxy_bypass_list": ["a.corp.example", "localhost"],
        "icaclient_config_proxy_bypass_separator": ",",
    }
    if mode == "exact":
        extra["icaclient_config_exact_sections"] = ["WFClient"]
        extra["icaclient_config_exact_lockdown"] = {
            "all": [
                {"section": PROXY, "key": "ProxyBypassList", "restriction": "list", "values": ["old.example"]}
            ]
        }
    exported(run_playbook(PLAYBOOK, extra_vars=extra))
    assert read_ini(config / "wfclient.ini")["WFClient"]["ProxyBypassList"] == "a.corp.example,localhost"
    entry = read_ini(all_regions)[PROXY]["ProxyBypassList"]
    assert entry == ""
    assert permits(entry, "a.corp.example,localhost")
    again = run_playbook(PLAYBOOK, extra_vars=extra)
    assert again.changed == 0, changed_tasks(again)


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ({"icaclient_config_proxy_type": "None"}, None),  # auto, no proxy UDP cannot pass: unmanaged
        ({"icaclient_config_proxy_type": "SocksV5", "icaclient_config_proxy_host": "socks:1080"}, "Off"),
        (
            {
                "icaclient_config_proxy_type": "Secure",
                "icaclient_config_proxy_host": "p:3128",
                "icaclient_config_hdx_over_udp": "Preferred",
            },
            "Preferred",
        ),
        # An unquoted Off in YAML is a boolean.
        ({"icaclient_config_hdx_over_udp": False}, "Off"),
        (
            {
                "icaclient_config_proxy_type": "Secure",
                "icaclient_config_proxy_host": "p:3128",
                "icaclient_config_hdx_over_udp": None,
            },
            None,
        ),
    ],
    ids=["no-proxy", "socks", "explicit", "yaml-boolean", "unmanaged"],
)
def test_edt_is_off_behind_a_proxy_udp_cannot_pass(stock_icaroot, settings, expected):
    config = stock_icaroot.icaroot / "config"
    run_playbook(
        PLAYBOOK,
        extra_vars={
            "icaclient_config_icaroot": str(stock_icaroot.icaroot),
            "icaclient_config_update_users": False,
            **settings,
        },
    )
    wfclient = read_ini(config / "wfclient.ini")
    assert wfclient["WFClient"].get("HDXoverUDP") == expected
    if expected is not None:
        assert permits(read_ini(config / "All_Regions.ini")["Network\\UDT"]["HDXoverUDP"], expected)
