"""update_ini_files: the logic behind client_ini, on real files in a sandbox ICAROOT."""

from __future__ import annotations

import os
import stat

import pytest
from helpers import snapshot

from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError
from ansible_collections.icaclient.linux.plugins.module_utils._ini import files as ini_files
from ansible_collections.icaclient.linux.plugins.module_utils._ini.client_ini import IniEdit

SECRET = "pw-Zq81-never-shown"


def update_ini_files(path, *, copies=(), create=True, check_mode=False, backup=None, **fields):
    """One request as the module makes it: the file and its copies as one list, one IniEdit."""
    return ini_files.update_ini_files(
        [path, *copies], IniEdit(**fields), create=create, check_mode=check_mode, backup=backup
    )


def update_ini_file(path, **options):
    """One file: a list of one."""
    return update_ini_files(path, **options).main


def test_set_then_nothing_to_do(stock_icaroot):
    path = stock_icaroot.config / "wfclient.ini"
    original = path.read_bytes()
    first = update_ini_file(
        str(path), section="WFClient", settings={"MinimumTLS": "1.2", "ProxyTimeout": 5000}
    )
    assert first.changed and first.changed_keys == ["MinimumTLS", "ProxyTimeout"]
    expected = original.replace(b"ProxyTimeout=30000", b"ProxyTimeout=5000").replace(
        b"UseLocalUserAndPassword=Off\n", b"UseLocalUserAndPassword=Off\nMinimumTLS=1.2\n"
    )
    assert path.read_bytes() == expected
    before = snapshot(path)
    second = update_ini_file(
        str(path), section="wfclient", settings={"minimumtls": "1.2", "ProxyTimeout": "5000"}
    )
    assert not second.changed and second.changed_keys == []
    assert snapshot(path) == before


def test_check_mode_predicts_without_writing(stock_icaroot):
    path = stock_icaroot.config / "wfclient.ini"
    before = snapshot(path)
    calls = []
    result = update_ini_file(
        str(path), section="WFClient", settings={"ProxyType": "Wpad"}, check_mode=True, backup=calls.append
    )
    assert result.changed and result.changed_keys == ["ProxyType"]
    assert "ProxyType=Wpad" in result.diff["after"] and "ProxyType=None" in result.diff["before"]
    assert snapshot(path) == before and calls == []


def test_backup_is_made_only_when_the_file_changes(stock_icaroot):
    path = stock_icaroot.config / "wfclient.ini"
    calls = []
    update_ini_file(str(path), section="WFClient", settings={"ProxyType": "None"}, backup=calls.append)
    assert calls == []
    update_ini_file(str(path), section="WFClient", settings={"ProxyType": "Auto"}, backup=calls.append)
    assert calls == [str(path)]


def test_mode_is_kept(stock_icaroot):
    path = stock_icaroot.config / "module.ini"
    path.chmod(0o640)
    update_ini_file(str(path), section="SmartCard", settings={"PCSCLibraryName": "libpcsclite.so.1"})
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert b"PCSCLibraryName=libpcsclite.so.1\n" in path.read_bytes()


def test_a_null_value_removes_the_key(stock_icaroot):
    path = stock_icaroot.config / "wfclient.ini"
    result = update_ini_file(str(path), section="WFClient", settings={"WpadHost": None, "Missing": None})
    assert result.changed_keys == ["WpadHost"]
    assert b"WpadHost" not in path.read_bytes()


def test_absent_removes_keys_or_the_whole_section(stock_icaroot):
    path = stock_icaroot.config / "wfclient.ini"
    result = update_ini_file(
        str(path), section="WFClient", settings={"CDMAllowed": "ignored"}, state="absent"
    )
    assert result.changed_keys == ["CDMAllowed"]
    result = update_ini_file(str(path), section="Thinwire3.0", state="absent")
    assert result.changed_keys == ["DesiredColor", "ApproximateColors"]
    assert b"Thinwire3.0" not in path.read_bytes()
    again = update_ini_file(str(path), section="Thinwire3.0", state="absent")
    assert not again.changed


def test_missing_file_is_created_or_refused(tmp_path):
    path = tmp_path / "new.ini"
    with pytest.raises(IcaClientError, match=r"new\.ini: the file does not exist \(set create=true"):
        update_ini_file(str(path), section="WFClient", settings={"A": "1"}, create=False)
    assert not update_ini_file(str(path), section="WFClient", state="absent").changed
    assert not path.exists()
    result = update_ini_file(str(path), section="WFClient", settings={"A": "1"})
    assert result.changed and path.read_bytes() == b"[WFClient]\nA=1\n"
    assert result.diff["before_header"].endswith("(absent)")
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644


def test_secrets_go_through_secret_settings_and_are_masked(stock_icaroot):
    path = stock_icaroot.user_config / "wfclient.ini"
    with pytest.raises(IcaClientError) as info:
        update_ini_file(str(path), section="WFClient", settings={"ProxyPassword": SECRET})
    assert "give it in secret_settings" in info.value.message and SECRET not in str(info.value)
    result = update_ini_file(str(path), section="WFClient", secret_settings={"ProxyPassword": SECRET})
    assert f"ProxyPassword={SECRET}\n".encode() in path.read_bytes()
    assert SECRET not in repr(result.as_dict()) + repr(result.diff) + repr(result.warnings)
    assert "ProxyPassword=********" in result.diff["after"]
    assert result.warnings == [
        f"{path} holds a secret and is readable by other users (mode 0644); consider mode 0600"
    ]


def test_a_secret_key_may_be_removed_through_settings(stock_icaroot):
    path = stock_icaroot.user_config / "wfclient.ini"
    update_ini_file(str(path), section="WFClient", secret_settings={"ProxyPassword": SECRET})
    result = update_ini_file(str(path), section="WFClient", settings={"ProxyPassword": None})
    assert result.changed_keys == ["ProxyPassword"] and b"ProxyPassword" not in path.read_bytes()


def test_a_new_file_holding_a_secret_is_private(tmp_path):
    path = tmp_path / "wfclient.ini"
    update_ini_file(str(path), section="WFClient", secret_settings={"ProxyPassword": SECRET})
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_a_key_given_twice_is_refused(stock_icaroot):
    with pytest.raises(IcaClientError, match="key proxytype is given twice"):
        update_ini_file(
            str(stock_icaroot.config / "wfclient.ini"),
            section="WFClient",
            settings={"ProxyType": "None", "proxytype": "Auto"},
        )


@pytest.mark.parametrize(
    ("settings", "state", "cause"),
    [
        ({"MinimumTLS": "1.2", "MaximumTLS": "1.0"}, "present", "MinimumTLS=1.2 is above MaximumTLS=1.0"),
        ({"ProxyType": "Socks"}, "present", "ProxyType=Socks needs ProxyHost"),
        ({"ProxyTimeout": "-5"}, "present", "ProxyTimeout=-5: must be an integer from 0 to 3600000"),
        ({"SmartCardAllowed": True, "Other": True}, "present", "a YAML boolean is ambiguous"),
    ],
)
def test_bad_input_changes_nothing(stock_icaroot, settings, state, cause):
    path = stock_icaroot.config / "wfclient.ini"
    before = snapshot(path)
    with pytest.raises(IcaClientError) as info:
        update_ini_file(str(path), section="WFClient", settings=settings, state=state)
    assert cause in info.value.message and str(path) in info.value.message
    assert snapshot(path) == before


def test_removing_a_key_a_rule_needs_is_refused(stock_icaroot):
    path = stock_icaroot.config / "wfclient.ini"
    update_ini_file(
        str(path), section="WFClient", settings={"ProxyType": "Secure", "ProxyHost": "p.example.com:3128"}
    )
    before = snapshot(path)
    with pytest.raises(IcaClientError, match="ProxyType=Secure needs ProxyHost"):
        update_ini_file(str(path), section="WFClient", settings={"ProxyHost": None}, state="absent")
    assert snapshot(path) == before


def test_validate_false_writes_what_it_is_given(stock_icaroot):
    path = stock_icaroot.config / "wfclient.ini"
    update_ini_file(str(path), section="WFClient", settings={"ProxyType": "Bogus"}, validate=False)
    assert b"ProxyType=Bogus\n" in path.read_bytes()


def test_profiles_are_validated_as_restrictions(stock_icaroot):
    path = stock_icaroot.config / "All_Regions.ini"
    update_ini_file(str(path), section="Network\\Proxy", settings={"ProxyType": "None,Auto,Secure"})
    update_ini_file(str(path), section="Top Level", settings={"EnableLockdown": "true"})
    with pytest.raises(IcaClientError, match="invalid range restriction for ProxyPort"):
        update_ini_file(str(path), section="Network\\Proxy", settings={"ProxyPort": "75-50"})
    with pytest.raises(IcaClientError, match="ProxyType=Bogus"):
        update_ini_file(str(path), section="Preferences", settings={"ProxyType": "Bogus"})


def test_duplicates_of_an_edited_key_are_named(tmp_path):
    path = tmp_path / "appsrv.ini"
    path.write_bytes(b"[WFClient]\nProxyType=None\nProxyType=Auto\n")
    result = update_ini_file(str(path), section="WFClient", settings={"ProxyType": "Wpad"})
    assert path.read_bytes() == b"[WFClient]\nProxyType=Wpad\nProxyType=Auto\n"
    assert result.warnings == [
        f"{path}: key ProxyType in [WFClient] at line 3 repeats the one at line 2; the client reads only the first"
    ]


# -- a file and its copies (update_ini_files) ----------------------------------------------------------


def files_state(*paths):
    """Bytes, mtime, mode and owner of each path (None when absent): what a user would notice."""
    state = {}
    for path in paths:
        try:
            info = os.lstat(path)
        except FileNotFoundError:
            state[str(path)] = None
            continue
        content = os.readlink(path) if stat.S_ISLNK(info.st_mode) else path.read_bytes()
        state[str(path)] = (content, info.st_mtime_ns, stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid)
    return state


@pytest.fixture
def copies(stock_icaroot):
    """The machine file, the new users' template and one user's copy owned by that user (uid 1234)."""
    main = stock_icaroot.config / "wfclient.ini"
    template = stock_icaroot.config / "usertemplate" / "wfclient.ini"
    user = stock_icaroot.user_config / "wfclient.ini"
    os.chown(user, 1234, 1234)
    user.chmod(0o640)
    return main, template, user


def test_copies_get_the_same_edit_and_keep_owner_and_mode(copies, tmp_path):
    main, template, user = copies
    missing = tmp_path / "nobody" / ".ICAClient" / "wfclient.ini"
    result = update_ini_files(
        str(main),
        copies=[str(template), str(user), str(missing)],
        section="WFClient",
        settings={"MinimumTLS": "1.2", "ProxyType": "Secure", "ProxyHost": "proxy.example.com:3128"},
        secret_settings={"ProxyPassword": SECRET},
    )
    assert result.changed
    assert [f["path"] for f in result.as_dict()["files"]] == [str(main), str(template), str(user)]
    assert all(f["changed"] and "ProxyPassword" in f["changed_keys"] for f in result.as_dict()["files"])
    assert result.as_dict()["skipped_copies"] == [{"path": str(missing), "reason": "missing"}]
    assert not missing.exists() and not missing.parent.exists()
    for path in (main, template, user):
        assert f"ProxyPassword={SECRET}\n".encode() in path.read_bytes()
        assert b"ProxyType=Secure\n" in path.read_bytes()
    info = os.stat(user)
    assert (info.st_uid, info.st_gid, stat.S_IMODE(info.st_mode)) == (1234, 1234, 0o640)
    assert len(result.diffs()) == 3 and all("ProxyPassword=********" in d["after"] for d in result.diffs())
    assert SECRET not in repr(result.as_dict()) + repr(result.diffs()) + repr(result.warnings)
    # The top-level fields still describe path.
    assert result.as_dict()["path"] == str(main) and "MinimumTLS" in result.as_dict()["changed_keys"]
    before = files_state(main, template, user)
    again = update_ini_files(
        str(main),
        copies=[str(template), str(user)],
        section="WFClient",
        settings={"MinimumTLS": "1.2", "ProxyType": "Secure", "ProxyHost": "proxy.example.com:3128"},
        secret_settings={"ProxyPassword": SECRET},
    )
    assert not again.changed and again.diffs() == []
    assert files_state(main, template, user) == before


def test_a_copy_that_is_a_link_is_not_followed(copies, tmp_path):
    main, template, _user = copies
    target = tmp_path / "shadow.ini"
    target.write_bytes(b"[WFClient]\nProxyType=None\n")
    link = tmp_path / "home" / "mallory" / ".ICAClient" / "wfclient.ini"
    link.parent.mkdir(parents=True)
    link.symlink_to(target)
    before = files_state(target, link)
    result = update_ini_files(
        str(main), copies=[str(link), str(template)], section="WFClient", settings={"ProxyType": "Auto"}
    )
    assert result.as_dict()["skipped_copies"] == [{"path": str(link), "reason": "symlink"}]
    assert result.warnings == [
        f"{link} was not edited: it is a symbolic link, and root must not follow a link a user made"
    ]
    assert files_state(target, link) == before
    assert [f.path for f in result.files] == [str(main), str(template)] and template.read_bytes().count(
        b"ProxyType=Auto\n"
    ) == 1


def test_a_copy_behind_a_folder_link_a_user_made_is_not_followed(copies, tmp_path):
    main = copies[0]
    elsewhere = tmp_path / "etc-like"
    elsewhere.mkdir()
    (elsewhere / "wfclient.ini").write_bytes(b"[WFClient]\nProxyType=None\n")
    home = tmp_path / "home" / "mallory"
    home.mkdir(parents=True)
    (home / ".ICAClient").symlink_to(elsewhere)
    os.lchown(home / ".ICAClient", 1234, 1234)
    before = files_state(elsewhere / "wfclient.ini")
    result = update_ini_files(
        str(main),
        copies=[str(home / ".ICAClient" / "wfclient.ini")],
        section="WFClient",
        settings={"ProxyType": "Auto"},
    )
    assert result.as_dict()["skipped_copies"][0]["reason"] == "symlink"
    assert f"the folder {home / '.ICAClient'} on its way is a symbolic link" in result.warnings[0]
    assert files_state(elsewhere / "wfclient.ini") == before
    # A folder link root made is an administrator's choice and is followed.
    os.lchown(home / ".ICAClient", 0, 0)
    result = update_ini_files(
        str(main),
        copies=[str(home / ".ICAClient" / "wfclient.ini")],
        section="WFClient",
        settings={"ProxyType": "Auto"},
    )
    assert (
        result.as_dict()["skipped_copies"] == []
        and b"ProxyType=Auto" in (elsewhere / "wfclient.ini").read_bytes()
    )


def test_copies_that_are_not_files_or_are_the_same_file_are_skipped(copies, tmp_path):
    main, template, _user = copies
    fifo = tmp_path / "fifo.ini"
    os.mkfifo(fifo)  # opening it for reading without O_NONBLOCK would hang the run
    hard = tmp_path / "hard.ini"
    os.link(template, hard)
    result = update_ini_files(
        str(main),
        copies=[str(fifo), str(main), str(template), str(hard), str(tmp_path)],
        section="WFClient",
        settings={"ProxyType": "Wpad"},
    )
    assert result.as_dict()["skipped_copies"] == [
        {"path": str(fifo), "reason": "not_a_file"},
        {"path": str(main), "reason": "duplicate"},
        {"path": str(hard), "reason": "duplicate"},
        {"path": str(tmp_path), "reason": "not_a_file"},
    ]
    assert [f.path for f in result.files] == [str(main), str(template)]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_copy_the_edit_does_not_fit_changes_no_file(copies):
    """The user's copy has MaximumTLS=1.0: MinimumTLS=1.2 is fine elsewhere but refused there."""
    main, template, user = copies
    user.write_bytes(user.read_bytes().replace(b"[WFClient]\n", b"[WFClient]\nMaximumTLS=1.0\n"))
    before = files_state(main, template, user)
    listing = sorted(p for folder in (main.parent, template.parent, user.parent) for p in folder.iterdir())
    with pytest.raises(IcaClientError) as info:
        update_ini_files(
            str(main),
            copies=[str(template), str(user)],
            section="WFClient",
            settings={"MinimumTLS": "1.2"},
            secret_settings={"ProxyPassword": SECRET},
            backup=lambda path: pytest.fail(f"backup of {path} before every file was validated"),
        )
    assert f"invalid settings for {user} [WFClient]" in info.value.message
    assert "MinimumTLS=1.2 is above MaximumTLS=1.0" in info.value.message
    assert SECRET not in str(info.value) + repr(info.value.details)
    assert files_state(main, template, user) == before
    assert (
        sorted(p for folder in (main.parent, template.parent, user.parent) for p in folder.iterdir())
        == listing
    )


def test_check_mode_with_copies_writes_nothing(copies):
    main, template, user = copies
    before = files_state(main, template, user)
    calls = []
    result = update_ini_files(
        str(main),
        copies=[str(template), str(user)],
        section="WFClient",
        settings={"ProxyType": "Wpad"},
        check_mode=True,
        backup=calls.append,
    )
    assert result.changed and [f.changed for f in result.files] == [True, True, True]
    assert files_state(main, template, user) == before and calls == []


def test_create_applies_to_path_only(tmp_path, copies):
    _main, template, _user = copies
    new = tmp_path / "new" / "wfclient.ini"
    new.parent.mkdir()
    calls = []
    result = update_ini_files(
        str(new),
        copies=[str(template)],
        section="WFClient",
        settings={"ProxyType": "Auto"},
        backup=calls.append,
    )
    assert new.read_bytes() == b"[WFClient]\nProxyType=Auto\n"
    assert result.files[0].diff["before_header"].endswith("(absent)")
    assert calls == [str(template)]  # a new file has nothing to back up
    with pytest.raises(IcaClientError, match="the file does not exist"):
        update_ini_files(
            str(tmp_path / "none.ini"),
            copies=[str(template)],
            section="WFClient",
            settings={"ProxyType": "Wpad"},
            create=False,
        )
    assert b"ProxyType=Wpad" not in template.read_bytes()


def test_a_copy_replaced_by_a_link_after_it_was_read_is_not_written(copies, tmp_path, monkeypatch):
    """A user racing root: the copy becomes a link between the read and the write."""
    main, template, user = copies
    target = tmp_path / "target.ini"
    target.write_bytes(b"[WFClient]\n")
    real_plan = ini_files._plan_file

    def plan_then_swap(path, data, edit, *, create):
        planned = real_plan(path, data, edit, create=create)
        if path == str(user):
            user.unlink()
            user.symlink_to(target)
        return planned

    monkeypatch.setattr(ini_files, "_plan_file", plan_then_swap)
    before = files_state(main, template, target)
    with pytest.raises(IcaClientError, match=f"cannot edit {user}: it was replaced while being edited"):
        update_ini_files(
            str(main), copies=[str(template), str(user)], section="WFClient", settings={"ProxyType": "Wpad"}
        )
    assert files_state(main, template, target) == before and user.is_symlink()


def test_absent_reaches_the_copies(copies):
    main, template, user = copies
    result = update_ini_files(
        str(main), copies=[str(template), str(user)], section="WFClient", settings={"ProxyUsername": None},
        state="absent",
    )  # fmt: skip
    assert [f.changed_keys for f in result.files] == [["ProxyUsername"]] * 3
    assert all(b"ProxyUsername" not in p.read_bytes() for p in (main, template, user))


# -- state: exact ----------------------------------------------------------------------------------------


def test_exact_keeps_only_the_given_keys_in_their_lines_and_order(tmp_path):
    path = tmp_path / "wfclient.ini"
    path.write_bytes(
        b"; machine settings\r\n[WFClient]\r\n; the proxy\r\nProxyType=None\r\nKeep = me\r\nOld=1\r\n"
        b"ProxyHost=old:1\r\n\r\n[Other]\r\nOld=stays\r\n"
    )
    result = update_ini_file(
        str(path),
        section="wfclient",
        settings={"ProxyHost": "proxy.example.com:3128", "keep": "me", "ProxyType": "Secure", "Gone": None},
        state="exact",
    )
    assert result.changed and result.changed_keys == ["Old", "ProxyHost", "ProxyType"]
    assert path.read_bytes() == (
        b"; machine settings\r\n[WFClient]\r\n; the proxy\r\nProxyType=Secure\r\nKeep = me\r\n"
        b"ProxyHost=proxy.example.com:3128\r\n\r\n[Other]\r\nOld=stays\r\n"
    )
    before = snapshot(path)
    again = update_ini_file(
        str(path),
        section="WFClient",
        settings={"ProxyType": "Secure", "ProxyHost": "proxy.example.com:3128", "Keep": "me"},
        state="exact",
    )
    assert not again.changed and again.changed_keys == [] and snapshot(path) == before


def test_exact_creates_the_section_and_the_file(tmp_path):
    path = tmp_path / "wfclient.ini"
    path.write_bytes(b"[Other]\nA=1\n")
    result = update_ini_file(
        str(path), section="Network\\Proxy", settings={"ProxyType": "Wpad"}, state="exact"
    )
    assert result.changed_keys == ["ProxyType"]
    assert path.read_bytes() == b"[Other]\nA=1\n\n[Network\\Proxy]\nProxyType=Wpad\n"
    empty = update_ini_file(str(path), section="Empty", settings={}, state="exact")
    assert empty.changed and empty.changed_keys == []
    assert path.read_bytes().endswith(b"ProxyType=Wpad\n\n[Empty]\n")
    new = tmp_path / "new.ini"
    with pytest.raises(IcaClientError, match="the file does not exist"):
        update_ini_file(str(new), section="WFClient", settings={"A": "1"}, state="exact", create=False)
    update_ini_file(str(new), section="WFClient", settings={"A": "1"}, state="exact")
    assert new.read_bytes() == b"[WFClient]\nA=1\n"


def test_exact_validates_the_section_as_it_will_be(stock_icaroot):
    path = stock_icaroot.config / "wfclient.ini"
    before = snapshot(path)
    # ProxyHost is not given, so exact removes it: Secure then lacks its host.
    with pytest.raises(IcaClientError, match=r"ProxyType=Secure needs ProxyHost"):
        update_ini_file(str(path), section="WFClient", settings={"ProxyType": "Secure"}, state="exact")
    with pytest.raises(IcaClientError, match=r"MinimumTLS=1\.5"):
        update_ini_file(str(path), section="WFClient", settings={"MinimumTLS": "1.5"}, state="exact")
    assert snapshot(path) == before


def test_exact_masks_secrets_makes_a_new_file_private_and_reaches_copies(copies, tmp_path):
    main, template, user = copies
    request = {
        "copies": [str(template), str(user)],
        "section": "Network\\Proxy",
        "settings": {"ProxyType": "Secure", "ProxyHost": "proxy.example.com:3128"},
        "secret_settings": {"ProxyPassword": SECRET},
        "state": "exact",
    }
    result = update_ini_files(str(main), check_mode=True, **request)
    assert result.changed and all(SECRET not in diff["after"] for diff in result.diffs())
    assert all(SECRET.encode() not in p.read_bytes() for p in (main, template, user))
    assert all(b"[Network\\Proxy]" not in p.read_bytes() for p in (main, template, user))
    update_ini_files(str(main), **request)
    for path in (main, template, user):
        assert (
            f"[Network\\Proxy]\nProxyType=Secure\nProxyHost=proxy.example.com:3128\nProxyPassword={SECRET}\n"
            in (path.read_text())
        )
    assert os.stat(user).st_uid == 1234
    new = tmp_path / "secret.ini"
    update_ini_file(str(new), section="WFClient", secret_settings={"ProxyPassword": SECRET}, state="exact")
    assert stat.S_IMODE(os.stat(new).st_mode) == 0o600


def test_exact_in_a_profile_sets_restrictions(stock_icaroot):
    path = stock_icaroot.config / "Trusted_Region.ini"
    update_ini_file(str(path), section="Network\\Proxy", settings={"ProxyType": "None,Secure"}, state="exact")
    assert "[Network\\Proxy]\nProxyType=None,Secure\n" in path.read_text()
    with pytest.raises(IcaClientError, match="invalid range"):
        update_ini_file(str(path), section="Network\\Proxy", settings={"ProxyPort": "9-1"}, state="exact")
