#!/usr/bin/env python3
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: the prober against sslyze and against the floor, and its memory for 10,000 targets.

Question answered by all three, in the same run: "which of TLS 1.0, 1.1, 1.2, 1.3 does
each of 200 loopback endpoints accept?" The endpoints are Python ssl servers in threads,
in a separate process, pinned to a mix of version ranges (see ``RANGES``).

* floor: a bare Python ssl thread pool doing the same handshakes (one per endpoint and
  version, CERT_NONE) and nothing else;
* the prober: ``probe_all`` from module_utils (which also verifies every chain against
  the keystore and reads the certificates), same concurrency;
* sslyze (if installed in ``.cache/sslyze-venv``: ``python3 -m venv .cache/sslyze-venv &&
  .cache/sslyze-venv/bin/pip install sslyze``; it pins its own cryptography);

all three must give the same verdicts. Goals (issue 4): the prober at least 50x faster
than sslyze and at most 1.5x the floor.

Memory: the ``icaprobe`` CLI with ``--json`` on 10,000 targets (9,000 closed loopback
ports, 1,000 unroutable TEST-NET-1 addresses with a 0.5 s timeout), in a child whose
peak RSS is read with ``resource.getrusage``. Goal: under 200 MB.

    .venv/bin/python bench/bench_probe.py [--endpoints 200] [--repeat 3] [--memory-targets 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "collections"))
sys.path.insert(0, str(REPO / "tests"))

from integration.peers import LOOPBACK, TestPki, TlsServer, free_port  # noqa: E402

from ansible_collections.icaclient.linux.plugins.module_utils._probe import (  # noqa: E402
    make_options,
    parse_target,
    probe_all,
)

VERSIONS = ("1.0", "1.1", "1.2", "1.3")
RANGES = [
    ("1.0", "1.0"),
    ("1.1", "1.1"),
    ("1.2", "1.2"),
    ("1.3", "1.3"),
    ("1.0", "1.2"),
    ("1.2", "1.3"),
    ("1.0", "1.3"),
    ("1.1", "1.2"),
]
CONCURRENCY = 32
SSLYZE = REPO / ".cache" / "sslyze-venv" / "bin" / "sslyze"
_SSL = {
    "1.0": ssl.TLSVersion.TLSv1,
    "1.1": ssl.TLSVersion.TLSv1_1,
    "1.2": ssl.TLSVersion.TLSv1_2,
    "1.3": ssl.TLSVersion.TLSv1_3,
}


# ---------------------------------------------------------------------------
# The endpoints (a child process: the servers must not share the client's GIL)


def serve(count: int, directory: Path) -> None:
    pki = TestPki(directory)
    servers = []
    for number in range(count):
        low, high = RANGES[number % len(RANGES)]
        servers.append(TlsServer(pki.servers["trusted"], low=low, high=high).start())
    listing = {
        "keystore": str(pki.keystore),
        "endpoints": [{"port": server.port, "versions": list(server.versions)} for server in servers],
    }
    print(json.dumps(listing), flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    for server in servers:
        server.stop()


def expected(versions: list[str]) -> list[str]:
    low, high = VERSIONS.index(versions[0]), VERSIONS.index(versions[1])
    return list(VERSIONS[low : high + 1])


# ---------------------------------------------------------------------------
# The three contestants


def floor(ports: list[int]) -> dict[int, list[str]]:
    contexts = {}
    for version in VERSIONS:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            context.minimum_version = context.maximum_version = _SSL[version]
        if version in ("1.0", "1.1"):
            context.set_ciphers("ALL:@SECLEVEL=0")
        contexts[version] = context

    def handshake(job: tuple[int, str]) -> tuple[int, str, bool]:
        port, version = job
        try:
            with (
                socket.create_connection((LOOPBACK, port), timeout=5) as sock,
                contexts[version].wrap_socket(sock, server_hostname=LOOPBACK),
            ):
                return port, version, True
        except (ssl.SSLError, OSError):
            return port, version, False

    accepted: dict[int, list[str]] = {port: [] for port in ports}
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        for port, version, ok in pool.map(
            handshake, [(port, version) for port in ports for version in VERSIONS]
        ):
            if ok:
                accepted[port].append(version)
    return {port: sorted(versions) for port, versions in accepted.items()}


def prober(ports: list[int], keystore: str) -> dict[int, list[str]]:
    options = make_options(
        keystore=keystore, min_tls="1.0", max_tls="1.3", timeout=5, concurrency=CONCURRENCY
    )
    results = probe_all([parse_target(f"{LOOPBACK}:{port}") for port in ports], options=options)
    bad = [result for result in results if not result.ok]
    if bad:
        raise SystemExit(f"the prober failed {len(bad)} endpoints, e.g. {bad[0].message}")
    return {result.port: result.tls_versions_accepted for result in results}


def sslyze(ports: list[int], workdir: Path) -> tuple[float, dict[int, list[str]]]:
    out = workdir / "sslyze.json"
    argv = [str(SSLYZE), "--tlsv1", "--tlsv1_1", "--tlsv1_2", "--tlsv1_3", f"--json_out={out}"]
    argv += [f"{LOOPBACK}:{port}" for port in ports]
    started = time.perf_counter()
    run = subprocess.run(argv, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if not out.exists():
        raise SystemExit(f"sslyze failed ({run.returncode}): {run.stderr[-2000:]}")
    document = json.loads(out.read_text())
    names = {
        "tls_1_0_cipher_suites": "1.0",
        "tls_1_1_cipher_suites": "1.1",
        "tls_1_2_cipher_suites": "1.2",
        "tls_1_3_cipher_suites": "1.3",
    }
    accepted: dict[int, list[str]] = {}
    for server in document["server_scan_results"]:
        port = server["server_location"]["port"]
        found = []
        scan = server.get("scan_result") or {}
        for key, version in names.items():
            attempt = scan.get(key) or {}
            result = attempt.get("result") or {}
            if result.get("accepted_cipher_suites"):
                found.append(version)
        accepted[port] = sorted(found)
    return elapsed, accepted


def timed(function, *args):
    started = time.perf_counter()
    value = function(*args)
    return time.perf_counter() - started, value


# ---------------------------------------------------------------------------
# Memory


def memory(count: int, keystore: str, workdir: Path) -> None:
    closed = free_port()
    targets = workdir / "targets.txt"
    with targets.open("w") as handle:
        for number in range(count):
            if number % 10 == 9:
                handle.write(f"192.0.2.{number % 250 + 1}:{443 + number % 7}\n")
            else:
                handle.write(f"{LOOPBACK}:{closed}\n")
    icaprobe = REPO / ".venv" / "bin" / "icaprobe"
    argv = [str(icaprobe), "--keystore", keystore, "--json", "--timeout", "0.5", "--concurrency", "64"]
    argv += ["-f", str(targets)]
    started = time.perf_counter()
    with open(os.devnull, "w") as sink:
        run = subprocess.run(argv, stdout=subprocess.PIPE, stderr=sink, check=False)
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    document = json.loads(run.stdout)
    summary = document["summary"]
    errors = {}
    for result in document["results"]:
        errors[str(result["client_error"])] = errors.get(str(result["client_error"]), 0) + 1
    print(f"memory: icaprobe --json on {count} targets: {elapsed:.1f} s, exit {run.returncode}, {summary}")
    print(f"        verdicts: {errors}")
    print(f"        peak RSS of the icaprobe process: {peak_mb:.1f} MB (goal < 200 MB)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--endpoints", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory-targets", type=int, default=10000)
    parser.add_argument("--no-sslyze", action="store_true")
    parser.add_argument("--serve", metavar="DIR", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.endpoints, Path(args.serve))
        return
    workdir = Path(tempfile.mkdtemp(prefix="bench-probe-"))
    # The memory run first: RUSAGE_CHILDREN then holds only the icaprobe child.
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(workdir / "pki"), "--endpoints", str(args.endpoints)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        listing = json.loads(server.stdout.readline())
        keystore = listing["keystore"]
        if args.memory_targets:
            memory(args.memory_targets, keystore, workdir)
        ports = [endpoint["port"] for endpoint in listing["endpoints"]]
        truth = {endpoint["port"]: expected(endpoint["versions"]) for endpoint in listing["endpoints"]}
        floors, probes = [], []
        for _ in range(args.repeat):
            seconds, seen = timed(floor, ports)
            assert seen == truth, "the floor disagrees with the servers' pinned versions"
            floors.append(seconds)
            seconds, seen = timed(prober, ports, keystore)
            assert seen == truth, "the prober disagrees with the servers' pinned versions"
            probes.append(seconds)
        best_floor, best_probe = min(floors), min(probes)
        print(f"endpoints: {len(ports)} on loopback, version ranges {RANGES}, concurrency {CONCURRENCY}")
        print(
            f"floor (bare ssl thread pool, {4 * len(ports)} handshakes): best {best_floor:.2f} s of {floors}"
        )
        print(f"prober (versions + chain + certificate facts): best {best_probe:.2f} s of {probes}")
        print(f"prober / floor: {best_probe / best_floor:.2f}x (goal <= 1.5x)")
        if SSLYZE.exists() and not args.no_sslyze:
            seconds, seen = sslyze(ports, workdir)
            agree = seen == truth
            print(f"sslyze: {seconds:.1f} s, same verdicts: {agree}")
            print(f"sslyze / prober: {seconds / best_probe:.0f}x (goal >= 50x)")
        else:
            print(f"sslyze: not run ({SSLYZE} missing; see the docstring to install it)")
    finally:
        server.stdin.close()
        server.wait(timeout=60)


if __name__ == "__main__":
    main()
