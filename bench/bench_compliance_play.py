#!/usr/bin/env python3
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: the whole compliance play (playbooks/compliance.yml, unchanged) at 1,000 and 5,000
inventory hosts, and how its controller time grows with the host count; with ``--play whatif``
the what-if play (playbooks/whatif.yml, proposing MinimumTLS=1.3) the same way.

Cheap hosts: each endpoint's connection is bench/compliance_play/connection_plugins/
bench_canned.py, which answers the ping, the keystore audit and the connection probe with a
canned result made from the host's name (some hosts with TLS 1.0 on a gateway, an expired
keystore file, an intermediate or a gateway certificate inside the expiry window). The roles
list is empty (``icaclient_compliance_roles: []``: their check mode is the roles' own cost,
measured by their own tests). Everything else is the controller's real work: the inventory,
templating every task per host, building each module's payload, forking workers, the strategy
and the callback, gathering the hosts' results and the compliance_report module on localhost,
which writes the three files. The report's host count and findings are checked.

The what-if play probes every endpoint twice (today's settings, the proposed ones): the canned
connection reads the module's arguments, and under the proposal the gateway of every fifth host
breaks (47); the report's counts are checked.

Reported: wall time per run, per host, and the ratio of the largest run's time per host to the
smallest's (1.0 = linear; a quadratic step shows as the host-count ratio).

With --anchor, each count also runs bench/compliance_play/anchor.yml: the same task shape per host
with ``ansible.builtin.ping`` in place of the collection's modules, through the same connection.
Its growth is ansible-core's own (its per-task host lists and magic variables grow with the
inventory); the play's growth over the anchor's is what the collection adds.

    .venv/bin/python bench/bench_compliance_play.py [--hosts 1000 5000] [--forks 10] [--anchor] [--keep DIR]
    .venv/bin/python bench/bench_compliance_play.py --play whatif --hosts 50 1000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
VENV_BIN = REPO / ".venv" / "bin"
PLUGINS = Path(__file__).resolve().parent / "compliance_play" / "connection_plugins"
sys.path.insert(0, str(PLUGINS))

from bench_canned import TARGETS  # noqa: E402

COMPLIANCE = REPO / "playbooks" / "compliance.yml"
WHATIF = REPO / "playbooks" / "whatif.yml"
ANCHOR = Path(__file__).resolve().parent / "compliance_play" / "anchor.yml"
ANCHOR_OK = 4  # the anchor's tasks that run on each host (ping x3, set_fact)


def write_inventory(path: Path, count: int) -> None:
    """A YAML inventory (JSON is YAML) of ``count`` cheap endpoints."""
    hosts = {f"tc-{index:05d}": None for index in range(count)}
    inventory = {
        "all": {
            "children": {
                "icaclient_endpoints": {
                    "hosts": hosts,
                    "vars": {
                        "ansible_connection": "bench_canned",
                        "ansible_python_interpreter": sys.executable,
                        "icaclient_icaroot": "/opt/Citrix/ICAClient",
                        "icaclient_compliance_roles": [],
                        "icaclient_compliance_targets": list(TARGETS),
                    },
                }
            }
        }
    }
    path.write_text(json.dumps(inventory))


def run_play(count: int, folder: Path, forks: int, playbook: Path = COMPLIANCE) -> float:
    inventory = folder / f"hosts-{count}.yml"
    report_dir = folder / f"report-{count}"
    write_inventory(inventory, count)
    env = {
        **os.environ,
        "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        "ANSIBLE_CONNECTION_PLUGINS": str(PLUGINS),
        "ANSIBLE_FORKS": str(forks),
        "ANSIBLE_HOST_KEY_CHECKING": "False",
        "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '')}",
    }
    extra = json.dumps(
        {
            "icaclient_compliance_report_dir": str(report_dir),
            "icaclient_compliance_fail": False,
            "icaclient_whatif_report_dir": str(report_dir),
            "icaclient_whatif_fail": False,
            "icaclient_whatif_proposed": {"min_tls": "1.3"},
        }
    )
    start = time.perf_counter()
    proc = subprocess.run(
        [
            str(VENV_BIN / "ansible-playbook"),
            "-i",
            str(inventory),
            str(playbook),
            "-e",
            extra,
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - start
    (folder / f"play-{playbook.stem}-{count}.log").write_text(proc.stdout)
    if proc.returncode != 0:
        raise SystemExit(
            f"{playbook.name} at {count} hosts failed (rc {proc.returncode}):\n{proc.stdout[-3000:]}"
        )
    if playbook == WHATIF:
        check_whatif(json.loads((report_dir / "whatif.json").read_text()), count)
        return elapsed
    if playbook != COMPLIANCE:
        if f"ok={ANCHOR_OK}" not in proc.stdout or proc.stdout.count(f"ok={ANCHOR_OK}") != count:
            raise SystemExit(f"{playbook.name} at {count} hosts: not every host ran the anchor's tasks")
        return elapsed
    report = json.loads((report_dir / "report.json").read_text())
    summary = report["summary"]
    legacy = sum(1 for index in range(count) if index % 4 == 0)
    assert summary["hosts"] == count, summary
    findings = {(f["check"], f["client_error"]): f["host_count"] for f in report["findings"]}
    assert findings[(f"probe:{TARGETS[1]}", 47)] == legacy, findings
    assert report["expiry"]["certificates"], "the expiry forecast is empty"
    return elapsed


def check_whatif(report: dict, count: int) -> None:
    """Every host compared; the gateway breaks on every fifth host, nothing else changes."""
    fifth = sorted(f"tc-{index:05d}" for index in range(count) if index % 5 == 0)
    summary = report["summary"]
    assert summary["hosts"] == count and summary["hosts_not_compared"] == 0, summary
    assert summary["hosts_breaking"] == len(fifth) and summary["targets"]["breaks"] == len(fifth), summary
    breaks = [c for c in report["changes"] if c["change"] == "breaks"]
    assert [(c["target"], c["after"], c["hosts"]) for c in breaks] == [(TARGETS[0], 47, fifth)], breaks


def growth(times: dict[int, float]) -> float:
    """Time per host at the largest count over time per host at the smallest (1.0 = linear)."""
    small, large = min(times), max(times)
    return (times[large] / large) / (times[small] / small)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--forks", type=int, default=10)
    parser.add_argument(
        "--play", choices=["compliance", "whatif"], default="compliance", help="the play to measure"
    )
    parser.add_argument(
        "--anchor",
        action="store_true",
        help="also run the anchor (bench/compliance_play/anchor.yml: the same task shape with ping) at each count",
    )
    parser.add_argument("--keep", type=Path, help="keep the inventories, logs and reports here")
    args = parser.parse_args()
    measured = COMPLIANCE if args.play == "compliance" else WHATIF
    plays = {measured.name: measured, **({"anchor.yml": ANCHOR} if args.anchor else {})}
    times: dict[str, dict[int, float]] = {name: {} for name in plays}
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        for count in sorted(args.hosts):
            for name, playbook in plays.items():  # interleaved: a busy spell of the machine hits both
                elapsed = run_play(count, folder, args.forks, playbook)
                times[name][count] = elapsed
                print(
                    f"{name:>15} {count:>6} hosts: {elapsed:7.1f} s  ({1000 * elapsed / count:.1f} ms per host)",
                    flush=True,
                )
    if len(args.hosts) > 1:
        small, large = min(args.hosts), max(args.hosts)
        for name in plays:
            print(
                f"{name:>15} time per host at {large} / at {small}: {growth(times[name]):.2f} "
                f"(1.0 = linear; {large / small:.0f} = quadratic)"
            )
        if args.anchor:
            print(
                f"{measured.name}'s growth over ansible-core's own (anchor): "
                f"{growth(times[measured.name]) / growth(times['anchor.yml']):.2f}; "
                f"{measured.name} / anchor per host at {large}: {times[measured.name][large] / times['anchor.yml'][large]:.2f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
