#!/usr/bin/env python3
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Screenshots of the compliance report's HTML page for the README, taken the way the browser
test loads it (headless Chromium): one endpoint, and a 5,000-host fleet (tests/report_fleet.py).

    .venv/bin/python scripts/report_screenshots.py [--out docs]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "collections"), str(REPO / "tests")]

from report_fleet import fleet, host_result  # noqa: E402

from ansible_collections.icaclient.linux.plugins.module_utils._report.build import build_report  # noqa: E402
from ansible_collections.icaclient.linux.plugins.module_utils._report.page import render_html  # noqa: E402

PAGES = {
    "compliance-report-one-host.png": ({"tc-ber-00000": host_result(0)}, "1400,1000"),
    "compliance-report-fleet.png": (fleet(5000), "1400,1000"),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(REPO / "docs"))
    args = parser.parse_args()
    chromium = shutil.which("chromium")
    if not chromium:
        sys.exit("chromium is not installed (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as scratch:
        for name, (hosts, size) in PAGES.items():
            report = build_report(
                hosts=hosts, title="Citrix Workspace app compliance", generated="2026-12-02T08:00:00Z"
            )
            page = Path(scratch) / "report.html"
            page.write_text(render_html(report), encoding="utf-8")
            out = Path(args.out) / name
            subprocess.run(
                [
                    chromium,
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--hide-scrollbars",
                    f"--window-size={size}",
                    f"--screenshot={out}",
                    page.as_uri(),
                ],
                check=True,
                capture_output=True,
                timeout=180,
            )
            print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
