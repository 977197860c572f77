"""Helpers shared by the keystore integration tests: openssl verify and hash, read-only folders, a bare host."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Optional

PYTHON_WITHOUT_CRYPTOGRAPHY = Path.home() / ".pyenv" / "versions"


def openssl_verify(
    cafolder: Path, leaf: Path, untrusted: Optional[Path] = None
) -> subprocess.CompletedProcess:
    cmd = ["openssl", "verify", "-CApath", str(cafolder)]
    if untrusted is not None:
        cmd += ["-untrusted", str(untrusted)]
    return subprocess.run([*cmd, str(leaf)], capture_output=True, text=True, check=False)


def openssl_hash(pem_file: Path) -> str:
    return subprocess.run(
        ["openssl", "x509", "-noout", "-hash", "-in", str(pem_file)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[str]:
    """Make ``folder`` unwritable even for root: ``chattr +i`` where the file system has it,
    else a read-only bind mount. Yields the method used; undone on exit."""
    if (
        shutil.which("chattr")
        and subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode == 0
    ):
        try:
            yield "chattr +i"
        finally:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        return
    subprocess.run(["mount", "--bind", str(folder), str(folder)], check=True)
    try:
        subprocess.run(["mount", "-o", "remount,ro,bind", str(folder)], check=True)
        yield "read-only bind mount"
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def python_without_cryptography() -> Path:
    """The oldest Python >= 3.9 of the machine image that lacks ``cryptography`` (a bare managed host)."""
    found = []
    for candidate in PYTHON_WITHOUT_CRYPTOGRAPHY.glob("3.*/bin/python"):
        version = tuple(int(part) for part in candidate.parent.parent.name.split(".")[:2])
        if version < (3, 9):
            continue
        probe = subprocess.run(
            [str(candidate), "-c", "import cryptography"], capture_output=True, check=False
        )
        if probe.returncode != 0:
            found.append((version, candidate))
    if not found:
        raise AssertionError(
            "no Python >= 3.9 without cryptography under ~/.pyenv/versions to play a bare host"
        )
    return min(found)[1]
