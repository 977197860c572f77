"""icaclient.linux.client_ini run for real through ansible-playbook on a sandbox ICAROOT.

Four steps (check, apply, check again, apply again) with the file observed by
``stat`` between them, then Python's own configparser reads the result as an
independent reader. Bad input fails with the file, key and value named, and the
file stays as it was (bytes and mtime). A password never reaches the output
(-vvv), the log file, the results, the diff or the backup's name.
"""

from __future__ import annotations

import configparser
import hashlib
import os
from pathlib import Path

from ansible_run import run_tasks
from helpers import snapshot

MODULE = "icaclient.linux.client_ini"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def stat_task(path: Path) -> dict:
    return {"ansible.builtin.stat": {"path": str(path), "get_checksum": True, "checksum_algorithm": "sha256"}}


def read_back(path: Path) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read_string(path.read_bytes().decode("utf-8-sig", "replace"))
    return parser


def test_four_steps_then_an_independent_reader(stock_icaroot, tmp_path):
    path = stock_icaroot.config / "wfclient.ini"
    original = path.read_bytes()
    args = {
        "path": str(path),
        "section": "WFClient",
        "settings": {
            "MinimumTLS": "1.2",
            "MaximumTLS": "1.2",
            "ProxyType": "Secure",
            "ProxyHost": "proxy.example.com:3128",
            "ProxyAuthenticationNTLM": True,
            "ProxyTimeout": 10000,
            "UseLocalUserAndPassword": None,
        },
    }
    run = run_tasks(
        tmp_path / "run",
        [
            {MODULE: args, "check_mode": True, "diff": True},
            stat_task(path),
            {MODULE: args, "diff": True},
            stat_task(path),
            {MODULE: args, "check_mode": True, "diff": True},
            {MODULE: args},
            stat_task(path),
        ],
    )
    check, after_check, apply, after_apply, recheck, reapply, after_reapply = run.results
    changed = [
        "MinimumTLS",
        "MaximumTLS",
        "ProxyType",
        "ProxyHost",
        "ProxyAuthenticationNTLM",
        "ProxyTimeout",
    ]
    changed.append("UseLocalUserAndPassword")
    assert not check.get("failed"), check
    assert check["changed"] and check["changed_keys"] == changed
    assert "ProxyType=Secure" in check["diff"]["after"] and "ProxyType=None" in check["diff"]["before"]
    assert after_check["stat"]["checksum"] == sha256(original)
    assert apply["changed"] and apply["changed_keys"] == changed
    assert not recheck["changed"] and recheck["changed_keys"] == []
    assert not reapply["changed"]
    assert after_reapply["stat"]["mtime"] == after_apply["stat"]["mtime"]
    assert after_reapply["stat"]["checksum"] == after_apply["stat"]["checksum"] == sha256(path.read_bytes())

    parser = read_back(path)
    section = parser["WFClient"]
    assert section["MinimumTLS"] == section["MaximumTLS"] == "1.2"
    assert section["ProxyType"] == "Secure" and section["ProxyHost"] == "proxy.example.com:3128"
    assert section["ProxyAuthenticationNTLM"] == "True" and section["ProxyTimeout"] == "10000"
    assert "UseLocalUserAndPassword" not in section
    assert parser["Thinwire3.0"]["DesiredColor"] == "8"
    # Everything the task did not name is still there, byte for byte (comments included).
    untouched = [
        line for line in original.splitlines() if not line.startswith((b"ProxyType=", b"ProxyHost="))
    ]
    untouched = [
        line for line in untouched if not line.startswith((b"ProxyTimeout=", b"UseLocalUserAndPassword="))
    ]
    assert all(line in path.read_bytes().splitlines() for line in untouched)


def test_line_ends_bom_and_foreign_bytes_survive_the_module(tmp_path):
    path = tmp_path / "wfclient.ini"
    path.write_bytes(
        b"\xef\xbb\xbf; Einstellungen f\xfcr J\xfcrgen\r\n[WFClient]\r\nProxyUsername=j\xfcrgen\r\nProxyType=None"
    )
    run = run_tasks(
        tmp_path / "run",
        [
            {
                MODULE: {
                    "path": str(path),
                    "section": "WFClient",
                    "settings": {"ProxyType": "Auto", "SSLCiphers": "GOV"},
                }
            }
        ],
    )
    assert run[0]["changed"], run[0]
    assert path.read_bytes() == (
        b"\xef\xbb\xbf; Einstellungen f\xfcr J\xfcrgen\r\n[WFClient]\r\nProxyUsername=j\xfcrgen\r\nProxyType=Auto\r\n"
        b"SSLCiphers=GOV"
    )


SECRET_IN_SETTINGS = "Settings-Pw-4417"

# (file in stock config or a special file, args, fragments the message must name)
BAD_INPUT = {
    "tls window inverted": (
        "wfclient.ini",
        {"settings": {"MinimumTLS": "1.2", "MaximumTLS": "1.0"}},
        ["MinimumTLS=1.2 is above MaximumTLS=1.0"],
    ),
    "unknown proxy type": (
        "wfclient.ini",
        {"settings": {"ProxyType": "Http"}},
        ["ProxyType=Http", "must be one of"],
    ),
    "socks without host": (
        "wfclient.ini",
        {"settings": {"ProxyType": "Socks"}},
        ["ProxyType=Socks needs ProxyHost"],
    ),
    "port 0": ("wfclient.ini", {"settings": {"ProxyPort": 0}}, ["ProxyPort=0", "from 1 to 65535"]),
    "port 70000": (
        "wfclient.ini",
        {"settings": {"ProxyPort": 70000}},
        ["ProxyPort=70000", "from 1 to 65535"],
    ),
    "relay port 70000": ("appsrv.ini", {"settings": {"SSLProxyHost": "*:70000"}}, ["SSLProxyHost=*:70000"]),
    "two-label gateway": (
        "appsrv.ini",
        {"settings": {"SSLProxyHost": "example.com:443"}},
        ["SSLProxyHost=example.com:443", "at least 3 labels"],
    ),
    "tls 1.3 not enabled": (
        "wfclient.ini",
        {"settings": {"MaximumTLS": "1.3"}},
        ["MaximumTLS=1.3", "allow_tls13"],
    ),
    "broken section header": (
        "broken.ini",
        {"settings": {"ProxyType": "None"}},
        ["line 3", "[WFClient", "no closing"],
    ),
    "not a text file": (
        "utf16.ini",
        {"settings": {"ProxyType": "None"}},
        ["line 1", "NUL byte", "not a text ini"],
    ),
    "secret in settings": (
        "wfclient.ini",
        {"settings": {"ProxyPassword": SECRET_IN_SETTINGS}},
        ["ProxyPassword is a secret", "secret_settings"],
    ),
    "yaml boolean for an unknown key": (
        "wfclient.ini",
        {"settings": {"NewSwitch": True}},
        ["NewSwitch", "quote"],
    ),
    "bad restriction in a profile": (
        "All_Regions.ini",
        {"section": "Network\\Proxy", "settings": {"ProxyPort": "75-50"}},
        ["ProxyPort", "'75-50'", "75 is above 50"],
    ),
    "bad schema override": (
        "wfclient.ini",
        {"settings": {"ProxyType": "None"}, "schema_overrides": {"colour": {}}},
        ["unknown schema override(s): colour"],
    ),
    "present without settings": (
        "wfclient.ini",
        {},
        ["state is present but any of the following are missing"],
    ),
}


def test_bad_input_fails_clearly_and_changes_nothing(stock_icaroot, tmp_path):
    special = {
        "broken.ini": b"; user file\n\n[WFClient\nProxyType=None\n",
        "utf16.ini": "[WFClient]\r\nProxyType=None\r\n".encode("utf-16"),
    }
    tasks, files = [], []
    for index, (name, args, _fragments) in enumerate(BAD_INPUT.values()):
        folder = tmp_path / f"case{index}"
        folder.mkdir()
        path = folder / name
        if name != "absent.ini":
            path.write_bytes(special[name] if name in special else (stock_icaroot.config / name).read_bytes())
            os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
        files.append((path, snapshot(path) if path.exists() else None))
        tasks.append({MODULE: {"path": str(path), "section": "WFClient", **args}, "diff": True})
    run = run_tasks(tmp_path / "run", tasks, expect_failures=range(len(tasks)))
    for (label, (_name, _args, fragments)), result, (path, before) in zip(
        BAD_INPUT.items(), run.results, files
    ):
        message = result["msg"]
        if label not in ("present without settings", "bad schema override"):  # option errors, not file errors
            assert str(path) in message, (label, message)
        for fragment in fragments:
            assert fragment in message, (label, fragment, message)
        if before is None:
            assert not path.exists(), label
            continue
        assert snapshot(path) == before, label
        assert sorted(p.name for p in path.parent.iterdir()) == [path.name], label
    assert SECRET_IN_SETTINGS not in run.results[list(BAD_INPUT).index("secret in settings")]["msg"]


def test_tls13_where_enabled(stock_icaroot, tmp_path):
    path = stock_icaroot.config / "wfclient.ini"
    args = {"path": str(path), "section": "WFClient", "settings": {"MinimumTLS": "1.2", "MaximumTLS": "1.3"}}
    overrides = {"tls": {"tls13_min_client_version": "24.2"}}
    run = run_tasks(
        tmp_path / "run",
        [
            {MODULE: {**args, "allow_tls13": True}, "check_mode": True},
            {
                MODULE: {**args, "client_version": "23.11.0.82", "schema_overrides": overrides},
                "check_mode": True,
            },
            {MODULE: {**args, "client_version": "24.2.0.65", "schema_overrides": overrides}},
        ],
        expect_failures=(1,),
    )
    assert run[0]["changed"]
    assert "MaximumTLS=1.3" in run[1]["msg"] and "client version >= 24.2" in run[1]["msg"]
    assert run[2]["changed"] and read_back(path)["WFClient"]["MaximumTLS"] == "1.3"


def test_a_password_never_reaches_output_log_results_diff_or_backup_name(stock_icaroot, tmp_path):
    path = stock_icaroot.user_config / "wfclient.ini"
    first, second = "Pw-First-8c41d2", "Pw-Second-77e0a9"
    log = tmp_path / "ansible.log"

    def task(password_var: str, **extra) -> dict:
        return {
            MODULE: {
                "path": str(path),
                "section": "WFClient",
                "settings": {
                    "ProxyType": "Secure",
                    "ProxyHost": "proxy.example.com:3128",
                    "ProxyUsername": "alice",
                },
                "secret_settings": {"ProxyPassword": "{{ " + password_var + " }}"},
                "backup": True,
            },
            "diff": True,
            **extra,
        }

    run = run_tasks(
        tmp_path / "run",
        [task("first"), task("second", check_mode=True), task("second"), task("second")],
        variables={"first": first, "second": second},
        verbosity=3,
        env={"ANSIBLE_LOG_PATH": str(log)},
    )
    set_first, predict, set_second, again = run.results
    assert set_first["changed"] and "ProxyPassword" in set_first["changed_keys"]
    assert predict["changed"] and predict["changed_keys"] == ["ProxyPassword"]
    assert set_second["changed"] and not again["changed"]
    assert "ProxyPassword=********" in set_first["diff"]["after"]
    assert '"ProxyPassword": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"' in run.stdout  # -vvv shows the arguments
    assert f"ProxyPassword={second}\n".encode() in path.read_bytes()

    backups = [p for p in path.parent.iterdir() if p.name.startswith("wfclient.ini.")]
    assert len(backups) == 2
    seen = {
        "stdout": run.stdout,
        "stderr": run.stderr,
        "log": log.read_text(),
        "results": (tmp_path / "run" / "results.json").read_text(),
        "backup names": " ".join(p.name for p in backups),
    }
    assert len(seen["log"]) > 1000 and "ProxyUsername" in seen["stdout"]  # the runs were verbose
    for where, text in seen.items():
        for secret in (first, second):
            assert secret not in text, f"{secret} found in {where}"


# -- copies: one call for the machine file, the new users' template and the users' copies -------------


def files_state(*paths: Path) -> dict:
    """Per path: bytes (or a link's target), mtime, mode, owner and group; None when absent."""
    state = {}
    for path in paths:
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            state[str(path)] = None
            continue
        content = os.readlink(path) if path.is_symlink() else path.read_bytes()
        state[str(path)] = (content, info.st_mtime_ns, info.st_mode & 0o7777, info.st_uid, info.st_gid)
    return state


def folders_listing(*folders: Path) -> list[str]:
    return sorted(str(p) for folder in folders for p in folder.iterdir())


def test_copies_four_steps_keep_each_owner_and_skip_missing_and_links(stock_icaroot, tmp_path):
    main = stock_icaroot.config / "wfclient.ini"
    template = stock_icaroot.config / "usertemplate" / "wfclient.ini"
    user = stock_icaroot.user_config / "wfclient.ini"
    os.chown(user, 1234, 1234)
    user.chmod(0o600)
    missing = tmp_path / "home-bob" / ".ICAClient" / "wfclient.ini"
    # Mallory's "copy" points at a file only root may read: it must be neither read nor written.
    private = tmp_path / "root-only.ini"
    private.write_bytes(b"[WFClient]\nProxyType=None\n")
    private.chmod(0o600)
    link = tmp_path / "home-mallory" / ".ICAClient" / "wfclient.ini"
    link.parent.mkdir(parents=True)
    link.symlink_to(private)
    password = "Pw-Copies-3f9a61"
    log = tmp_path / "ansible.log"
    args = {
        "path": str(main),
        "copies": [str(template), str(user), str(missing), str(link)],
        "section": "WFClient",
        "settings": {"MinimumTLS": "1.2", "ProxyType": "Secure", "ProxyHost": "proxy.example.com:3128"},
        "secret_settings": {"ProxyPassword": "{{ password }}"},
        "backup": True,
    }
    edited = (main, template, user)
    original = files_state(*edited, private, link)
    run = run_tasks(
        tmp_path / "run",
        [
            {MODULE: args, "check_mode": True, "diff": True},
            stat_task(user),
            {MODULE: args, "diff": True},
            stat_task(user),
            {MODULE: args, "check_mode": True, "diff": True},
            {MODULE: args, "diff": True},
        ],
        variables={"password": password},
        verbosity=3,
        env={"ANSIBLE_LOG_PATH": str(log)},
    )
    check, after_check, apply, after_apply, recheck, reapply = run.results
    assert not check.get("failed"), check
    assert check["changed"] and [f["path"] for f in check["files"]] == [str(p) for p in edited]
    assert all(f["changed"] and "ProxyPassword" in f["changed_keys"] for f in check["files"])
    assert check["skipped_copies"] == [
        {"path": str(missing), "reason": "missing"},
        {"path": str(link), "reason": "symlink"},
    ]
    assert any(f"{link} was not edited: it is a symbolic link" in w for w in check["warnings"])
    # The diff: a list, one per changed file; the other keys shown, the secret masked.
    assert [d["after_header"] for d in check["diff"]] == [str(p) for p in edited]
    for diff in check["diff"]:
        assert "ProxyType=Secure" in diff["after"] and "MinimumTLS=1.2" in diff["after"]
        assert "ProxyPassword=********" in diff["after"]
    assert after_check["stat"]["checksum"] == sha256(original[str(user)][0])

    assert apply["changed"] and apply["path"] == str(main) and "MinimumTLS" in apply["changed_keys"]
    assert (after_apply["stat"]["uid"], after_apply["stat"]["mode"]) == (1234, "0600")  # seen by stat
    info = os.stat(user)
    assert (info.st_uid, info.st_gid, info.st_mode & 0o7777) == (1234, 1234, 0o600)
    for path in edited:
        section = read_back(path)["WFClient"]
        assert section["ProxyType"] == "Secure" and section["ProxyPassword"] == password
        assert section["MinimumTLS"] == "1.2"
    backups = {f["path"]: f["backup_file"] for f in apply["files"]}
    assert set(backups) == {str(p) for p in edited}
    assert os.stat(backups[str(user)]).st_uid == 1234  # the user's backup is the user's too
    assert Path(backups[str(user)]).read_bytes() == original[str(user)][0]
    assert not missing.exists() and not missing.parent.exists()
    assert files_state(private, link) == {k: original[k] for k in (str(private), str(link))}

    after = files_state(*edited)
    assert not recheck["changed"] and recheck["diff"] == []
    assert not reapply["changed"] and all(not f["changed"] for f in reapply["files"])
    assert files_state(*edited) == after

    seen = {
        "stdout": run.stdout,
        "stderr": run.stderr,
        "log": log.read_text(),
        "results": (tmp_path / "run" / "results.json").read_text(),
        "backup names": " ".join(backups.values()),
    }
    assert '"ProxyPassword": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"' in run.stdout  # -vvv shows the arguments
    for where, text in seen.items():
        assert password not in text, f"the password was found in {where}"


def test_a_copy_that_refuses_the_edit_leaves_every_file_unchanged(stock_icaroot, tmp_path):
    """The user's copy limits MaximumTLS to 1.1: MinimumTLS=1.2 would leave no TLS version there."""
    main = stock_icaroot.config / "wfclient.ini"
    template = stock_icaroot.config / "usertemplate" / "wfclient.ini"
    user = stock_icaroot.user_config / "wfclient.ini"
    user.write_bytes(user.read_bytes().replace(b"MaximumTLS=1.2", b"MaximumTLS=1.1"))
    os.chown(user, 1234, 1234)
    for path in (main, template, user):
        os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    folders = (main.parent, template.parent, user.parent)
    before, listing = files_state(main, template, user), folders_listing(*folders)
    args = {
        "path": str(main),
        "copies": [str(template), str(user)],
        "section": "WFClient",
        "settings": {"MinimumTLS": "1.2", "ProxyType": "Wpad"},
        "secret_settings": {"ProxyPassword": "{{ password }}"},
        "backup": True,
    }
    run = run_tasks(
        tmp_path / "run",
        [{MODULE: args, "diff": True}, {MODULE: args, "check_mode": True}],
        variables={"password": "Pw-Refused-0c77"},
        expect_failures=(0, 1),
    )
    for result in run.results:
        assert f"invalid settings for {user} [WFClient]" in result["msg"]
        assert "MinimumTLS=1.2 is above MaximumTLS=1.1" in result["msg"]
    assert files_state(main, template, user) == before
    assert folders_listing(*folders) == listing  # no backup, no temporary file
    assert "Pw-Refused-0c77" not in run.stdout + (tmp_path / "run" / "results.json").read_text()


def test_a_users_file_that_links_to_a_root_only_file_is_neither_read_nor_replaced(stock_icaroot, tmp_path):
    """path: ~/.ICAClient/wfclient.ini -> /root/secret.txt (mode 0600), made by the user: the secret
    shows in no diff or result, the link stays a link and the root-only file is untouched."""
    secret_text = "Root-Only-2b8d4f"
    secret = tmp_path / "secret.txt"
    secret.write_text(f"[WFClient]\nProxyType=None\nNote={secret_text}\n")
    secret.chmod(0o600)
    user_dir = stock_icaroot.user_config
    link = user_dir / "wfclient.ini"
    link.unlink()
    link.symlink_to(secret)
    os.chown(user_dir, 1234, 1234)
    os.lchown(link, 1234, 1234)
    before, listing = files_state(secret, link), folders_listing(user_dir)
    args = {"path": str(link), "section": "WFClient", "settings": {"ProxyType": "Wpad"}}
    run = run_tasks(
        tmp_path / "run",
        [{MODULE: args, "check_mode": True, "diff": True}, {MODULE: args, "diff": True}],
        verbosity=2,
        expect_failures=(0, 1),
    )
    for result in run.results:
        assert result["msg"].startswith(f"cannot edit {link}: it is a symbolic link, and root does not read")
    assert secret_text not in run.stdout + run.stderr + (tmp_path / "run" / "results.json").read_text()
    assert files_state(secret, link) == before
    assert folders_listing(user_dir) == listing


def test_exact_section_four_steps_with_copies(stock_icaroot, tmp_path):
    """state=exact: the section holds exactly the given keys in the file and its copy, other sections untouched."""
    path = stock_icaroot.config / "wfclient.ini"
    copy = stock_icaroot.config / "usertemplate" / "wfclient.ini"
    original = path.read_bytes()
    args = {
        "path": str(path),
        "copies": [str(copy)],
        "section": "WFClient",
        "state": "exact",
        "settings": {"ProxyType": "Secure", "ProxyHost": "proxy.example.com:3128", "SSLCiphers": "GOV"},
    }
    run = run_tasks(
        tmp_path / "run",
        [
            {MODULE: args, "check_mode": True, "diff": True},
            stat_task(path),
            {MODULE: args, "diff": True},
            stat_task(path),
            {MODULE: args, "check_mode": True},
            {MODULE: args},
            stat_task(path),
            {MODULE: {**args, "settings": {"ProxyType": "Secure"}}, "check_mode": True},
        ],
        expect_failures=(7,),
    )
    check, after_check, apply, after_apply, recheck, reapply, after_reapply, refused = run.results
    assert check["changed"] and "Version" in check["changed_keys"] and "ProxyHost" in check["changed_keys"]
    assert after_check["stat"]["checksum"] == sha256(original)
    assert apply["changed"] and [f["changed"] for f in apply["files"]] == [True, True]
    assert after_apply["stat"]["checksum"] != sha256(original)
    assert not recheck["changed"] and not reapply["changed"]
    assert after_reapply["stat"]["mtime"] == after_apply["stat"]["mtime"]
    assert "ProxyType=Secure needs ProxyHost" in refused["msg"]
    for file in (path, copy):
        parser = read_back(file)
        assert dict(parser["WFClient"]) == {
            "ProxyType": "Secure",
            "ProxyHost": "proxy.example.com:3128",
            "SSLCiphers": "GOV",
        }
        assert dict(parser["Thinwire3.0"]) == {"DesiredColor": "8", "ApproximateColors": "No"}
    assert path.read_text().startswith("; wfclient.ini - machine-wide client settings")
