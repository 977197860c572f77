"""icaclient.linux.region_lockdown run for real through ansible-playbook on a sandbox ICAROOT.

The stock region profiles permit only None, Auto and Wpad for ProxyType, so a
Secure or Socks proxy is silently ignored until they are permitted. The sandbox
has the trusted profile under its singular name, the untrusted one under the
plural name, and (in one test) both names at once.
"""

from __future__ import annotations

import configparser
import os
from pathlib import Path

from ansible_run import run_tasks
from helpers import snapshot

MODULE = "icaclient.linux.region_lockdown"


def restriction(path: Path, section: str, key: str) -> list[str]:
    """The permitted values as an independent reader (configparser) sees them."""
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(path)
    return [item.strip() for item in parser[section][key].split(",")]


def test_four_steps_permit_secure_and_socks_in_every_region(stock_icaroot, tmp_path):
    config = stock_icaroot.config
    # Both spellings of the trusted profile: both must be edited.
    (config / "Trusted_Regions.ini").write_bytes((config / "Trusted_Region.ini").read_bytes())
    profiles = ["Trusted_Region.ini", "Trusted_Regions.ini", "Untrusted_Regions.ini", "Unknown_Region.ini"]
    originals = {name: (config / name).read_bytes() for name in profiles}
    all_regions = snapshot(config / "All_Regions.ini")
    args = {
        "icaroot": str(stock_icaroot.icaroot),
        "region": ["trusted", "untrusted", "unknown"],
        "key": "ProxyType",
        "permit": ["Secure", "Socks"],
    }
    stat = {"ansible.builtin.stat": {"path": str(config / "Trusted_Region.ini")}}
    run = run_tasks(
        tmp_path / "run",
        [
            {MODULE: args, "check_mode": True, "diff": True},
            {MODULE: args, "diff": True},
            stat,
            {MODULE: args, "check_mode": True},
            {MODULE: args},
            stat,
        ],
    )
    check, apply, after_apply, recheck, reapply, after_reapply = run.results
    assert not check.get("failed"), check
    assert check["changed"] and check["section"] == "Network\\Proxy"
    assert [Path(f["path"]).name for f in check["files"]] == profiles
    assert all(
        f["before"] == "None,Auto,Wpad" and f["after"] == "None,Auto,Wpad,Secure,Socks"
        for f in check["files"]
    )
    assert len(check["diff"]) == 4 and "ProxyType=None,Auto,Wpad,Secure,Socks" in check["diff"][0]["after"]
    assert apply["changed"]
    assert not recheck["changed"] and not reapply["changed"]
    assert after_reapply["stat"]["mtime"] == after_apply["stat"]["mtime"]

    for name in profiles:
        assert restriction(config / name, "Network\\Proxy", "ProxyType") == [
            "None",
            "Auto",
            "Wpad",
            "Secure",
            "Socks",
        ]
        # Only that line changed: comments and the other sections are as they were.
        assert (config / name).read_bytes() == originals[name].replace(
            b"ProxyType=None,Auto,Wpad\n", b"ProxyType=None,Auto,Wpad,Secure,Socks\n"
        )
    assert snapshot(config / "All_Regions.ini") == all_regions


def test_restriction_forms_in_a_users_all_regions(stock_icaroot, tmp_path):
    user = stock_icaroot.user_config
    base = {"config_dir": str(user), "region": ["all"]}
    run = run_tasks(
        tmp_path / "run",
        [
            {MODULE: {**base, "key": "MinimumTLS", "restriction": "list", "values": ["1.2", "1.1"]}, "diff": True},
            {MODULE: {**base, "key": "ProxyTimeout", "deny": ["0"]}},
            {MODULE: {**base, "key": "ProxyHost", "permit": ["proxy.example.com:3128"]}},
            {MODULE: {**base, "key": "SSLEnable", "restriction": "any"}},
            {MODULE: {**base, "key": "ExamplePort", "section": "Network\\Custom", "restriction": "range",
                      "values": ["1494", "2598", "8000-"]}},
            {MODULE: {**base, "key": "MaximumTLS", "deny": ["1.0"], "backup": True}},
        ],
    )  # fmt: skip
    tls, timeout, host, ssl_enable, custom, maximum = run.results
    assert all(not r.get("failed") for r in run.results), run.results
    assert tls["changed"] and tls["files"][0]["after"] == "1.2,1.1"
    assert tls["warnings"] == [
        f"{user / 'All_Regions.ini'}: the default of MinimumTLS (the first permitted value) changes from 1.0 to 1.2"
    ]
    assert timeout["files"][0]["after"] == "1-3600000"
    assert not host["changed"]  # 'ProxyHost=' already permits any string
    assert not ssl_enable["changed"]
    assert custom["changed"] and custom["section"] == "Network\\Custom"
    assert maximum["files"][0]["after"] == "1.2,1.1" and Path(maximum["files"][0]["backup_file"]).exists()
    path = user / "All_Regions.ini"
    assert restriction(path, "Network\\SSL", "MinimumTLS") == ["1.2", "1.1"]
    assert restriction(path, "Network\\Proxy", "ProxyTimeout") == ["1-3600000"]
    assert restriction(path, "Network\\Custom", "ExamplePort") == ["1494", "2598", "8000-"]
    # The machine copy is a different file and was not touched.
    assert (stock_icaroot.config / "All_Regions.ini").read_bytes() == Path(__file__).parents[1].joinpath(
        "fixtures/icaroot/config/All_Regions.ini"
    ).read_bytes()


# (args, fragments of the message); every case runs on its own copy of the stock config.
BAD_INPUT = {
    "permit on any-integer form": (
        {"region": ["all"], "key": "ProxyUseDefault", "permit": ["Maybe"]},
        ["All_Regions.ini", "ProxyUseDefault", "'Maybe'", "set the restriction form first"],
    ),
    "key missing from the profile": (
        {"region": ["trusted"], "key": "ProxyHost", "permit": ["x"]},
        ["Trusted_Region.ini", "has no ProxyHost in [Network\\Proxy]"],
    ),
    "deny every value": (
        {"region": ["trusted", "untrusted"], "key": "ProxyType", "deny": ["None", "Auto", "Wpad"]},
        ["Trusted_Region.ini", "ProxyType", "no value would be left"],
    ),
    "missing region file": (
        {"region": ["trusted", "restricted"], "key": "ProxyType", "permit": ["Secure"]},
        ["Restricted_Region.ini, Restricted_Regions.ini", "no lockdown profile for region restricted"],
    ),
    "unknown key without section": (
        {"region": ["all"], "key": "MadeUpKey", "restriction": "any"},
        ["section is required for key MadeUpKey"],
    ),
    "inverted range": (
        {"region": ["all"], "key": "ProxyPort", "restriction": "range", "values": ["75-50"]},
        ["ProxyPort", "75 is above 50"],
    ),
    "permit and deny the same value": (
        {"region": ["trusted"], "key": "ProxyType", "permit": ["Secure"], "deny": ["secure"]},
        ["Trusted_Region.ini", "secure is both permitted and denied"],
    ),
    "icaroot without region": (
        {"key": "ProxyType", "permit": ["Secure"]},
        ["missing parameter(s) required by 'icaroot': region"],
    ),
}


def test_bad_input_fails_clearly_and_changes_nothing(stock_icaroot, tmp_path):
    tasks, roots = [], []
    for index, (args, _fragments) in enumerate(BAD_INPUT.values()):
        root = tmp_path / f"case{index}"
        (root / "config").mkdir(parents=True)
        for stock in stock_icaroot.config.glob("*.ini"):
            (root / "config" / stock.name).write_bytes(stock.read_bytes())
        roots.append((root, {p.name: snapshot(p) for p in (root / "config").iterdir()}))
        tasks.append({MODULE: {"icaroot": str(root), **args}})
    run = run_tasks(tmp_path / "run", tasks, expect_failures=range(len(tasks)))
    for (label, (_args, fragments)), result, (root, before) in zip(BAD_INPUT.items(), run.results, roots):
        for fragment in fragments:
            assert fragment in result["msg"], (label, fragment, result["msg"])
        assert {p.name: snapshot(p) for p in (root / "config").iterdir()} == before, label


def test_restriction_if_missing_lists_a_key_once_and_keeps_existing_restrictions(stock_icaroot, tmp_path):
    """A stale per-user All_Regions.ini lacks ProxyBypassList: it is created; ProxyType keeps its list."""
    path = stock_icaroot.user_config / "All_Regions.ini"
    path.write_bytes(path.read_bytes().replace(b"ProxyBypassList=\n", b""))
    region = stock_icaroot.user_config / "Trusted_Region.ini"
    region.write_bytes(b"[Virtual Channels\\Smartcard]\nSmartCardAllowed=*\n")
    base = {"config_dir": str(stock_icaroot.user_config), "region": ["all"]}
    bypass = {
        **base,
        "key": "ProxyBypassList",
        "permit": ["*.corp.example.com"],
        "restriction_if_missing": "any_string",
    }
    ciphers = {**base, "key": "SSLCiphers", "permit": ["COM"], "restriction_if_missing": "any_string"}
    run = run_tasks(
        tmp_path / "run",
        [
            {MODULE: bypass, "check_mode": True},
            {MODULE: bypass},
            {MODULE: bypass},
            {MODULE: ciphers},
            {MODULE: {**base, "key": "ProxyFallback", "restriction_if_missing": "list"}},
            {MODULE: {**base, "key": "ProxyHost", "restriction": "any", "restriction_if_missing": "any"}},
            # A region copy that does not list ProxyType does not restrict it: nothing to permit.
            {MODULE: {"path": str(region), "key": "ProxyType", "permit": ["Secure"],
                      "restriction_if_missing": "unrestricted"}},
        ],
        expect_failures=(4, 5),
    )  # fmt: skip
    check, apply, again, kept, no_values, both, unlisted = run.results
    assert check["changed"] and check["files"][0]["before"] is None and check["files"][0]["after"] == ""
    assert apply["changed"] and not again["changed"]
    assert restriction(path, "Network\\Proxy", "ProxyBypassList") == [""]
    assert not kept["changed"] and kept["files"][0]["after"] == "ALL,COM,GOV"
    assert "restriction_if_missing is list" in no_values["msg"]
    assert "mutually exclusive: restriction|restriction_if_missing" in both["msg"]
    assert not unlisted["changed"] and unlisted["files"][0]["after"] is None
    assert region.read_bytes() == b"[Virtual Channels\\Smartcard]\nSmartCardAllowed=*\n"


def test_entries_edit_several_keys_in_one_write_or_none(stock_icaroot, tmp_path):
    """entries: every key of a playbook listed in each All_Regions.ini at once; one bad entry, no write."""
    config, user = stock_icaroot.config, stock_icaroot.user_config
    (user / "All_Regions.ini").write_bytes(
        (user / "All_Regions.ini").read_bytes().replace(b"ProxyPort=1-65535\n", b"")
    )
    entries = [
        {"key": "ProxyType", "permit": ["Secure"], "restriction_if_missing": "any_string"},
        {"key": "ProxyPort", "permit": ["3128"], "restriction_if_missing": "any"},
        {"key": "MinimumTLS", "permit": ["1.3"], "restriction_if_missing": "any_string"},
        {"key": "ExampleKey", "section": "Network\\Custom", "restriction_if_missing": "any_string"},
    ]
    args = {"path": "{{ item }}", "entries": entries}
    paths = [str(config / "All_Regions.ini"), str(user / "All_Regions.ini")]
    bad = [entries[2], {"key": "ProxyUseDefault", "permit": ["Maybe"]}]
    before_bad = {p: snapshot(Path(p)) for p in paths}
    failed_bad = run_tasks(
        tmp_path / "bad",
        [{MODULE: {"icaroot": str(stock_icaroot.icaroot), "region": ["all"], "entries": bad}}],
        expect_failures=(0,),
    ).results[0]
    assert "'Maybe' for ProxyUseDefault" in failed_bad["msg"]
    assert {p: snapshot(Path(p)) for p in paths} == before_bad  # nor the valid MinimumTLS edit
    run = run_tasks(
        tmp_path / "run",
        [
            {MODULE: args, "loop": paths, "check_mode": True, "diff": True},
            {MODULE: args, "loop": paths},
            {MODULE: args, "loop": paths},
            {MODULE: {"path": paths[0], "entries": [{"key": "MadeUpKey", "restriction": "any"}]}},
            {MODULE: {"path": paths[0], "entries": [{"key": "ProxyType"}]}},
            {MODULE: {"path": paths[0], "key": "ProxyType", "entries": entries}},
        ],
        expect_failures=(3, 4, 5),
    )  # fmt: skip
    check, apply, again, unknown, no_edit, both = run.results
    system, users = check["results"]
    assert check["changed"] and len(system["diff"]) == 1
    assert [(f["key"], f["before"], f["after"], f["changed"]) for f in users["files"]] == [
        ("ProxyType", "", "", False),
        ("ProxyPort", None, "*", True),
        ("MinimumTLS", "1.0,1.1,1.2", "1.0,1.1,1.2,1.3", True),
        ("ExampleKey", None, "", True),
    ]
    assert users["files"][3]["section"] == "Network\\Custom"
    assert apply["changed"] and not again["changed"]
    for path in paths:
        assert restriction(Path(path), "Network\\SSL", "MinimumTLS") == ["1.0", "1.1", "1.2", "1.3"]
        assert restriction(Path(path), "Network\\Custom", "ExampleKey") == [""]
    assert restriction(Path(paths[0]), "Network\\Proxy", "ProxyPort") == ["1-65535"]  # kept
    assert restriction(Path(paths[1]), "Network\\Proxy", "ProxyPort") == ["*"]  # created
    assert "section is required for key MadeUpKey" in unknown["msg"]
    assert "one of the following is required" in no_edit["msg"]
    assert "mutually exclusive" in both["msg"]


def test_profiles_give_each_file_its_own_entries_in_one_write_or_none(stock_icaroot, tmp_path):
    """All_Regions.ini lists the keys a playbook sets; the trusted region permits a Secure proxy."""
    config = stock_icaroot.config
    all_regions, trusted, unknown = (
        config / n for n in ("All_Regions.ini", "Trusted_Region.ini", "Unknown_Region.ini")
    )
    all_regions.write_bytes(all_regions.read_bytes().replace(b"ProxyPort=1-65535\n", b""))
    profiles = [
        {
            "path": str(all_regions),
            "entries": [
                {"key": "ProxyType", "permit": ["Secure"], "restriction_if_missing": "any_string"},
                {"key": "ProxyPort", "permit": ["3128"], "restriction_if_missing": "any"},
                {"key": "MinimumTLS", "permit": ["1.2"], "restriction_if_missing": "any_string"},
            ],
        },
        {"path": str(trusted), "entries": [{"key": "ProxyType", "permit": ["Secure"]}]},
    ]
    args = {"profiles": profiles, "backup": True}
    # The unknown region's profile refuses: its ProxyType is fixed by a wildcard the edit cannot cut.
    unknown.write_bytes(unknown.read_bytes().replace(b"ProxyType=None,Auto,Wpad", b"ProxyType=*"))
    refusing = {
        "profiles": [
            *profiles,
            {"path": str(unknown), "entries": [{"key": "ProxyType", "permit": ["Secure"]}]},
        ]
    }
    before = {p.name: snapshot(p) for p in config.iterdir() if p.is_file()}
    run = run_tasks(
        tmp_path / "run",
        [
            {MODULE: refusing, "diff": True},
            {MODULE: args, "check_mode": True, "diff": True},
            {MODULE: args, "diff": True},
            {MODULE: args, "check_mode": True},
            {MODULE: args},
            {MODULE: {"profiles": [*profiles, {"path": str(config / "Restricted_Region.ini"), "entries": []}]}},
            {MODULE: {"profiles": [profiles[1], {"path": str(trusted), "entries": [{"key": "ProxyType", "deny": ["Wpad"]}]}]}},
            {MODULE: {"profiles": profiles, "path": str(trusted)}},
            {MODULE: {"profiles": [{"path": str(trusted), "entries": [{"key": "ProxyType"}]}]}},
        ],
        expect_failures=(0, 5, 6, 7, 8),
    )  # fmt: skip
    refused, check, apply, recheck, reapply, missing, twice, exclusive, no_edit = run.results
    assert f"'Secure' for ProxyType in {unknown}" in refused["msg"]
    assert check["changed"] and len(check["diff"]) == 2
    assert [
        (Path(f["path"]).name, f["key"], f["before"], f["after"], f["changed"]) for f in check["files"]
    ] == [
        ("All_Regions.ini", "ProxyType", "", "", False),
        ("All_Regions.ini", "ProxyPort", None, "*", True),
        ("All_Regions.ini", "MinimumTLS", "1.0,1.1,1.2", "1.0,1.1,1.2", False),
        ("Trusted_Region.ini", "ProxyType", "None,Auto,Wpad", "None,Auto,Wpad,Secure", True),
    ]
    assert "ProxyPort=*" in check["diff"][0]["after"] and "Wpad,Secure" in check["diff"][1]["after"]
    assert apply["changed"] and all(Path(f["backup_file"]).exists() for f in apply["files"])
    assert not recheck["changed"] and not reapply["changed"]
    assert restriction(all_regions, "Network\\Proxy", "ProxyPort") == ["*"]
    assert restriction(trusted, "Network\\Proxy", "ProxyType") == ["None", "Auto", "Wpad", "Secure"]
    assert snapshot(unknown) == before["Unknown_Region.ini"]
    assert f"{config / 'Restricted_Region.ini'}: the file does not exist" in missing["msg"]
    assert f"cannot edit lockdown profile {trusted}: it is given twice" in twice["msg"]
    assert "mutually exclusive: profiles|path" in exclusive["msg"]
    assert "one of the following is required" in no_edit["msg"]
    # Nothing but the two profiles (and their backups) changed.
    after = {p.name: snapshot(p) for p in config.iterdir() if p.is_file() and "~" not in p.name}
    assert {name for name in after if after[name] != before.get(name)} == {
        "All_Regions.ini",
        "Trusted_Region.ini",
    }


# -- links: root never reads or writes through one -----------------------------------------------

SECRET = "Root-Only-7c1e5a"


def root_only_file(tmp_path: Path) -> Path:
    """A file only root may read, holding a secret and looking like a profile."""
    secret = tmp_path / "secret.txt"
    secret.write_text(f"[Network\\Proxy]\nProxyType={SECRET}\n")
    secret.chmod(0o600)
    return secret


def file_state(path: Path):
    info = os.lstat(path)
    if path.is_symlink():
        content = os.readlink(path)
    else:
        content = sorted(p.name for p in path.iterdir()) if path.is_dir() else path.read_bytes()
    return content, info.st_mtime_ns, info.st_mode, info.st_uid, info.st_gid


def test_a_users_profile_link_to_a_root_only_file_is_neither_read_nor_replaced(stock_icaroot, tmp_path):
    """~/.ICAClient/All_Regions.ini -> /root/secret.txt (mode 0600), made by the user: the run fails
    naming the link, the secret shows nowhere, the link and the file stay as they were."""
    secret = root_only_file(tmp_path)
    user_dir = stock_icaroot.user_config
    link = user_dir / "All_Regions.ini"
    link.unlink()
    link.symlink_to(secret)
    os.chown(user_dir, 1234, 1234)
    os.lchown(link, 1234, 1234)
    before = {path: file_state(path) for path in (secret, link, user_dir)}
    entry = {"key": "ProxyType", "permit": ["Secure"], "restriction_if_missing": "any_string"}
    forms = [
        {"config_dir": str(user_dir), "region": ["all"], **entry},
        {"path": str(link), **entry},
        {"config_dir": str(user_dir), "region": ["all"], "entries": [entry]},
        {"profiles": [{"path": str(link), "entries": [entry]}]},
    ]
    tasks = [
        {MODULE: args, **mode}
        for args in forms
        for mode in ({"check_mode": True, "diff": True}, {"diff": True})
    ]
    run = run_tasks(tmp_path / "run", tasks, verbosity=2, expect_failures=range(len(tasks)))
    for result in run.results:
        assert result["msg"] == (
            f"cannot edit lockdown profile {link}: it is a symbolic link, and root does not read or write "
            "through a link (one a user made could point at any file); if an administrator made it on "
            "purpose, give the file it points to by its own path"
        )
    assert SECRET not in run.stdout + run.stderr + (tmp_path / "run" / "results.json").read_text()
    assert {path: file_state(path) for path in (secret, link, user_dir)} == before
    assert sorted(p.name for p in user_dir.iterdir()) == ["All_Regions.ini", "wfclient.ini"]


def test_a_profile_behind_a_users_folder_link_is_refused(stock_icaroot, tmp_path):
    """~/.ICAClient -> a root-only folder, the link made by the user: not followed."""
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    (private / "All_Regions.ini").write_bytes((stock_icaroot.config / "All_Regions.ini").read_bytes())
    home = tmp_path / "home-mallory"
    home.mkdir()
    (home / ".ICAClient").symlink_to(private)
    os.lchown(home / ".ICAClient", 1234, 1234)
    before = file_state(private / "All_Regions.ini")
    path = home / ".ICAClient" / "All_Regions.ini"
    run = run_tasks(
        tmp_path / "run",
        [{MODULE: {"path": str(path), "key": "ProxyType", "permit": ["Secure"]}, "diff": True}],
        expect_failures=(0,),
    )
    assert run[0]["msg"] == (
        f"cannot edit lockdown profile {path}: the folder {home / '.ICAClient'} on its way is a symbolic link "
        "owned by another user, and root does not follow a link a user made"
    )
    assert file_state(private / "All_Regions.ini") == before


def test_an_administrators_profile_link_is_reported_not_turned_into_a_copy(stock_icaroot, tmp_path):
    """$ICAROOT/config/Trusted_Region.ini -> /etc/citrix/Trusted_Region.ini, made by root on purpose."""
    config = stock_icaroot.config
    shared = tmp_path / "etc-citrix" / "Trusted_Region.ini"
    shared.parent.mkdir()
    shared.write_bytes((config / "Trusted_Region.ini").read_bytes())
    (config / "Trusted_Region.ini").unlink()
    (config / "Trusted_Region.ini").symlink_to(shared)
    before = {path: file_state(path) for path in (shared, config / "Trusted_Region.ini")}
    run = run_tasks(
        tmp_path / "run",
        [
            {MODULE: {"icaroot": str(stock_icaroot.icaroot), "region": ["trusted"], "key": "ProxyType",
                      "permit": ["Secure"]}},
            # The target itself, given by its own path, is edited.
            {MODULE: {"path": str(shared), "key": "ProxyType", "permit": ["Secure"]}},
        ],
        expect_failures=(0,),
    )  # fmt: skip
    assert run[0]["msg"].startswith(
        f"cannot edit lockdown profile {config / 'Trusted_Region.ini'}: it is a symbolic link"
    )
    assert run[1]["changed"]
    assert (config / "Trusted_Region.ini").is_symlink()
    assert file_state(config / "Trusted_Region.ini") == before[config / "Trusted_Region.ini"]
    assert restriction(shared, "Network\\Proxy", "ProxyType") == ["None", "Auto", "Wpad", "Secure"]


def test_exact_sets_a_whole_profile_section_in_four_steps(stock_icaroot, tmp_path):
    """exact: the section holds the entries' keys only, in every region file and in a profile of its own."""
    config = stock_icaroot.config
    trusted, untrusted = config / "Trusted_Region.ini", config / "Untrusted_Regions.ini"
    (config / "Trusted_Region.ini").write_text(
        trusted.read_text().replace(
            "ProxyType=None,Auto,Wpad\n", "ProxyType=None,Auto,Wpad\nProxyTimeout=*\n"
        )
    )
    entries = [
        {"key": "ProxyType", "restriction": "list", "values": ["None", "Secure"]},
        {"key": "ProxyHost", "restriction": "any_string"},
    ]
    args = {
        "icaroot": str(stock_icaroot.icaroot),
        "region": ["trusted", "untrusted"],
        "entries": entries,
        "exact": True,
    }
    per_profile = {
        "profiles": [{"path": str(config / "Unknown_Region.ini"), "entries": entries[:1], "exact": True}]
    }
    stat = {"ansible.builtin.stat": {"path": str(trusted)}}
    run = run_tasks(
        tmp_path / "run",
        [
            {MODULE: args, "check_mode": True, "diff": True},
            {MODULE: args},
            stat,
            {MODULE: args, "check_mode": True},
            {MODULE: args},
            stat,
            {MODULE: per_profile},
        ],
    )
    check, apply, after_apply, recheck, reapply, after_reapply, unknown = run.results
    after_check_text = check["diff"][0]["before"]
    assert check["changed"] and "ProxyTimeout=*" in after_check_text
    assert [(Path(f["path"]).name, f["key"], f["after"]) for f in check["files"]] == [
        ("Trusted_Region.ini", "ProxyType", "None,Secure"),
        ("Trusted_Region.ini", "ProxyHost", ""),
        ("Trusted_Region.ini", "ProxyTimeout", None),
        ("Untrusted_Regions.ini", "ProxyType", "None,Secure"),
        ("Untrusted_Regions.ini", "ProxyHost", ""),
    ]
    assert apply["changed"] and not recheck["changed"] and not reapply["changed"]
    assert after_reapply["stat"]["mtime"] == after_apply["stat"]["mtime"]
    for path in (trusted, untrusted, config / "Unknown_Region.ini"):
        parser = configparser.RawConfigParser(strict=False, interpolation=None)
        parser.optionxform = str
        parser.read(path)
        keys = {"ProxyType": "None,Secure"}
        if not path.name.startswith("Unknown"):
            keys["ProxyHost"] = ""
        assert dict(parser["Network\\Proxy"]) == keys, path
    assert unknown["changed"] and "SmartCardAllowed=*" in trusted.read_text()
