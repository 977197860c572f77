"""The icaclient_config role documents every variable once, the same way, in all three places, and
its own table of keys says what the collection's schema says."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ansible_collections.icaclient.linux.plugins.module_utils._ica_schema import key_spec, lockdown_section
from ansible_collections.icaclient.linux.plugins.module_utils._lockdown import REGION_FILES

ROLE = Path(__file__).resolve().parents[2] / "roles" / "icaclient_config"


def _spec() -> dict:
    return yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"][
        "options"
    ]


def _vars() -> dict:
    return yaml.safe_load((ROLE / "vars" / "main.yml").read_text())


def test_readme_rows_match_argument_specs():
    readme = (ROLE / "README.md").read_text()
    rows = dict(
        re.findall(r"^\| `(icaclient_config_\w+)` \| [^|]+ \| [^|]+ \| (.+?) \|$", readme, re.MULTILINE)
    )
    spec = _spec()
    assert list(rows) == list(spec)
    for name, option in spec.items():
        described = re.sub(r"C\(([^)]*)\)", r"`\1`", " ".join(option["description"]))
        assert rows[name] == described, name


def test_internal_variables_are_prefixed():
    assert all(name.startswith("__icaclient_config_") for name in _vars())


def test_the_roles_key_table_matches_the_schema():
    """Template mode needs each key's lockdown section without the schema; it must be the schema's."""
    keys = _vars()["__icaclient_config_keys"]
    for key, entry in keys.items():
        assert key_spec(key) is not None, key
        assert entry["section"] == lockdown_section(key), key
        expected = "any" if key_spec(key)["type"] in ("int", "bool") else "any_string"
        assert entry["form"] == expected, key
    # Every key the role's variables set is in the table.
    settings = _vars()["__icaclient_config_role_settings_all"]
    assert set(settings) | {"ProxyPassword"} == set(keys)


def test_the_region_file_names_match_the_lockdown_engine():
    names = _vars()["__icaclient_config_region_files"]
    for region in ("trusted", "untrusted", "unknown"):
        assert sorted(name for name, value in names.items() if value == region) == sorted(
            REGION_FILES[region]
        )


def test_templates_start_with_the_managed_comment():
    for template in (ROLE / "templates").glob("*.j2"):
        assert template.read_text().startswith("{{ ansible_managed | comment(decoration='; ') }}\n"), template
