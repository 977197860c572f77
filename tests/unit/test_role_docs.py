"""Every role documents each public variable once, the same way, in its argument specs, its defaults and
its README, checked from ``meta/argument_specs.yml`` for every role in the collection.

The README's variables table has one row per option, in the specs' order: the name, the type (a list
with its elements, the choices in brackets), the default (``(unset)`` when the specs give none) and the
description, the specs' text with ``C(...)`` written as code. An option with suboptions has a table of
its item keys after a line ``Items of `option` ...``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROLES = sorted(path for path in (Path(__file__).resolve().parents[2] / "roles").iterdir() if path.is_dir())
ROW = re.compile(
    r"^\| `(?P<name>\w+)` \| (?P<kind>[^|]+?) \| (?P<default>[^|]+?) \| (?P<description>.+?) \|$"
)


def _options(role: Path) -> dict:
    specs = yaml.safe_load((role / "meta" / "argument_specs.yml").read_text())
    return specs["argument_specs"]["main"]["options"]


def _readme_rows(role: Path) -> dict[str, dict[str, str]]:
    rows = {}
    for line in (role / "README.md").read_text().splitlines():
        match = ROW.match(line)
        if match and match["name"].startswith(f"{role.name}_"):
            rows[match["name"]] = match.groupdict()
    return rows


def _code(text: str) -> str:
    return re.sub(r"C\(([^)]*)\)", r"`\1`", text)


def _shown(value) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list):
        return "[" + ", ".join(_shown(item) for item in value) + "]"
    if isinstance(value, dict) and not value:
        return "{}"
    return str(value)


def _kind(option: dict) -> str:
    kind = option["type"] if option["type"] != "list" else f"list of {option['elements']}"
    if "choices" in option:
        kind += " (" + ", ".join(f"`{_shown(choice)}`" for choice in option["choices"]) + ")"
    return kind


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


def test_every_option_is_in_the_defaults_or_named_there_unset(role):
    """An option with a default has it in defaults/main.yml; one without is optional and set null there,
    or named in a comment (``# name:``), so that a reader of the defaults sees every variable."""
    text = (role / "defaults" / "main.yml").read_text()
    defaults = yaml.safe_load(text) or {}
    for name, option in _options(role).items():
        if "default" in option:
            assert name in defaults, (
                f"{role.name}: {name} has a default in the specs, not in defaults/main.yml"
            )
        else:
            assert not option.get("required", False), f"{role.name}: {name} is required"
            assert name in defaults or f"# {name}:" in text, (
                f"{role.name}: {name} is missing from defaults/main.yml"
            )


def test_every_option_is_prefixed_and_described(role):
    for name, option in _options(role).items():
        assert name.startswith(f"{role.name}_"), name
        assert option.get("description"), f"{role.name}: {name} has no description"


def test_readme_has_one_row_per_option_in_the_specs_order(role):
    assert list(_readme_rows(role)) == list(_options(role)), (
        f"{role.name}: README table and argument specs differ"
    )


def test_readme_rows_say_what_the_specs_say(role):
    rows = _readme_rows(role)
    for name, option in _options(role).items():
        row = rows[name]
        assert row["kind"] == _kind(option), name
        described = option["description"]
        assert row["description"] == _code(
            described if isinstance(described, str) else " ".join(described)
        ), name
        if "default" not in option:
            assert row["default"] == "(unset)", name
        elif isinstance(option["default"], str) and "{{" in option["default"]:
            assert "`" in row["default"], (
                name
            )  # a templated default (the inventory's icaclient_icaroot) in words
        elif isinstance(option["default"], dict) and option["default"]:
            assert row["default"] == "see `defaults/main.yml`", name
        else:
            assert row["default"] == f"`{_shown(option['default'])}`", name


def test_readme_lists_the_item_keys_of_every_list_of_items(role):
    readme = (role / "README.md").read_text()
    for name, option in _options(role).items():
        if "options" not in option:
            continue
        heading = re.search(rf"^Items of [^\n]*`{name}`[^\n]*:$", readme, re.MULTILINE)
        assert heading, f"{role.name}: the README has no table of the items of {name}"
        table = readme[heading.end() :].split("\n\n", 2)[1]
        keys = re.findall(r"^\| `(\w+)` \|", table, re.MULTILINE)
        assert keys == list(option["options"]), name


def test_internal_variables_are_prefixed(role):
    for path in sorted((role / "vars").glob("*.yml")):
        names = yaml.safe_load(path.read_text()) or {}
        assert all(name.startswith(f"__{role.name}_") for name in names), path
