"""The icaclient_keystore role documents every variable once, the same way, in all three places."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

ROLE = Path(__file__).resolve().parents[2] / "roles" / "icaclient_keystore"


def _spec() -> dict:
    return yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"][
        "options"
    ]


def test_readme_rows_match_argument_specs():
    readme = (ROLE / "README.md").read_text()
    rows = dict(
        re.findall(r"^\| `(icaclient_keystore_\w+)` \| [^|]+ \| [^|]+ \| (.+?) \|$", readme, re.MULTILINE)
    )
    spec = _spec()
    assert sorted(rows) == sorted(spec)
    for name, option in spec.items():
        described = re.sub(r"C\(([^)]*)\)", r"`\1`", " ".join(option["description"]))
        assert rows[name] == described, name


def test_readme_item_keys_match_argument_specs():
    readme = (ROLE / "README.md").read_text()
    spec = _spec()
    for variable in ("icaclient_keystore_roots", "icaclient_keystore_remove"):
        section = readme.split(f"Items of `{variable}`", 1)[1].split("\n\n", 2)[1]
        keys = re.findall(r"^\| `(\w+)` \|", section, re.MULTILINE)
        assert keys == list(spec[variable]["options"]), variable
    assert spec["icaclient_keystore_roots"]["options"] == spec["icaclient_keystore_intermediates"]["options"]
