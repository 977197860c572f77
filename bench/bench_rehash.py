#!/usr/bin/env python3
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: our rehash against ``openssl rehash`` and against the floor.

For 1,000 and 10,000 certificates (generated once into bench/.cache/), in the
same run on the same machine:

* ``openssl rehash`` on a folder without links (fresh) and with its links
  already present (rerun);
* ``rehash()`` from module_utils, the same two ways, checking that it makes
  the same links as openssl and that the rerun writes nothing (inode and
  mtime of every link and of the folder unchanged);
* the floor: read every certificate file and SHA-1 it.

Then the module path: an ad-hoc ``ansible localhost -m
icaclient.linux.keystore_rehash`` on 5,000 certificates, less the same call
on an empty folder (Ansible's fixed cost), against ``openssl rehash``.

Goals (issue 2): at 10,000 certificates at most 0.25x ``openssl rehash``;
through the module at 5,000 at most 0.5x. Run from the checkout:

    .venv/bin/python bench/bench_rehash.py [--sizes 1000 10000] [--module-size 5000]

Work folders go to /dev/shm when it exists (a tmpfs, as in TESTBED.md).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "collections"))

sys.path.insert(0, str(ROOT / "tests"))

import ansible_run  # noqa: E402  (the tests' way of running a module for real)

from ansible_collections.icaclient.linux.plugins.module_utils._rehash import rehash  # noqa: E402
from ansible_collections.icaclient.linux.plugins.module_utils._rehash import scan as _rehash_scan  # noqa: E402

CACHE = Path(__file__).resolve().parent / ".cache"


def generate(count: int) -> Path:
    """``count`` realistic CA certificates (RSA-2048 signatures, v3 extensions), one PEM file each."""
    folder = CACHE / f"certs-{count}"
    if (folder / ".complete").exists():
        return folder
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    issuer_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    issuer = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Bench Root CA")])
    start = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
    started = time.perf_counter()
    for index in range(count):
        subject = x509.Name(
            [
                x509.NameAttribute(NameOID.COUNTRY_NAME, "DE"),
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"Bench Org {index % 97}"),
                x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Certification  Services"),
                x509.NameAttribute(NameOID.COMMON_NAME, f"Bench Intermediate CA {index}"),
            ]
        )
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(subject_key.public_key())
            .serial_number(index + 1)
            .not_valid_before(start)
            .not_valid_after(start + datetime.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(subject_key.public_key()), critical=False
            )
            .sign(issuer_key, hashes.SHA256())
        )
        (folder / f"bench-ca-{index:05d}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / ".complete").write_text(f"{count} certificates in {time.perf_counter() - started:.1f} s\n")
    return folder


def work_root() -> str:
    return "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()


def fresh_copy(source: Path, parent: str, name: str) -> str:
    target = os.path.join(parent, name)
    shutil.rmtree(target, ignore_errors=True)
    os.mkdir(target)
    for entry in os.scandir(source):
        if entry.name.endswith(".pem"):
            shutil.copyfile(entry.path, os.path.join(target, entry.name))
    return target


def links_of(folder: str) -> dict[str, str]:
    return {e.name: os.readlink(e.path) for e in os.scandir(folder) if e.is_symlink()}


def link_stamps(folder: str) -> dict[str, tuple[int, int]]:
    stamps = {}
    for entry in os.scandir(folder):
        if entry.is_symlink():
            info = entry.stat(follow_symlinks=False)
            stamps[entry.name] = (info.st_ino, info.st_mtime_ns)
    info = os.stat(folder)
    stamps["."] = (info.st_ino, info.st_mtime_ns)
    return stamps


class Best:
    """Best (smallest) wall and CPU seconds per measurement over the rounds."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    def time(self, key: str, function, *args):
        """Run ``function(*args)``; CPU counts our process and the children it waited for."""
        before, started = os.times(), time.perf_counter()
        result = function(*args)
        wall, after = time.perf_counter() - started, os.times()
        cpu = sum(after[:4]) - sum(before[:4])
        self.wall[key] = min(self.wall.get(key, float("inf")), wall)
        self.cpu[key] = min(self.cpu.get(key, float("inf")), cpu)
        return result


def openssl_rehash(folder: str) -> None:
    subprocess.run(["openssl", "rehash", folder], check=True, capture_output=True)


PROCESSES: list[int] = []  # how many processes each rehash() used
_process_count = _rehash_scan._process_count


def _counted_process_count(entries: int) -> int:
    count = _process_count(entries)
    if _rehash_scan._MAX_PROCESSES > 1:  # not the forced single-process runs
        PROCESSES.append(count)
    return count


_rehash_scan._process_count = _counted_process_count


def single_process(folder: str):
    saved = _rehash_scan._MAX_PROCESSES
    _rehash_scan._MAX_PROCESSES = 1
    try:
        return rehash(folder)
    finally:
        _rehash_scan._MAX_PROCESSES = saved


def floor(folder: str) -> None:
    """The least any rehash must do: read every certificate file and hash it."""
    for entry in os.scandir(folder):
        if entry.name.endswith(".pem"):
            with open(entry.path, "rb") as handle:
                hashlib.sha1(handle.read()).digest()


def bench_size(count: int, repeat: int) -> Best:
    source = generate(count)
    parent = tempfile.mkdtemp(prefix="bench-rehash-", dir=work_root())
    try:
        best = Best()
        for _round in range(repeat):
            theirs = fresh_copy(source, parent, "openssl")
            ours = fresh_copy(source, parent, "ours")
            best.time("openssl_fresh", openssl_rehash, theirs)
            best.time("ours_fresh", rehash, ours)
            if links_of(theirs) != links_of(ours):
                raise SystemExit(f"{count}: our links differ from openssl rehash's")
            best.time("openssl_rerun", openssl_rehash, theirs)
            stamps = link_stamps(ours)
            result = best.time("ours_rerun", rehash, ours)
            if result.changed or link_stamps(ours) != stamps:
                raise SystemExit(f"{count}: the no-change rerun changed or wrote something")
            best.time("floor", floor, ours)
            # the same two runs in one process (a one-CPU host)
            single = fresh_copy(source, parent, "single")
            best.time("single_fresh", single_process, single)
            best.time("single_rerun", single_process, single)
            if links_of(single) != links_of(theirs):
                raise SystemExit(f"{count}: our single-process links differ from openssl rehash's")
        return best
    finally:
        shutil.rmtree(parent, ignore_errors=True)


def run_module(folder: str) -> float:
    """Seconds of one ad-hoc ``ansible localhost -m icaclient.linux.keystore_rehash`` call."""
    started = time.perf_counter()
    result = ansible_run.run_module("keystore_rehash", {"path": folder})
    elapsed = time.perf_counter() - started
    if result["failed"]:
        raise SystemExit(f"module failed: {result.get('msg')}\n{result['_stdout'][-2000:]}")
    return elapsed


def bench_module(count: int, repeat: int) -> Best:
    source = generate(count)
    parent = tempfile.mkdtemp(prefix="bench-rehash-module-", dir=work_root())
    try:
        best = Best()
        empty = os.path.join(parent, "empty")
        os.mkdir(empty)
        for _round in range(repeat):
            best.time("module_empty", run_module, empty)
            folder = fresh_copy(source, parent, "module")
            best.time("module_fresh", run_module, folder)
            best.time("module_rerun", run_module, folder)
            theirs = fresh_copy(source, parent, "openssl")
            best.time("openssl_fresh", openssl_rehash, theirs)
            best.time("openssl_rerun", openssl_rehash, theirs)
            if links_of(theirs) != links_of(folder):
                raise SystemExit("the module's links differ from openssl rehash's")
        return best
    finally:
        shutil.rmtree(parent, ignore_errors=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[1000, 10000])
    parser.add_argument("--module-size", type=int, default=5000, help="0 to skip the module path")
    parser.add_argument("--repeat", type=int, default=5, help="best of N rounds (the machine may be busy)")
    args = parser.parse_args()

    print(f"openssl: {subprocess.run(['openssl', 'version'], capture_output=True, text=True).stdout.strip()}")
    print(f"work folders on {work_root()}; best of {args.repeat} rounds")
    print(
        f"rehash() reads a big folder with more than one process only while CPUs are idle"
        f" (usable CPUs {_rehash_scan._usable_cpus()}, load average now {os.getloadavg()[0]:.2f})\n"
    )
    for count in args.sizes:
        PROCESSES.clear()
        best = bench_size(count, args.repeat)
        t, c = best.wall, best.cpu
        print(f"{count} certificates (wall seconds; CPU seconds in brackets)")
        for state in ("fresh", "rerun"):
            ours, theirs = t[f"ours_{state}"], t[f"openssl_{state}"]
            ours_cpu, theirs_cpu = c[f"ours_{state}"], c[f"openssl_{state}"]
            print(
                f"  {state:5}: ours {ours:6.3f} [{ours_cpu:6.3f}]  openssl rehash {theirs:6.3f} [{theirs_cpu:6.3f}]"
                f"  ratio {ours / theirs:5.2f}x [{ours_cpu / theirs_cpu:5.2f}x]"
                f"  ours/floor {ours / t['floor']:4.1f}x"
            )
        for state in ("fresh", "rerun"):
            one, theirs = t[f"single_{state}"], t[f"openssl_{state}"]
            print(
                f"  {state:5}, ours in one process: {one:6.3f} [{c[f'single_{state}']:6.3f}]  ratio {one / theirs:5.2f}x"
            )
        print(f"  floor (read + SHA-1 every file): {t['floor']:.3f} s")
        print(f"  processes used by rehash() in the rounds: {sorted(set(PROCESSES))}")
        print("  rerun wrote nothing (inode and mtime of every link and of the folder unchanged)")
    if args.module_size:
        best = bench_module(args.module_size, args.repeat)
        m = best.wall
        print(
            f"\nmodule, {args.module_size} certificates (ansible localhost -m icaclient.linux.keystore_rehash)"
        )
        print(f"  fixed cost (same call on an empty folder) {m['module_empty']:.3f} s")
        for state in ("fresh", "rerun"):
            net = m[f"module_{state}"] - m["module_empty"]
            theirs = m[f"openssl_{state}"]
            print(
                f"  {state:5}: module {m[f'module_{state}']:6.3f} s, net {net:6.3f} s"
                f"  openssl rehash {theirs:6.3f} s  ratio {net / theirs:5.2f}x"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
