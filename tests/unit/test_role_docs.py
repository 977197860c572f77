"""Every role documents each public variable once, the same way, in defaults, argument specs and README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROLES = sorted(path for path in (Path(__file__).resolve().parents[2] / "roles").iterdir() if path.is_dir())


def _options(role: Path) -> dict:
    specs = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())
    return specs["argument_specs"]["main"]["options"]


@pytest.fixture(params=ROLES, ids=[role.name for role in ROLES])
def role(request) -> Path:
    return request.param


def test_every_default_is_an_option_with_the_same_default(role):
    defaults = yaml.safe_load((role / "defaults" / "main.yml").read_text()) or {}
    options = _options(role)
    assert set(defaults) <= set(options), f"{role.name}: defaults/main.yml names variables the specs lack"
    for name, value in defaults.items():
        assert options[name].get("default") == value, (
            f"{role.name}: {name} differs between defaults and specs"
        )


def test_every_option_is_prefixed_and_described(role):
    for name, option in _options(role).items():
        assert name.startswith(f"{role.name}_"), name
        assert option.get("description"), f"{role.name}: {name} has no description"


def test_readme_has_one_row_per_option(role):
    readme = (role / "README.md").read_text()
    rows = re.findall(rf"^\| `({role.name}_\w+)` \|", readme, re.MULTILINE)
    assert sorted(rows) == sorted(_options(role)), f"{role.name}: README table and argument specs differ"
