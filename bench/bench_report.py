#!/usr/bin/env python3
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark: the compliance report of a fleet, from the compliance_report module's input
(``hosts``: host name -> what the play collected) to the three files on disk.

The fleet is tests/report_fleet.py's: ``--hosts`` endpoints (default 10,000) x 12 checks (four
roles, the keystore audit, seven probe targets), about half of them failing something, with
host-specific addresses and day counts in the messages. Timed: building the report (checks,
columns, findings) and writing report.json, junit.xml and report.html, best of ``--repeat``.
Goal (issue 14): under 3 s for 10,000 hosts, and an HTML page under 4 MB.

    .venv/bin/python bench/bench_report.py [--hosts 10000] [--repeat 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "collections"), str(REPO / "tests")]

from report_fleet import fleet  # noqa: E402

from ansible_collections.icaclient.linux.plugins.module_utils._report.build import build_report  # noqa: E402
from ansible_collections.icaclient.linux.plugins.module_utils._report.page import render_html  # noqa: E402
from ansible_collections.icaclient.linux.plugins.module_utils._report.render import (  # noqa: E402
    render_json,
    render_junit,
    write_report,
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hosts", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", help="write the files into this folder and keep them")
    args = parser.parse_args()

    hosts = fleet(args.hosts)
    runs = []
    with tempfile.TemporaryDirectory() as scratch:
        for attempt in range(args.repeat):
            dest = args.keep if args.keep else str(Path(scratch) / f"run{attempt}")
            started, cpu = time.perf_counter(), time.process_time()
            report = build_report(hosts=hosts, title="Fleet compliance", generated="2026-12-02T08:00:00Z")
            built = time.perf_counter()
            paths, _ = write_report(report, dest)
            runs.append((time.perf_counter() - started, built - started, time.process_time() - cpu, paths))
        total, build, cpu_total, paths = min(runs, key=lambda run: run[0])
        sizes = {name: Path(path).stat().st_size for name, path in paths.items()}
        # Each rendering alone, to show where the time goes.
        parts = {}
        for name, render in (("json", render_json), ("junit", render_junit), ("html", render_html)):
            started = time.perf_counter()
            render(report)
            parts[name] = time.perf_counter() - started

    summary = report["summary"]
    print(
        f"{summary['hosts']:,} hosts x {len(report['columns'])} check columns = {summary['checks']:,} checks; "
        f"{summary['hosts_failed']:,} failing, {summary['hosts_warned']:,} warned; "
        f"{summary['findings']} findings"
    )
    print(
        f"module input -> three files: {total:.2f} s wall, {cpu_total:.2f} s CPU (best of {args.repeat}); "
        f"build {build:.2f} s"
    )
    print("renderings alone: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in parts.items()))
    print(
        "sizes: " + ", ".join(f"{Path(paths[name]).name} {size / 1e6:.2f} MB" for name, size in sizes.items())
    )
    goal_time, goal_html = total < 3.0, sizes["html"] < 4_000_000
    print(
        f"goal: under 3 s {'met' if goal_time else 'MISSED'}; HTML under 4 MB {'met' if goal_html else 'MISSED'}"
    )
    return 0 if goal_time and goal_html else 1


if __name__ == "__main__":
    sys.exit(main())
