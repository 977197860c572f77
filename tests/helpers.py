"""Helpers every test shares: the state of folders and files, hash links, the demo sandbox.

One copy of each, so that a test which says "nothing changed" means the same thing everywhere.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HASH_LINK_NAME = re.compile(r"[0-9a-fA-F]{8}\.[rR]?[0-9]*")


def _entry(path: Path, *, folder_times: bool) -> tuple:
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode):
        return ("link", os.readlink(path), info.st_ino, info.st_mtime_ns)
    if stat.S_ISDIR(info.st_mode):
        return ("dir", info.st_mode, info.st_uid, info.st_ino, info.st_mtime_ns if folder_times else None)
    if stat.S_ISREG(info.st_mode):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        return ("file", digest, info.st_size, info.st_mode, info.st_uid, info.st_ino, info.st_mtime_ns)
    return ("other", info.st_mode, info.st_uid, info.st_ino, info.st_mtime_ns)


def snapshot(
    *paths: Path, skip: Iterable[str] = (), folder_times: bool = True, include_roots: bool = False
) -> dict[str, tuple]:
    """The state of each path and, for a folder, of everything below it, by absolute path.

    Each entry records its kind, content (SHA-256 and size of a regular file, the target of a
    link), mode, owner, inode and modification time, so that a rewrite with the same bytes shows.
    A path that does not exist contributes nothing; a folder given is itself left out unless
    ``include_roots``. ``skip``: paths relative to each folder given whose subtrees are left
    out. ``folder_times=False`` leaves the times of folders out (a tool's own temporary
    folder touches its parent's).
    """
    found: dict[str, tuple] = {}
    for given in map(Path, paths):
        if not os.path.lexists(given):
            continue
        if given.is_symlink() or not given.is_dir():
            found[str(given)] = _entry(given, folder_times=folder_times)
            continue
        if include_roots:
            found[str(given)] = _entry(given, folder_times=folder_times)
        skipped = {given / part for part in skip}
        for folder, dirs, files in os.walk(given):
            here = Path(folder)
            dirs[:] = sorted(name for name in dirs if here / name not in skipped)
            for name in sorted(dirs + files):
                found[str(here / name)] = _entry(here / name, folder_times=folder_times)
    return found


def hash_links(folder: Path) -> dict[str, str]:
    """The OpenSSL subject-hash links of ``folder`` (``HHHHHHHH.N``, ``HHHHHHHH.rN``): name -> target."""
    return {
        entry.name: os.readlink(entry.path)
        for entry in os.scandir(folder)
        if entry.is_symlink() and HASH_LINK_NAME.fullmatch(entry.name)
    }


def openssl_rehash_links(folder: Path, scratch: Path, *, check: bool = True) -> dict[str, str]:
    """The links ``openssl rehash`` makes on a copy of ``folder`` (at ``scratch``) without its hash links.
    ``check=False`` accepts its failing exit (it warns and exits 1 on a file it skips)."""
    shutil.copytree(folder, scratch, symlinks=True)
    for link in hash_links(scratch):
        os.unlink(scratch / link)
    subprocess.run(["openssl", "rehash", str(scratch)], check=check, capture_output=True)
    return hash_links(scratch)


@contextlib.contextmanager
def demo_sandbox(path: Path, python: str = sys.executable) -> Iterator[Path]:
    """The sandbox endpoint at ``path`` and the three demo gateways serving, as scripts/main.sh makes
    them; ``path / "demo-vars.json"`` names the gateways. The gateways stop on exit."""
    subprocess.run(
        [python, str(REPO / "scripts" / "make_sandbox.py"), str(path)], check=True, capture_output=True
    )
    (path / "gateways").mkdir()
    demo_vars = path / "demo-vars.json"
    log_path = path / "gateways" / "stdout.log"
    with log_path.open("w") as log:
        gateways = subprocess.Popen(
            [
                python,
                str(REPO / "scripts" / "demo_gateways.py"),
                "--sandbox",
                str(path),
                "--vars-file",
                str(demo_vars),
                "--pid-file",
                str(path / "gateways" / "gateways.pid"),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            for _ in range(150):
                if demo_vars.exists() and demo_vars.stat().st_size:
                    break
                assert gateways.poll() is None, log_path.read_text()
                time.sleep(0.1)
            assert demo_vars.stat().st_size, log_path.read_text()
            json.loads(demo_vars.read_text())
            yield path
        finally:
            gateways.send_signal(signal.SIGTERM)
            gateways.wait(timeout=30)
