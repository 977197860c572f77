"""Paths of the chroot connection: a file transfer sees the root as chroot(2) would."""

from __future__ import annotations

import os

import pytest
from ansible.errors import AnsibleError

from ansible_collections.icaclient.linux.plugins.connection.chroot import resolve_in_root


@pytest.fixture
def root(tmp_path):
    base = tmp_path / "root"
    (base / "usr" / "lib").mkdir(parents=True)
    (base / "etc").mkdir()
    (base / "tmp").mkdir()
    return base


def test_plain_path(root):
    assert resolve_in_root(str(root), "/etc/hostname") == str(root / "etc" / "hostname")


def test_relative_link_inside_the_root(root):
    os.symlink("usr/lib", root / "lib")
    assert resolve_in_root(str(root), "/lib/x.so") == str(root / "usr" / "lib" / "x.so")


def test_absolute_link_starts_again_at_the_root(root):
    # Inside the root, /etc/alternatives -> /usr/lib means the root's /usr/lib, never the host's.
    os.symlink("/usr/lib", root / "etc" / "alternatives")
    assert resolve_in_root(str(root), "/etc/alternatives/x") == str(root / "usr" / "lib" / "x")


def test_dotdot_stops_at_the_root(root):
    assert resolve_in_root(str(root), "/../../etc/passwd") == str(root / "etc" / "passwd")


def test_link_pointing_outside_cannot_escape(root):
    os.symlink("../../../../../../etc", root / "tmp" / "escape")
    resolved = resolve_in_root(str(root), "/tmp/escape/passwd")
    assert resolved == str(root / "etc" / "passwd")
    assert resolved.startswith(str(root) + os.sep)


def test_final_link_is_followed(root):
    os.symlink("/usr/lib/real.so", root / "tmp" / "link.so")
    assert resolve_in_root(str(root), "/tmp/link.so") == str(root / "usr" / "lib" / "real.so")


def test_link_loop_is_an_error(root):
    os.symlink("b", root / "tmp" / "a")
    os.symlink("a", root / "tmp" / "b")
    with pytest.raises(AnsibleError, match="too many levels of symbolic links"):
        resolve_in_root(str(root), "/tmp/a/file")


def test_relative_path_is_refused(root):
    with pytest.raises(AnsibleError, match="must be absolute"):
        resolve_in_root(str(root), "etc/hostname")
