"""The one atomic writer under SIGKILL: never a torn or empty file, and no temporary file for long.

A child process parses a ~1 MB ini file with the engine, changes one key and
writes it with ``_atomic.atomic_write``, the writer the keystore modules use too.
The parent kills it with SIGKILL at random moments, 100 times: a third of the
kills at a random time after start, two thirds at a random time within the
write itself (after the child says it is about to write). After every run the file is exactly the old
or the new content.

A SIGKILL between creating the temporary file and the rename necessarily
leaves that file behind: no code runs in a killed process. The writer's
contract is that the NEXT write into the same directory removes such orphans
(their names carry the dead writer's PID). So: after every run that completes,
no ``.icaclient-tmp-*`` file is left, whatever earlier kills left.
"""

from __future__ import annotations

import random
import select
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ansible_collections.icaclient.linux.plugins.module_utils._atomic import TEMP_PREFIX
from ansible_collections.icaclient.linux.plugins.module_utils._ini import parse

REPO = Path(__file__).resolve().parents[2]
STOCK = REPO / "tests" / "fixtures" / "icaroot" / "config" / "wfclient.ini"
RUNS = 100

CHILD = f"""
import sys
sys.path.insert(0, {str(REPO / "collections")!r})
from ansible_collections.icaclient.linux.plugins.module_utils._atomic import atomic_write, read_bytes
from ansible_collections.icaclient.linux.plugins.module_utils._ini import parse

path, value = sys.argv[1], sys.argv[2]
doc = parse(read_bytes(path), source=path)
doc.set("WFClient", "ProxyTimeout", value)
data = doc.to_bytes()
sys.stdout.write("writing\\n")
sys.stdout.flush()
atomic_write(path, data)
"""


def expected_after(old: bytes, value: str, path: Path) -> bytes:
    doc = parse(old, source=str(path))
    doc.set("WFClient", "ProxyTimeout", value)
    return doc.to_bytes()


def temps(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(TEMP_PREFIX))


def run_child(
    path: Path, value: str, *, kill_after: float | None, aim_at_write: bool
) -> tuple[int, float, float]:
    """Run one edit; SIGKILL it ``kill_after`` seconds after start (or after 'writing').

    Returns the exit status, the whole run time and the time from 'writing' to the end.
    """
    start = time.monotonic()
    child = subprocess.Popen([sys.executable, "-S", "-c", CHILD, str(path), value], stdout=subprocess.PIPE)
    writing = start
    try:
        if aim_at_write or kill_after is None:
            ready, _, _ = select.select([child.stdout], [], [], 10)
            if ready:
                child.stdout.readline()
            writing = time.monotonic()
        if kill_after is not None:
            time.sleep(kill_after)
            child.send_signal(signal.SIGKILL)
        rc = child.wait(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
    end = time.monotonic()
    return rc, end - start, end - writing


@pytest.mark.slow
def test_sigkill_at_random_moments_never_tears_the_file(tmp_path):
    directory = tmp_path / "config"
    directory.mkdir()
    path = directory / "wfclient.ini"
    filler = b"".join(
        b"[Filler %d]\n; %s\nKey%d=%s\n\n" % (i, b"c" * 500, i, b"v" * 500) for i in range(2000)
    )
    path.write_bytes(STOCK.read_bytes() + filler)
    assert path.stat().st_size > 1_000_000

    # Calibrate: how long a whole run takes here, and how long the write after 'writing' takes.
    totals, writes = [], []
    for value in ("1", "2", "3", "4", "5"):
        rc, total, write = run_child(path, value, kill_after=None, aim_at_write=False)
        assert rc == 0
        totals.append(total)
        writes.append(write)
    total_time, write_time = statistics.median(totals), statistics.median(writes)

    rng = random.Random(20260101)
    outcomes = {"killed": 0, "completed": 0, "orphans_left": 0, "old_kept": 0, "new_after_kill": 0}
    for run in range(RUNS):
        old = path.read_bytes()
        value = str(1000 + run)
        new = expected_after(old, value, path)
        aim = run % 3 != 0
        delay = rng.uniform(0, write_time) if aim else rng.uniform(0, total_time * 1.2)
        rc, _, _ = run_child(path, value, kill_after=delay, aim_at_write=aim)

        current = path.read_bytes()
        assert current in (old, new), f"run {run}: the file is torn ({len(current)} bytes)"
        left = temps(directory)
        if rc == 0:
            outcomes["completed"] += 1
            assert current == new
            assert left == [], f"run {run}: a completed write left {left}"
        else:
            assert rc == -signal.SIGKILL
            outcomes["killed"] += 1
            outcomes["orphans_left"] += bool(left)
            outcomes["old_kept" if current == old else "new_after_kill"] += 1

    # One more, unkilled: it cleans whatever the last kill left and writes.
    rc, _, _ = run_child(path, "42", kill_after=None, aim_at_write=False)
    assert rc == 0 and temps(directory) == []
    assert parse(path.read_bytes(), source=str(path)).get("WFClient", "ProxyTimeout") == "42"

    print(f"outcomes over {RUNS} runs: {outcomes}; run {total_time:.3f} s, write {write_time:.3f} s")
    # The test must really have hit the dangerous window, not only killed idle interpreters.
    assert outcomes["killed"] >= RUNS // 3, outcomes
    assert outcomes["orphans_left"] >= 1, outcomes
