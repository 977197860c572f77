"""Debian bookworm roots for tests that run roles for real: ``scripts/debian_root.sh`` restores a
cached debootstrap root (building the cache the first time) and destroys it afterwards.

Roots live under ``.cache/roots/`` in the checkout, outside pytest's temporary folders on purpose:
pytest deletes old ones with a plain recursive delete, which must never meet a root whose /dev
is still bind-mounted.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from ansible_run import REPO

SCRIPT = REPO / "scripts" / "debian_root.sh"
ROOTS = REPO / ".cache" / "roots"


def debian_root_script(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, check=False, timeout=1200)


@contextmanager
def restored_root(name: str) -> Iterator[Path]:
    """A pristine root at ``.cache/roots/NAME`` (a leftover of an interrupted run is unmounted and
    removed first), mounted, and destroyed when the block ends."""
    if os.geteuid() != 0:
        pytest.fail("a Debian root test needs root (debootstrap, chroot, mount)")
    for tool in ("chroot", "mount", "tar"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} is missing on this machine")
    root = ROOTS / name
    leftover = debian_root_script("destroy", str(root))
    assert leftover.returncode == 0, leftover.stderr
    ROOTS.mkdir(parents=True, exist_ok=True)
    made = debian_root_script("create", str(root))
    if made.returncode != 0:
        pytest.fail(f"scripts/debian_root.sh create failed:\n{made.stderr}")
    print(made.stderr)
    try:
        yield root
    finally:
        gone = debian_root_script("destroy", str(root))
        assert gone.returncode == 0, gone.stderr
