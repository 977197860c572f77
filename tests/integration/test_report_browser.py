"""The compliance report's HTML page of a 5,000-host fleet, loaded in a real browser.

Headless Chromium (Debian's ``chromium``, from scripts/apt-test.txt) loads the page (which
holds no script) and dumps the DOM it built; the test reads that DOM with the standard
library's parser: the fleet's figures on the first screen, the chart, the findings and every
host are there, and nothing was fetched from elsewhere.
"""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

from report_fleet import fleet

from ansible_collections.icaclient.linux.plugins.module_utils._report.build import build_report
from ansible_collections.icaclient.linux.plugins.module_utils._report.render import write_report

HOSTS = 5000


def _chromium() -> str:
    path = shutil.which("chromium")
    if not path:
        raise AssertionError(
            "chromium is not installed: this test needs the Debian package chromium "
            "(apt-get install chromium; scripts/test.sh installs everything in scripts/apt-test.txt)"
        )
    return path


class _Dom(HTMLParser):
    """What the test reads of the dumped DOM: elements by id, rows per table, chart bars."""

    def __init__(self) -> None:
        super().__init__()
        self.order: list[str] = []  # ids in document order
        self.text: dict[str, list[str]] = {}
        self.open_ids: list[str] = []
        self.table: list[str] = []
        self.rows: dict[str, int] = {}
        self.bars = 0
        self.scripts = 0
        self.names = ""
        self._in_names = False

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        ident = values.get("id")
        if ident:
            self.order.append(ident)
        if tag == "table":
            self.table.append(ident or "?")
        if tag == "tr" and self.table:
            self.rows[self.table[-1]] = self.rows.get(self.table[-1], 0) + 1
        if tag == "rect" and values.get("class") in ("pass", "warn", "fail", "error"):
            self.bars += 1
        self.scripts += tag == "script"
        if tag == "div" and ident in ("hosts-failing", "hosts-compliant"):
            self.open_ids.append(ident)
            self.text.setdefault(ident, [])
        if tag == "div" and values.get("class") == "names" and "compliant-hosts" in self.order[-1:]:
            self._in_names = True

    def handle_endtag(self, tag):
        if tag == "table" and self.table:
            self.table.pop()
        if tag == "div":
            self.open_ids.clear()  # the tiles hold no nested div
            self._in_names = False

    def handle_data(self, data):
        for ident in self.open_ids:
            self.text[ident].append(data)
        if self._in_names:
            self.names += data


def test_a_5000_host_page_reads_in_a_browser(tmp_path: Path):
    report = build_report(hosts=fleet(HOSTS), title="Fleet compliance", generated="2026-12-02T08:00:00Z")
    paths, _ = write_report(report, str(tmp_path), formats=["html"])
    page = Path(paths["html"])
    assert page.stat().st_size < 2_500_000  # half the 10,000-host budget of 4 MB

    proc = subprocess.run(
        [
            _chromium(),
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    dom = _Dom()
    dom.feed(proc.stdout)
    summary = report["summary"]

    # The first screen is the fleet: status tiles, then the chart, then the findings, then hosts.
    ids = [i for i in dom.order if i in ("hosts-by-status", "check-chart", "findings-table", "hosts-table")]
    assert ids == ["hosts-by-status", "check-chart", "findings-table", "hosts-table"]
    failing = " ".join(dom.text["hosts-failing"])
    assert f"{summary['hosts_failed']:,}" in failing and "failing hosts" in failing
    assert f"{summary['hosts_passed']:,}" in " ".join(dom.text["hosts-compliant"])

    # A bar segment per status present in each check, and the findings: failures (and errors)
    # before warnings, each the most hosts first.
    assert dom.bars == sum(1 for c in report["columns"] for n in c["counts"].values() if n) + 4  # + legend
    assert dom.rows["findings-table"] == 1 + min(25, len(report["findings"]))
    assert report["findings"][0]["host_count"] >= report["findings"][-1]["host_count"]
    order = [(f["status"] == "warn", -f["host_count"]) for f in report["findings"]]
    assert order == sorted(order) and order[0][0] is False

    # Every host is on the page: a row per host that is not compliant, the rest in one list.
    flagged = summary["hosts_failed"] + summary["hosts_warned"]
    assert dom.rows["hosts-table"] == 1 + flagged
    compliant = [name.strip() for name in dom.names.split(",") if name.strip()]
    assert len(compliant) == summary["hosts_passed"] and flagged + len(compliant) == HOSTS
    assert dom.scripts == 0
