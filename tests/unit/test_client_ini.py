"""update_ini_file: the logic behind client_ini, on real files in a sandbox ICAROOT."""

from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.icaclient.linux.plugins.module_utils._client_ini import update_ini_file
from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError

SECRET = "pw-Zq81-never-shown"


def snapshot(path):
    info = os.stat(path)
    return path.read_bytes(), info.st_mtime_ns, stat.S_IMODE(info.st_mode)


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
