"""compliance_report_merge through Ansible: check mode, merge, check mode again, merge again, and
the failure a user sees for overlapping slices (nothing written)."""

from __future__ import annotations

import json

from ansible_run import run_module

from ansible_collections.icaclient.linux.plugins.module_utils._report.build import build_report
from ansible_collections.icaclient.linux.plugins.module_utils._report.render import render_json

HOSTS = {
    "tc-01": {"unreachable": "ssh: connect to host tc-01 port 22: No route to host"},
    "tc-02": {"roles": [], "keystore": {"problems": [], "summary": {}, "error": None}, "probes": None},
    "tc-03": None,
}


def _partial(tmp_path, hosts, number):
    report = build_report(
        hosts={host: HOSTS[host] for host in hosts}, title="Fleet", generated=f"2026-12-02T10:0{number}:00Z"
    )
    path = tmp_path / f"slice-{number}.json"
    path.write_text(render_json(report))
    return str(path)


def test_merge_in_four_steps_gives_the_unsliced_report(tmp_path):
    src = [_partial(tmp_path, ["tc-02"], 2), _partial(tmp_path, ["tc-01", "tc-03"], 1)]
    dest = tmp_path / "merged"
    args = {"src": src, "dest": str(dest)}
    predicted = run_module("compliance_report_merge", args, check=True)
    assert predicted["changed"] is True and not dest.exists()
    merged = run_module("compliance_report_merge", args)
    assert merged["changed"] is True
    assert merged["summary"]["hosts"] == 3 and merged["summary"]["errors"] == 2
    assert [failure["host"] for failure in merged["failures"]] == ["tc-01", "tc-03"]
    mtimes = {path.name: path.stat().st_mtime_ns for path in dest.iterdir()}
    assert sorted(mtimes) == ["junit.xml", "report.html", "report.json"]
    assert run_module("compliance_report_merge", args, check=True)["changed"] is False
    assert run_module("compliance_report_merge", args)["changed"] is False
    assert {path.name: path.stat().st_mtime_ns for path in dest.iterdir()} == mtimes
    whole = build_report(hosts=HOSTS, title="Fleet", generated="2026-12-02T10:01:00Z")
    assert json.loads((dest / "report.json").read_text()) == json.loads(render_json(whole))


def test_overlapping_slices_fail_naming_both_files_and_write_nothing(tmp_path):
    first = _partial(tmp_path, ["tc-01", "tc-02"], 1)
    second = _partial(tmp_path, ["tc-02"], 2)
    dest = tmp_path / "merged"
    result = run_module(
        "compliance_report_merge", {"src": [first, second], "dest": str(dest)}, expect_failure=True
    )
    assert result["msg"] == (
        f"cannot merge the report {second}: host tc-02 is also in {first} (job slices do not share hosts)"
    )
    assert not dest.exists()
