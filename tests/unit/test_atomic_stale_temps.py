"""Orphaned temporary files of killed writers are removed by the next write, live writers' are not."""

from __future__ import annotations

import os
import subprocess
import time

import pytest

from ansible_collections.icaclient.linux.plugins.module_utils._atomic import atomic_write
from ansible_collections.icaclient.linux.plugins.module_utils._atomic_temps import (
    STALE_SECONDS,
    TEMP_PREFIX,
    remove_stale_temps,
    writer_temp_prefix,
)


@pytest.fixture
def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


@pytest.fixture
def live_pid():
    proc = subprocess.Popen(["sleep", "30"])
    yield proc.pid
    proc.kill()
    proc.wait()


def make(directory, name: str, *, age: float = 0.0):
    path = directory / name
    path.write_bytes(b"partial")
    if age:
        stamp = time.time() - age
        os.utime(path, (stamp, stamp))
    return path


def test_only_orphans_are_removed(tmp_path, dead_pid, live_pid):
    orphan = make(tmp_path, writer_temp_prefix(dead_pid) + "abc")
    live = make(tmp_path, writer_temp_prefix(live_pid) + "def")
    mine = make(tmp_path, writer_temp_prefix() + "ghi")
    other_host_young = make(tmp_path, f"{TEMP_PREFIX}{dead_pid}-00000000-jkl")
    other_host_old = make(tmp_path, f"{TEMP_PREFIX}{dead_pid}-00000000-mno", age=STALE_SECONDS + 60)
    legacy_young = make(tmp_path, f"{TEMP_PREFIX}pqr")
    legacy_old = make(tmp_path, f"{TEMP_PREFIX}stu", age=STALE_SECONDS + 60)
    unrelated = make(tmp_path, "wfclient.ini", age=STALE_SECONDS + 60)

    removed = remove_stale_temps(str(tmp_path))

    assert sorted(removed) == sorted(str(p) for p in (orphan, other_host_old, legacy_old))
    for kept in (live, mine, other_host_young, legacy_young, unrelated):
        assert kept.exists()


def test_the_next_write_cleans_up_even_when_the_content_is_unchanged(tmp_path, dead_pid):
    target = tmp_path / "wfclient.ini"
    target.write_bytes(b"[WFClient]\n")
    orphan = make(tmp_path, writer_temp_prefix(dead_pid) + "xyz")
    assert atomic_write(str(target), b"[WFClient]\n") is False
    assert not orphan.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wfclient.ini"]


def test_a_missing_directory_is_not_an_error(tmp_path):
    assert remove_stale_temps(str(tmp_path / "missing")) == []
