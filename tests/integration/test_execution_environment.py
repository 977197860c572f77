"""execution-environment.yml, checked with ansible-builder as far as this machine allows.

No container engine runs here, so the image is not built; ``ansible-builder create`` writes the
build context and the Containerfile the engine would run. Every file a ``COPY`` takes from the
context must be in it (a ``COPY`` of a path outside the context fails the real build), and the
image gets this checkout's collection and the Python and system requirements files.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
COLLECTION = REPO / "collections" / "ansible_collections" / "icaclient" / "linux"
TARGET = "/usr/share/ansible/collections/ansible_collections/icaclient/linux"


def build_context(tmp_path: Path) -> tuple[Path, list[list[str]]]:
    builder = shutil.which("ansible-builder", path=str(Path(sys.executable).parent))
    assert builder, "ansible-builder is a test dependency (pyproject.toml [test])"
    context = tmp_path / "context"
    proc = subprocess.run(
        [
            builder,
            "create",
            "-f",
            "execution-environment.yml",
            "-c",
            str(context),
            "--output-filename",
            "Containerfile",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    copies = []
    for line in (context / "Containerfile").read_text().splitlines():
        words = shlex.split(line)
        if words and words[0] == "COPY" and not any(word.startswith("--from") for word in words):
            copies.append(words[1:])
    return context, copies


def test_every_copy_takes_a_file_of_the_build_context(tmp_path):
    context, copies = build_context(tmp_path)
    assert copies
    for *sources, _destination in copies:
        for source in sources:
            assert (context / source).exists(), f"COPY {source}: not in the build context {context}"


def test_the_image_gets_this_checkouts_collection_and_requirements(tmp_path):
    context, copies = build_context(tmp_path)
    (source,) = [sources[0] for *sources, destination in copies if destination == TARGET]
    copied = context / source
    galaxy = yaml.safe_load((copied / "galaxy.yml").read_text())
    assert (galaxy["namespace"], galaxy["name"]) == ("icaclient", "linux")
    modules = sorted(path.name for path in (COLLECTION / "plugins" / "modules").glob("*.py"))
    assert modules and sorted(path.name for path in (copied / "plugins" / "modules").glob("*.py")) == modules
    assert (copied / "plugins" / "module_utils" / "_keystore.py").read_bytes() == (
        COLLECTION / "plugins" / "module_utils" / "_keystore.py"
    ).read_bytes()
    requirements = (context / "_build" / "requirements.txt").read_text()
    assert "cryptography" in requirements and "pyspnego" in requirements
    assert "openssl" in (context / "_build" / "bindep.txt").read_text()
