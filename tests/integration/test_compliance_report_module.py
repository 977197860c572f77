"""compliance_report run for real through ``ansible``: check mode, apply, check mode, apply.

The files are then read back with the standard library's own parsers (json, xml.etree,
html.parser), independently of the module's code.
"""

from __future__ import annotations

import json
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import ansible_run
from ansible_run import run_module

HOSTS = {
    "tc-ber-001": {
        "roles": [
            {
                "role": "icaclient_keystore",
                "enforced": True,
                "would_change": False,
                "changes": [],
                "error": None,
            }
        ],
        "keystore": {"problems": [], "summary": {"certificates": 2}, "error": None},
        "probes": {
            "results": [
                {
                    "target": "https://gw.example",
                    "ok": True,
                    "client_error": None,
                    "message": "TLS 1.2",
                    "warnings": [],
                },
                {
                    "target": "https://old.example",
                    "ok": False,
                    "client_error": 47,
                    "message": "old.example offers only TLS 1.0, below MinimumTLS=1.2: enable TLS 1.2 or later",
                    "warnings": [],
                },
            ],
            "error": None,
        },
    },
    "tc-ber-002": None,
}


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.host_rows = 0
        self.finding_rows = 0
        self.external = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "tr":
            self.host_rows += values.get("class") in ("fail", "warn")
            self.finding_rows += (values.get("id") or "").startswith("f")
        self.external += [
            value for name, value in attrs if name in ("src", "href") and not value.startswith("#")
        ]


def test_compliance_report_writes_once_and_reports_the_failures(tmp_path: Path):
    dest = tmp_path / "reports" / "run"
    args = {"dest": str(dest), "hosts": HOSTS, "generated": "2026-01-01T00:00:00Z"}

    predicted = run_module("compliance_report", args, check=True)
    assert not predicted["failed"], predicted["_stdout"]
    assert predicted["changed"] and not dest.exists()

    written = run_module("compliance_report", args)
    assert written["changed"] and not written["failed"]
    assert written["summary"]["failed"] == 2 and written["summary"]["hosts_failed"] == 2
    assert {(f["host"], f["client_error"]) for f in written["failures"]} == {
        ("tc-ber-001", 47),
        ("tc-ber-002", None),
    }
    assert "HTML report: " + str(dest / "report.html") in written["text"]
    assert [(f["check"], f["client_error"], f["host_count"], f["hosts"]) for f in written["findings"]] == [
        ("host", None, 1, ["tc-ber-002"]),
        ("probe:https://old.example", 47, 1, ["tc-ber-001"]),
    ]

    again = run_module("compliance_report", args, check=True)
    assert not again["changed"]
    stamp = (dest / "junit.xml").stat().st_mtime_ns
    assert not run_module("compliance_report", args)["changed"]
    assert (dest / "junit.xml").stat().st_mtime_ns == stamp

    document = json.loads((dest / "report.json").read_text())
    assert document["schema"] == "icaclient-compliance/3"
    suites = ET.parse(dest / "junit.xml").getroot().findall("testsuite")
    assert [(s.get("name"), s.get("tests"), s.get("failures"), s.get("errors")) for s in suites] == [
        ("tc-ber-001", "4", "1", "0"),
        ("tc-ber-002", "1", "0", "1"),
    ]
    page = _Cells()
    page.feed((dest / "report.html").read_text())
    assert (page.host_rows, page.finding_rows, page.external) == (2, 2, [])


def test_compliance_report_refuses_a_file_where_the_folder_should_be(tmp_path: Path):
    blocker = tmp_path / "report"
    blocker.write_text("keep me")
    result = run_module("compliance_report", {"dest": str(blocker), "hosts": HOSTS}, expect_failure=True)
    assert result["msg"] == f"cannot write the report into {blocker}: it exists and is not a folder"
    assert blocker.read_text() == "keep me"


def test_compliance_play_writes_the_report_when_no_host_answers(tmp_path: Path):
    """Every endpoint unreachable: the report is still written, each host failed with the reason
    (the connection's own message), and the run fails."""
    inventory = tmp_path / "hosts.yml"
    inventory.write_text(
        "all:\n  children:\n    icaclient_endpoints:\n      hosts:\n"
        + "".join(
            f"        {name}:\n          ansible_connection: ssh\n          ansible_host: 127.0.0.1\n"
            f"          ansible_port: {port}\n"
            for name, port in (("thin-01", 9), ("thin-02", 7))
        )
        + "      vars:\n        icaclient_icaroot: /opt/Citrix/ICAClient\n"
    )
    report_dir = tmp_path / "report"
    proc = subprocess.run(
        [
            str(ansible_run.VENV_BIN / "ansible-playbook"),
            str(ansible_run.REPO / "playbooks" / "compliance.yml"),
            "-i",
            str(inventory),
            "-e",
            f"icaclient_compliance_report_dir={report_dir}",
        ],
        cwd=ansible_run.REPO,
        env=ansible_run.ansible_env({"ANSIBLE_HOST_KEY_CHECKING": "False", "ANSIBLE_TIMEOUT": "5"}),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode != 0, proc.stdout  # CI sees the failure
    document = json.loads((report_dir / "report.json").read_text())
    assert document["summary"]["hosts"] == 2 and document["summary"]["hosts_failed"] == 2
    for entry, port in zip(document["hosts"], (9, 7)):
        [check] = entry["checks"]
        assert check["status"] == "error"
        assert check["message"].startswith("unreachable: ")
        assert f"port {port}: Connection refused" in check["message"], check["message"]
    suites = ET.parse(report_dir / "junit.xml").getroot()
    assert sorted(suite.get("name") for suite in suites.iter("testsuite")) == ["thin-01", "thin-02"]
    assert "Connection refused" in (report_dir / "report.html").read_text()


def test_compliance_report_with_a_baseline_reports_the_drift_and_marks_new_failures(tmp_path: Path):
    """Run 1 writes the baseline; run 2 (the old gateway fixed on tc-ber-001, tc-ber-002 now
    answering with a failing new target) is compared with it: check mode, apply, check, apply."""
    first = tmp_path / "run1"
    run_module("compliance_report", {"dest": str(first), "hosts": HOSTS, "generated": "2026-01-01T00:00:00Z"})
    today = json.loads(json.dumps(HOSTS))
    today["tc-ber-001"]["probes"]["results"][1].update(ok=True, client_error=None, message="TLS 1.2")
    today["tc-ber-002"] = json.loads(json.dumps(HOSTS["tc-ber-001"]))
    today["tc-ber-002"]["probes"]["results"][0].update(
        ok=False, client_error=61, message="the client does not trust CN=Rogue: add the issuing root"
    )
    dest = tmp_path / "run2"
    args = {
        "dest": str(dest),
        "hosts": today,
        "generated": "2026-01-02T00:00:00Z",
        "baseline": str(first / "report.json"),
    }
    assert run_module("compliance_report", args, check=True)["changed"] and not dest.exists()
    written = run_module("compliance_report", args)
    summary = written["drift"]["summary"]
    # the untrusted gateway is a new cause; the unreachable host is fixed; the old gateway's cause
    # stays, fixed on tc-ber-001 and new on tc-ber-002 (which copied its results)
    assert (summary["new_findings"], summary["fixed_findings"], summary["staying_findings"]) == (1, 1, 1)
    assert {(e["host"], tuple(e["new"]), tuple(e["fixed"])) for e in written["drift"]["hosts"]} == {
        ("tc-ber-001", (), ("probe:https://old.example",)),
        ("tc-ber-002", ("probe:https://gw.example", "probe:https://old.example"), ("host",)),
    }
    [stays] = [f for f in written["drift"]["findings"] if f["drift"] == "stays"]
    assert (stays["new_hosts"], stays["fixed_hosts"]) == (["tc-ber-002"], ["tc-ber-001"])
    assert "since the baseline of 2026-01-01T00:00:00Z: 1 new finding(s)" in written["text"]
    assert not run_module("compliance_report", args, check=True)["changed"]
    assert not run_module("compliance_report", args)["changed"]
    failure = ET.parse(dest / "junit.xml").getroot().find(".//testsuite[@name='tc-ber-002']/testcase/failure")
    assert failure.get("message").startswith("[new] the client does not trust CN=Rogue")
    page = (dest / "report.html").read_text()
    assert page.index('id="drift-table"') < page.index('id="findings-table"')


def test_compliance_report_refuses_a_baseline_that_is_not_a_report(tmp_path: Path):
    bad = tmp_path / "report.json"
    bad.write_text('{"schema": "something-else"}')
    dest = tmp_path / "out"
    result = run_module(
        "compliance_report", {"dest": str(dest), "hosts": HOSTS, "baseline": str(bad)}, expect_failure=True
    )
    assert result["msg"].startswith(
        f"cannot compare with the baseline report {bad}: its schema is 'something-else'"
    )
    assert not dest.exists()
