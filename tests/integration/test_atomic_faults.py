"""The one atomic writer under SIGKILL at every step: never a torn or empty file, no orphan for long.

A child process parses a ~1 MB ini file with the engine, changes one key and writes it with
``_atomic.atomic_write``, the writer the keystore modules use too. Inside the child, every
system call the writer makes (listing and removing orphans, creating the temporary file, each
quarter of the data written, flush, fsync, chmod, chown, the rename, the folder's fsync; each
folder opened on the way and the temporary file's creation, ``_make_temp``) is a numbered step; started with ``stop_at=K`` the child stops itself (SIGSTOP) just before step K,
and the parent, seeing it stopped, kills it with SIGKILL there. A first run counts the steps;
then the child is killed once before every step in turn. No timing is involved: the kill
points are exact, the test can neither flake on a busy machine nor stop covering the window
between the temporary file and the rename.

After every kill the file is exactly the old or the new content: the old one before the rename,
the new one after. A kill between creating the temporary file and the rename necessarily
leaves that file behind (no code runs in a killed process). The writer's contract is that the
NEXT write into the same directory removes such orphans (their names carry the dead writer's
PID); the next child starts with the orphans of the previous kill, so the cleanup's own steps
are killed too, and a final unkilled write leaves the folder clean.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ansible_collections.icaclient.linux.plugins.module_utils._atomic_temps import (
    TEMP_PREFIX,
    writer_temp_prefix,
)
from ansible_collections.icaclient.linux.plugins.module_utils._ini.document import parse

REPO = Path(__file__).resolve().parents[2]
STOCK = REPO / "tests" / "fixtures" / "icaroot" / "config" / "wfclient.ini"
WRITE_PIECES = 4

CHILD = f"""
import json, os, signal, sys
sys.path.insert(0, {str(REPO / "collections")!r})
from ansible_collections.icaclient.linux.plugins.module_utils import _atomic
from ansible_collections.icaclient.linux.plugins.module_utils._ini.document import parse

path, value, stop_at = sys.argv[1], sys.argv[2], int(sys.argv[3])
doc = parse(_atomic.read_bytes(path), source=path)
doc.set("WFClient", "ProxyTimeout", value)
data = doc.to_bytes()

steps = []
real_kill, real_getpid, real_fdopen = os.kill, os.getpid, os.fdopen

def step(name):
    steps.append(name)
    if len(steps) == stop_at:
        real_kill(real_getpid(), signal.SIGSTOP)  # the parent kills this process here

def counted(owner, name):
    real = getattr(owner, name)
    def call(*args, **kwargs):
        step(name)
        return real(*args, **kwargs)
    setattr(owner, name, call)

class PiecewiseFile:
    # The data reaches the temporary file in {WRITE_PIECES} pieces, each one a step.
    def __init__(self, handle):
        self.handle = handle
    def write(self, payload):
        size = -(-len(payload) // {WRITE_PIECES})
        for start in range(0, len(payload), size):
            step("write")
            self.handle.write(payload[start:start + size])
            self.handle.flush()
        return len(payload)
    def __getattr__(self, name):
        return getattr(self.handle, name)
    def __enter__(self):
        self.handle.__enter__()
        return self
    def __exit__(self, *exc):
        return self.handle.__exit__(*exc)

for name in ("listdir", "lstat", "stat", "unlink", "open", "close", "fsync", "chmod", "chown",
             "replace", "kill"):
    counted(os, name)
counted(_atomic, "_make_temp")
os.fdopen = lambda fd, *args, **kwargs: PiecewiseFile(real_fdopen(fd, *args, **kwargs))
_atomic.atomic_write(path, data)
sys.stdout.write(json.dumps(steps))
"""


def expected_after(old: bytes, value: str, path: Path) -> bytes:
    doc = parse(old, source=str(path))
    doc.set("WFClient", "ProxyTimeout", value)
    return doc.to_bytes()


def temps(directory: Path) -> dict[str, int]:
    return {p.name: p.stat().st_size for p in directory.iterdir() if p.name.startswith(TEMP_PREFIX)}


def run_child(path: Path, value: str, stop_at: int) -> tuple[int, list[str]]:
    """One edit, SIGKILLed just before its step ``stop_at`` (0: never). Returns the exit status
    (``-SIGKILL`` when killed) and, for a run that finished, the names of its steps."""
    child = subprocess.Popen(
        [sys.executable, "-S", "-c", CHILD, str(path), value, str(stop_at)], stdout=subprocess.PIPE
    )
    try:
        _pid, status = os.waitpid(child.pid, os.WUNTRACED)
        if os.WIFSTOPPED(status):
            child.send_signal(signal.SIGKILL)
            rc = child.wait(timeout=30)
        else:
            rc = child.returncode = os.waitstatus_to_exitcode(status)
        out = child.stdout.read()
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
    return rc, (json.loads(out) if rc == 0 else [])


def dead_writer_orphan(directory: Path) -> Path:
    """A temporary file as a killed writer of this host leaves it: its name carries a PID that
    no longer runs."""
    gone = subprocess.Popen(["true"])
    gone.wait()
    orphan = directory / f"{writer_temp_prefix(gone.pid)}orphan"
    orphan.write_bytes(b"half written")
    return orphan


def prepare(directory: Path, path: Path, content: bytes, *, with_orphan: bool) -> None:
    for name in temps(directory):
        (directory / name).unlink()
    path.write_bytes(content)
    if with_orphan:
        dead_writer_orphan(directory)


@pytest.mark.slow
@pytest.mark.parametrize("with_orphan", [False, True], ids=["clean-folder", "orphan-of-a-killed-writer"])
def test_sigkill_before_every_step_of_the_write_never_tears_the_file(tmp_path, with_orphan):
    directory = tmp_path / "config"
    directory.mkdir()
    path = directory / "wfclient.ini"
    filler = b"".join(
        b"[Filler %d]\n; %s\nKey%d=%s\n\n" % (i, b"c" * 500, i, b"v" * 500) for i in range(2000)
    )
    old = STOCK.read_bytes() + filler
    assert len(old) > 1_000_000
    new = expected_after(old, "1000", path)

    # The steps of this write from this starting folder, counted by a run that is not stopped.
    prepare(directory, path, old, with_orphan=with_orphan)
    rc, steps = run_child(path, "1000", 0)
    assert rc == 0, rc
    assert path.read_bytes() == new and temps(directory) == {}
    assert steps.count("write") == WRITE_PIECES and "_make_temp" in steps and "replace" in steps
    if with_orphan:
        assert "unlink" in steps[: steps.index("_make_temp")], steps  # the orphan is removed first
    rename = steps.index("replace") + 1  # the rename is step number `rename`

    outcomes = {"old_kept": 0, "new_after_rename": 0, "orphan_left": 0, "partial_orphan": 0}
    for stop_at in range(1, len(steps) + 1):
        prepare(directory, path, old, with_orphan=with_orphan)
        before = temps(directory)
        rc, _ = run_child(path, "1000", stop_at)
        assert rc == -signal.SIGKILL, f"step {stop_at}: the child was not stopped there (rc {rc})"
        current = path.read_bytes()
        assert current in (old, new), f"step {stop_at} ({steps[stop_at - 1]}): the file is torn"
        assert current == (old if stop_at <= rename else new), f"step {stop_at} ({steps[stop_at - 1]})"
        left = {name: size for name, size in temps(directory).items() if name not in before}
        outcomes["old_kept" if current == old else "new_after_rename"] += 1
        if current == new:
            assert not left, f"step {stop_at}: the rename happened, yet a temporary file is left: {left}"
        if left:
            outcomes["orphan_left"] += 1
            outcomes["partial_orphan"] += any(0 < size < len(new) for size in left.values())
        # The next writer removes what the killed one left, and writes.
        rc, _ = run_child(path, "42", 0)
        assert rc == 0 and temps(directory) == {}, (stop_at, temps(directory))
        assert parse(path.read_bytes(), source=str(path)).get("WFClient", "ProxyTimeout") == "42"

    print(f"kills before each of {len(steps)} steps (rename at step {rename}): {outcomes}")
    # The kills covered the dangerous window: before the rename the old file stays (and the
    # temporary file, some of them half written, is left for the next writer), after it the new.
    assert outcomes["old_kept"] == rename and outcomes["new_after_rename"] == len(steps) - rename
    assert outcomes["new_after_rename"] >= 1, outcomes
    assert outcomes["orphan_left"] >= WRITE_PIECES + 1, outcomes
    assert outcomes["partial_orphan"] >= WRITE_PIECES - 1, outcomes
