"""The icaprobe distribution ships the whole engine: every package of the collection's module_utils.

The package list in pyproject.toml is explicit (the engine is mapped from the collection's tree);
a package added to module_utils and not listed would be missing from a wheel installed with
``pip install .`` while an editable install still finds it, so only users would see the ImportError.
"""

from __future__ import annotations

from pathlib import Path

import tomllib

REPO = Path(__file__).resolve().parents[2]
ENGINE = REPO / "collections" / "ansible_collections" / "icaclient" / "linux" / "plugins" / "module_utils"


def test_every_engine_package_is_in_the_icaprobe_distribution() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(project["tool"]["setuptools"]["packages"])
    on_disk = {"icaprobe", "icaprobe._engine"} | {
        "icaprobe._engine." + ".".join(init.parent.relative_to(ENGINE).parts)
        for init in ENGINE.rglob("__init__.py")
        if init.parent != ENGINE and "__pycache__" not in init.parts
    }
    assert listed == on_disk, (
        f"missing: {sorted(on_disk - listed)}; listed but gone: {sorted(listed - on_disk)}"
    )
