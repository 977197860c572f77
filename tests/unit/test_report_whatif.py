"""The what-if report (module_utils/_report/whatif.py, whatif_render.py): pairing, grouping, rendering."""

from __future__ import annotations

import json
import os
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError
from ansible_collections.icaclient.linux.plugins.module_utils._report.whatif import (
    change_of,
    compare_fleet,
    compare_host,
)
from ansible_collections.icaclient.linux.plugins.module_utils._report.whatif_render import (
    render_html,
    render_text,
    write_whatif,
)

GW = "https://gw.example.com"
OLD = "https://old.example.com:8443"
HOSTILE = 'tc-<script>alert("x")</script>&01'


def _probe(target: str, ok: bool, error=None, message: str = "") -> dict:
    return {
        "target": target,
        "ok": ok,
        "client_error": error,
        "message": message or ("ok" if ok else "fails"),
    }


def _host(current: list, proposed: list) -> dict:
    return {"current": {"results": current, "error": None}, "proposed": {"results": proposed, "error": None}}


@pytest.mark.parametrize(
    ("before", "after", "change"),
    [
        ((True, None), (True, None), "still_passes"),
        ((True, None), (False, 47), "breaks"),
        ((False, 61), (True, None), "fixes"),
        ((False, 61), (False, 61), "still_fails"),
        ((False, 61), (False, 47), "error_changes"),
    ],
)
def test_each_pair_of_verdicts_is_one_change(before: tuple, after: tuple, change: str) -> None:
    pair = [{"ok": ok, "client_error": error, "message": ""} for ok, error in (before, after)]
    assert change_of(*pair) == change


def test_a_host_is_judged_by_its_worst_target() -> None:
    entry = compare_host(
        "tc-1",
        _host(
            [_probe(GW, True), _probe(OLD, False, 61)],
            [_probe(GW, False, 47, "the server offers TLS 1.2 only; tc-1 allows 1.3"), _probe(OLD, True)],
        ),
    )
    assert entry["status"] == "breaks"
    assert [(t["target"], t["change"]) for t in entry["targets"]] == [(GW, "breaks"), (OLD, "fixes")]
    assert entry["targets"][0]["after"] == {
        "ok": False,
        "client_error": 47,
        "message": "the server offers TLS 1.2 only; tc-1 allows 1.3",
    }


@pytest.mark.parametrize(
    ("result", "status", "error"),
    [
        (None, "error", "the host left the play before its result"),
        ({"unreachable": "ssh: timed out"}, "unreachable", "ssh: timed out"),
        (
            {"current": {"results": [], "error": "no keystore"}, "proposed": {"results": []}},
            "error",
            "the current probe failed: no keystore",
        ),
        (
            {"current": {"results": []}, "proposed": {"results": [], "error": "bad PEM"}},
            "error",
            "the proposed probe failed: bad PEM",
        ),
    ],
)
def test_a_host_that_cannot_be_compared_says_why(result, status: str, error: str) -> None:
    entry = compare_host("tc-1", result)
    assert (entry["status"], entry["error"], entry["targets"]) == (status, error, [])


def _fleet(count: int) -> dict:
    hosts = {}
    for number in range(count):
        name = f"tc-{number:04d}"
        broken = number % 4 != 0  # three of four hosts break the same way, their names in the message
        hosts[name] = _host(
            [_probe(GW, True), _probe(OLD, False, 61, f"issuer not trusted on {name}")],
            [
                _probe(
                    GW, not broken, None if not broken else 47, f"{name} and the server share no TLS version"
                ),
                _probe(OLD, True),
            ],
        )
    return hosts


def test_the_fleet_is_grouped_by_cause_with_host_names_taken_out() -> None:
    report = compare_fleet(_fleet(8), proposed={"min_tls": "1.3"}, generated="2026-12-02T10:00:00Z")
    assert report["schema"] == "icaclient-whatif/1"
    assert report["summary"] == {
        "hosts": 8,
        "hosts_breaking": 6,
        "hosts_fixed_only": 2,
        "hosts_error_changes": 0,
        "hosts_unchanged": 0,
        "hosts_not_compared": 0,
        "targets": {"breaks": 6, "error_changes": 0, "fixes": 8, "still_fails": 0, "still_passes": 2},
    }
    breaks, fixes = report["changes"]  # worst first, even though the fix touches more hosts
    assert (breaks["change"], breaks["target"], breaks["before"], breaks["after"], breaks["host_count"]) == (
        "breaks",
        GW,
        None,
        47,
        6,
    )
    assert breaks["cause"] == "<host> and the server share no TLS version"
    assert breaks["meaning"].startswith("SSL error 47")
    assert (fixes["change"], fixes["before"], fixes["after"], fixes["host_count"]) == ("fixes", 61, None, 8)
    assert fixes["cause"] == "issuer not trusted on <host>"  # a fix is explained by today's failure


def _best_time(hosts: dict) -> float:
    best = float("inf")
    for _ in range(3):  # the best of three: the shared CI cores add noise, never speed
        started = time.perf_counter()
        compare_fleet(hosts, proposed={}, generated="t")
        best = min(best, time.perf_counter() - started)
    return best


def test_the_comparison_is_linear_in_hosts() -> None:
    small, large = _fleet(2000), _fleet(8000)
    small_time, large_time = _best_time(small), _best_time(large)
    assert compare_fleet(large, proposed={}, generated="t")["summary"]["hosts"] == 8000
    # four times the hosts: about four times the time; quadratic would be sixteen
    assert large_time < 10 * small_time, (small_time, large_time)


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append(tag)

    def handle_data(self, data) -> None:
        self.text.append(data)


def test_the_page_and_text_escape_what_hosts_and_servers_send() -> None:
    hosts = {HOSTILE: _host([_probe(GW, True)], [_probe(GW, False, 47, "<b>bold</b> server")])}
    report = compare_fleet(hosts, proposed={"min_tls": "1.3", "trust_add": ["new-root.pem"]}, generated="t")
    page = render_html(report)
    parser = _Page()
    parser.feed(page)
    assert "script" not in parser.tags
    assert "<script>" not in page and "<b>bold" not in page
    assert HOSTILE in "".join(parser.text)
    assert "trust_add: new-root.pem" in "".join(parser.text)
    text = render_text(report, paths={"html": "/r/whatif.html"})
    assert "1 host: 1 would break" in text
    assert f"BREAKS {GW}: pass -> error 47 on 1 host(s)" in text
    assert text.endswith("html: /r/whatif.html")


def test_a_safe_proposal_says_so() -> None:
    report = compare_fleet(
        {"tc-1": _host([_probe(GW, True)], [_probe(GW, True)])}, proposed={}, generated="t"
    )
    assert "the proposal is safe for these hosts" in render_html(report)
    assert report["summary"]["hosts_unchanged"] == 1


def test_the_writer_leaves_unchanged_files_alone(tmp_path: Path) -> None:
    report = compare_fleet(_fleet(3), proposed={"max_tls": "1.3"}, generated="t")
    dest = tmp_path / "out"
    paths, changed = write_whatif(report, str(dest), check_mode=True)
    assert changed and not dest.exists()
    paths, changed = write_whatif(report, str(dest))
    assert changed and sorted(os.listdir(dest)) == ["whatif.html", "whatif.json", "whatif.txt"]
    assert json.loads(Path(paths["json"]).read_text()) == report
    mtimes = {name: os.stat(path).st_mtime_ns for name, path in paths.items()}
    assert write_whatif(report, str(dest), check_mode=True)[1] is False
    assert write_whatif(report, str(dest))[1] is False
    assert {name: os.stat(path).st_mtime_ns for name, path in paths.items()} == mtimes


def test_the_writer_refuses_a_file_in_place_of_the_folder(tmp_path: Path) -> None:
    (tmp_path / "out").write_text("")
    with pytest.raises(
        IcaClientError, match=r"cannot write the what-if report into .*: it exists and is not a folder"
    ):
        write_whatif(compare_fleet({}, proposed={}, generated="t"), str(tmp_path / "out"))
