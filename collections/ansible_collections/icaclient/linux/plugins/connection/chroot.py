# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: chroot
short_description: Run tasks inside a directory tree on the controller with chroot
description:
  - Runs each command as C(chroot ROOT /bin/sh -c COMMAND) on the controller and moves files by
    copying them within the root directory. Meant for Debian roots made by debootstrap (the
    collection's role tests and molecule scenarios) and for image builds.
  - Commands get a clean environment (a standard C(PATH), C(HOME=/root), C(LANG=C.UTF-8) and the
    controller's proxy variables), so that the controller's C(PYTHONPATH), virtualenv or locale
    never leak into the root.
  - Paths are resolved the way a process inside the root sees them; a symbolic link cannot make a
    file transfer leave the root.
  - The controller must run as root. Nothing is mounted by this plugin; mount C(/proc) (and
    C(/sys), C(/dev) for some packages) inside the root before using it.
author: icaclient.linux developers (@icaclient-linux)
version_added: 0.1.0
options:
  remote_addr:
    description:
      - Absolute path of the root directory on the controller.
    type: str
    default: inventory_hostname
    vars:
      - name: inventory_hostname
      - name: ansible_host
      - name: delegated_vars['ansible_host']
  chroot_exe:
    description:
      - The C(chroot) program on the controller, a name looked up in C(PATH) or an absolute path.
    type: str
    default: chroot
    vars:
      - name: ansible_chroot_exe
    env:
      - name: ANSIBLE_CHROOT_EXE
extends_documentation_fragment:
  - connection_pipelining
notes:
  - The remote user is ignored; commands run as root inside the root directory.
"""

import os
import shutil
import subprocess

from ansible.errors import AnsibleConnectionFailure, AnsibleError, AnsibleFileNotFound
from ansible.module_utils.common.text.converters import to_bytes, to_native, to_text
from ansible.plugins.connection import ConnectionBase
from ansible.utils.display import Display

display = Display()

# The environment a login shell inside the root would start from; the controller's own
# variables (PYTHONPATH, VIRTUAL_ENV, LC_*) would break or mislead programs in the root.
_BASE_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME": "/root",
    "LANG": "C.UTF-8",
    "SHELL": "/bin/sh",
    "USER": "root",
    "LOGNAME": "root",
}
_PASSED_THROUGH = ("http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "TERM")
_SHELL = "/bin/sh"
_MAX_LINKS = 40


def resolve_in_root(root: str, path: str) -> str:
    """Return the controller path of ``path`` as seen by a process chrooted into ``root``.

    Symbolic links are followed relative to ``root`` (an absolute link target starts again at
    ``root``) and ``..`` stops at ``root``, as the kernel does after chroot(2); the result always
    lies inside ``root``. A final component that does not exist is kept as it is.
    """
    if not path.startswith("/"):
        raise AnsibleError(f"chroot: path inside the root must be absolute: {path!r}")
    root = os.path.realpath(root)
    pending = [part for part in path.split("/") if part not in ("", ".")]
    pending.reverse()
    resolved: list[str] = []
    links = 0
    while pending:
        part = pending.pop()
        if part == "..":
            if resolved:
                resolved.pop()
            continue
        candidate = os.path.join(root, *resolved, part)
        if os.path.islink(candidate):
            links += 1
            if links > _MAX_LINKS:
                raise AnsibleError(f"chroot: too many levels of symbolic links resolving {path!r} in {root}")
            target = os.readlink(candidate)
            if target.startswith("/"):
                resolved = []
            more = [item for item in target.split("/") if item not in ("", ".")]
            pending.extend(reversed(more))
            continue
        resolved.append(part)
    return os.path.join(root, *resolved)


class Connection(ConnectionBase):
    """Commands and file transfers inside a chroot directory on the controller."""

    transport = "icaclient.linux.chroot"
    has_pipelining = True
    has_tty = False
    default_user = "root"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._root = None
        self._chroot_exe = None

    def _connect(self):
        if self._connected:
            return self
        if os.geteuid() != 0:
            raise AnsibleConnectionFailure(
                "chroot: the controller must run as root to use the chroot connection"
            )
        root = self.get_option("remote_addr")
        if not root or not os.path.isabs(root):
            raise AnsibleConnectionFailure(
                f"chroot: the root must be an absolute directory path, got {root!r}"
            )
        root = os.path.realpath(root)
        if not os.path.isdir(root):
            raise AnsibleConnectionFailure(f"chroot: root directory {root} does not exist")
        shell = resolve_in_root(root, _SHELL)
        if not os.access(shell, os.X_OK):
            raise AnsibleConnectionFailure(f"chroot: {root} has no executable {_SHELL}: not a usable root")
        exe = self.get_option("chroot_exe")
        found = exe if os.path.isabs(exe) else shutil.which(exe)
        if not found or not os.access(found, os.X_OK):
            raise AnsibleConnectionFailure(
                f"chroot: cannot find the chroot program {exe!r} on the controller"
            )
        self._root = root
        self._chroot_exe = found
        display.vvv(f"ESTABLISH CHROOT CONNECTION TO {root}", host=root)
        self._connected = True
        return self

    def _environment(self):
        env = dict(_BASE_ENV)
        for name in _PASSED_THROUGH:
            if name in os.environ:
                env[name] = os.environ[name]
        return env

    def exec_command(self, cmd, in_data=None, sudoable=True):
        super().exec_command(cmd, in_data=in_data, sudoable=sudoable)
        self._connect()
        argv = [self._chroot_exe, self._root, _SHELL, "-c", to_text(cmd)]
        display.vvv(f"EXEC {to_text(cmd)}", host=self._root)
        try:
            proc = subprocess.Popen(
                [to_bytes(arg, errors="surrogate_or_strict") for arg in argv],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                cwd="/",
                env=self._environment(),
            )
        except OSError as exc:
            raise AnsibleConnectionFailure(
                f"chroot: cannot run {self._chroot_exe}: {to_native(exc)}"
            ) from exc
        stdout, stderr = proc.communicate(in_data)
        return proc.returncode, stdout, stderr

    def put_file(self, in_path, out_path):
        super().put_file(in_path, out_path)
        self._copy(in_path, out_path, into_root=True)

    def fetch_file(self, in_path, out_path):
        super().fetch_file(in_path, out_path)
        self._copy(in_path, out_path, into_root=False)

    def _copy(self, in_path, out_path, *, into_root):
        """put_file (``into_root``: from the controller into the root) or fetch_file (out of it)."""
        self._connect()
        if into_root:
            source, target = in_path, resolve_in_root(self._root, out_path)
            display.vvv(f"PUT {in_path} TO {out_path} ({target})", host=self._root)
            missing = f"file to transfer does not exist: {in_path}"
            failed = f"cannot copy {in_path} to {out_path} in {self._root}"
        else:
            source, target = resolve_in_root(self._root, in_path), out_path
            display.vvv(f"FETCH {in_path} ({source}) TO {out_path}", host=self._root)
            missing = f"file to fetch does not exist in {self._root}: {in_path}"
            failed = f"cannot copy {in_path} from {self._root} to {out_path}"
        if not os.path.exists(to_bytes(source, errors="surrogate_or_strict")):
            raise AnsibleFileNotFound(f"chroot: {missing}")
        try:
            shutil.copyfile(source, target)
        except OSError as exc:
            raise AnsibleError(f"chroot: {failed}: {exc.strerror}") from exc

    def reset(self):
        self.close()

    def close(self):
        self._connected = False
