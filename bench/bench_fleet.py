#!/usr/bin/env python3
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: the no-change run of playbooks/site.yml over a fleet of sandbox endpoints,
against the naive playbook a user would write instead (bench/naive_site.yml), on the same hosts.

The fleet: ``--hosts`` inventory hosts (default 50), each ``ansible_connection: local`` with
its own sandbox ICAROOT under a temporary folder (built with scripts/make_sandbox.py), all
with the sandbox inventory's settings (inventories/sandbox/group_vars). site.yml runs without
its smart card play (``--skip-tags smartcard``: the naive playbook has no counterpart, and the
sandbox runs it in check mode) and with no store (no demo gateway), so both playbooks do the
same work: two CA certificates, the rehash, the TLS window and proxy keys of wfclient.ini and
the lockdown profiles.

Sequence: converge with site.yml, converge with the naive playbook (their files agree, so
neither undoes the other), then ``--repeat`` rounds of the no-change run of each, timed:
wall clock and the CPU time of ansible-playbook and its workers. site.yml must report
changed=0 on every host; the naive playbook's ``command: ctx_rehash`` reports a change on
every host, every run (it cannot know better). Goal (issue 6): ours/naive at most 0.5x.

    .venv/bin/python bench/bench_fleet.py [--hosts 50] [--forks 5] [--repeat 1] [--keep]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = REPO / ".venv" / "bin"
SITE = REPO / "playbooks" / "site.yml"
NAIVE = REPO / "bench" / "naive_site.yml"
SANDBOX_GROUP_VARS = REPO / "inventories" / "sandbox" / "group_vars" / "icaclient_endpoints" / "main.yml"
RECAP = re.compile(
    r"^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=(\d+)", re.MULTILINE
)


def _make_sandbox_module():
    spec = importlib.util.spec_from_file_location("make_sandbox", REPO / "scripts" / "make_sandbox.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build_fleet(work: Path, hosts: int) -> Path:
    """Sandboxes and an inventory for ``hosts`` endpoints; returns the inventory folder."""
    sandbox = _make_sandbox_module()
    pki = work / "pki"
    sandbox.make_pki(pki)
    # The naive playbook copies PEM files: its author converted the DER intermediate once.
    pem = subprocess.run(
        ["openssl", "x509", "-inform", "DER", "-in", str(pki / "corp-issuing-ca1.der")],
        capture_output=True,
        check=True,
    ).stdout
    (pki / "corp-issuing-ca1.pem").write_bytes(pem)
    inventory = work / "inventory"
    (inventory / "group_vars" / "icaclient_endpoints").mkdir(parents=True)
    shutil.copy(SANDBOX_GROUP_VARS, inventory / "group_vars" / "icaclient_endpoints" / "main.yml")
    members = {}
    for index in range(1, hosts + 1):
        name = f"bench-{index:03d}"
        root = work / "hosts" / name
        sandbox.make_icaroot(root / "icaroot")
        (root / "home").mkdir(parents=True)
        members[name] = {
            "ansible_connection": "local",
            "ansible_python_interpreter": str(VENV_BIN / "python"),
            "icaclient_icaroot": str(root / "icaroot"),
            "icaclient_sandbox_pki": str(pki),
            "icaclient_sandbox_home": str(root / "home"),
        }
    # JSON is YAML: one file, no quoting questions.
    (inventory / "hosts.yml").write_text(json.dumps({"icaclient_endpoints": {"hosts": members}}, indent=1))
    return inventory


def run_playbook(playbook: Path, inventory: Path, forks: int, log: Path, extra: list[str]) -> dict:
    env = dict(
        os.environ,
        ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
        ANSIBLE_FORKS=str(forks),
        ANSIBLE_NOCOLOR="1",
        PATH=f"{VENV_BIN}:{os.environ.get('PATH', '')}",
    )
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    proc = subprocess.run(
        [str(VENV_BIN / "ansible-playbook"), "-i", str(inventory / "hosts.yml"), str(playbook), *extra],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    log.write_text(proc.stdout)
    recap = {m.group(1): [int(x) for x in m.groups()[1:]] for m in RECAP.finditer(proc.stdout)}
    if proc.returncode != 0 or not recap or any(r[2] or r[3] for r in recap.values()):
        raise SystemExit(f"{playbook.name} failed (rc {proc.returncode}); see {log}\n{proc.stdout[-3000:]}")
    return {
        "wall": wall,
        "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
        "hosts": len(recap),
        "changed_hosts": sum(1 for r in recap.values() if r[1]),
        "tasks_per_host": statistics.mean(r[0] + r[4] for r in recap.values()),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=50)
    parser.add_argument("--forks", type=int, default=5, help="the same for both playbooks")
    parser.add_argument("--repeat", type=int, default=1, help="timed no-change rounds of each")
    parser.add_argument("--keep", action="store_true", help="keep the temporary fleet and the logs")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="icaclient-fleet-"))
    ours_args = ["--skip-tags", "smartcard"]
    try:
        started = time.monotonic()
        inventory = build_fleet(work, args.hosts)
        print(
            f"fleet: {args.hosts} sandbox hosts in {work} ({time.monotonic() - started:.1f} s), forks {args.forks}"
        )
        first = run_playbook(SITE, inventory, args.forks, work / "site-converge.log", ours_args)
        print(f"converge site.yml:   {first['wall']:6.1f} s, {first['changed_hosts']} hosts changed")
        naive_first = run_playbook(NAIVE, inventory, args.forks, work / "naive-converge.log", [])
        print(
            f"converge naive:      {naive_first['wall']:6.1f} s, {naive_first['changed_hosts']} hosts changed"
        )
        ours, naive = [], []
        for round_ in range(1, args.repeat + 1):
            result = run_playbook(SITE, inventory, args.forks, work / f"site-{round_}.log", ours_args)
            if result["changed_hosts"]:
                raise SystemExit(f"site.yml changed {result['changed_hosts']} hosts on a no-change run")
            ours.append(result)
            naive.append(run_playbook(NAIVE, inventory, args.forks, work / f"naive-{round_}.log", []))
            print(
                f"round {round_}: site.yml {ours[-1]['wall']:6.1f} s wall {ours[-1]['cpu']:6.1f} s CPU, "
                f"changed hosts {ours[-1]['changed_hosts']}; naive {naive[-1]['wall']:6.1f} s wall "
                f"{naive[-1]['cpu']:6.1f} s CPU, changed hosts {naive[-1]['changed_hosts']}"
            )
        wall_ratio = statistics.median(o["wall"] / n["wall"] for o, n in zip(ours, naive))
        cpu_ratio = statistics.median(o["cpu"] / n["cpu"] for o, n in zip(ours, naive))
        print(
            f"\nno-change run over {args.hosts} hosts, forks {args.forks}:\n"
            f"  site.yml: {statistics.median(o['wall'] for o in ours):6.1f} s wall, "
            f"{statistics.median(o['cpu'] for o in ours):6.1f} s CPU, "
            f"{ours[0]['tasks_per_host']:.0f} tasks/host, changed hosts {ours[-1]['changed_hosts']}\n"
            f"  naive:    {statistics.median(n['wall'] for n in naive):6.1f} s wall, "
            f"{statistics.median(n['cpu'] for n in naive):6.1f} s CPU, "
            f"{naive[0]['tasks_per_host']:.0f} tasks/host, changed hosts {naive[-1]['changed_hosts']}\n"
            f"  ratio ours/naive: {wall_ratio:.2f}x wall, {cpu_ratio:.2f}x CPU (goal <= 0.5x)"
        )
    finally:
        if args.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
