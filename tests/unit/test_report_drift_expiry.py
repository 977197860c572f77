"""Drift since a baseline report and the expiry forecast, on the synthetic fleet of
tests/report_fleet.py (the module's own input), checked in report.json (against its schema),
junit.xml and report.html."""

from __future__ import annotations

import copy
import json
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError
from ansible_collections.icaclient.linux.plugins.module_utils._report.build import (
    assemble_report,
    build_report,
)
from ansible_collections.icaclient.linux.plugins.module_utils._report.files import read_report
from ansible_collections.icaclient.linux.plugins.module_utils._report.page import render_html
from ansible_collections.icaclient.linux.plugins.module_utils._report.render import (
    render_json,
    render_junit,
    render_text,
)

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))
import report_fleet  # noqa: E402

SCHEMA = json.loads((REPO / "docs" / "compliance-report.schema.json").read_text())
HOSTS = 400
LEGACY_TARGET = report_fleet.TARGETS[2]
PARTNER_TARGET = report_fleet.TARGETS[3]


def _report(hosts, baseline=None, days=90):
    return build_report(
        hosts=hosts, title="fleet", generated="2026-12-02T08:00:00Z", baseline=baseline, expiry_days=days
    )


@pytest.fixture(scope="module")
def runs():
    """Yesterday's fleet and today's: the legacy gateway fixed on host 0, a new TLS fault on host
    1 (a cause nobody had), the partner root trusted everywhere (a whole finding fixed), one host
    retired and one added."""
    before = report_fleet.fleet(HOSTS)
    after = copy.deepcopy(before)
    h0, h1 = report_fleet.host_name(0), report_fleet.host_name(1)
    for result in after[h0]["probes"]["results"]:
        if result["target"] == LEGACY_TARGET:
            result.update(ok=True, client_error=None, message="TLS 1.2 within the window")
    for result in after[h1]["probes"]["results"]:
        if result["target"] == report_fleet.TARGETS[0]:
            result.update(ok=False, client_error=47, message=report_fleet.LEGACY)
    for raw in after.values():
        for result in (raw or {}).get("probes", {}).get("results", []):
            if result["target"] == PARTNER_TARGET:
                result.update(ok=True, client_error=None, message="chain trusted")
    retired = report_fleet.host_name(4)
    del after[retired]
    after["tc-new-99999"] = report_fleet.host_result(4)
    baseline = json.loads(render_json(_report(before)))
    return baseline, _report(after, baseline), retired


def test_drift_names_new_fixed_and_staying_problems_per_finding_and_host(runs):
    baseline, report, retired = runs
    jsonschema.validate(json.loads(render_json(report)), SCHEMA)
    drift = report["drift"]
    assert drift["baseline"]["generated"] == "2026-12-02T08:00:00Z"
    h0, h1 = report_fleet.host_name(0), report_fleet.host_name(1)
    by_host = {entry["host"]: entry for entry in drift["hosts"]}
    # host 0 had the legacy gateway and the partner root (index 0 is a multiple of 13): both fixed
    assert sorted(by_host[h0]["fixed"]) == sorted([f"probe:{LEGACY_TARGET}", f"probe:{PARTNER_TARGET}"])
    assert by_host[h1]["new"] == [f"probe:{report_fleet.TARGETS[0]}"]
    # the new host's problems are new, the retired host is removed, not "fixed"
    assert drift["hosts_added"] == ["tc-new-99999"] and drift["hosts_removed"] == [retired]
    assert retired not in by_host
    # the partner root finding is gone: fixed, with the hosts that had it
    partner = [f for f in drift["fixed"] if f["check"] == f"probe:{PARTNER_TARGET}"]
    old_partner = [f for f in baseline["findings"] if f["check"] == f"probe:{PARTNER_TARGET}"]
    assert len(partner) == 1 and partner[0]["hosts"] == [h for h in old_partner[0]["hosts"] if h != retired]
    # per finding: the legacy gateway stays, one host fewer; TLS 1.0 on the main gateway is new
    numbers = {f["number"]: f for f in report["findings"]}
    items = {(numbers[i["number"]]["check"], numbers[i["number"]]["status"]): i for i in drift["findings"]}
    legacy = items[(f"probe:{LEGACY_TARGET}", "fail")]
    # the added host brings the legacy fault (its result is the retired one's): new on that cause
    assert (
        legacy["drift"] == "stays"
        and legacy["fixed_hosts"] == [h0]
        and legacy["new_hosts"] == ["tc-new-99999"]
    )
    main = items[(f"probe:{report_fleet.TARGETS[0]}", "fail")]
    assert main["drift"] == "new" and main["new_hosts"] == [h1]
    summary = drift["summary"]
    assert summary["new_findings"] == sum(1 for i in drift["findings"] if i["drift"] == "new")
    assert summary["fixed_findings"] == len(drift["fixed"]) >= 1
    assert summary["hosts_added"] == 1 and summary["hosts_removed"] == 1


def test_an_unchanged_fleet_has_no_drift_and_a_run_without_baseline_none(runs):
    baseline, _, _ = runs
    hosts = report_fleet.fleet(HOSTS)
    again = _report(hosts, baseline)["drift"]
    assert again["summary"]["new_problems"] == again["summary"]["fixed_problems"] == 0
    assert {i["drift"] for i in again["findings"]} == {"stays"} and again["fixed"] == []
    assert _report(hosts)["drift"] is None
    # a merge rebuilds from hosts only: no baseline, no drift
    assert assemble_report(entries=baseline["hosts"], title="t", generated="g")["drift"] is None


def test_junit_marks_only_the_new_failures_and_the_page_starts_with_the_drift(runs):
    _, report, _ = runs
    root = ET.fromstring(render_junit(report))
    marked = [
        (suite.get("name"), case.get("name"))
        for suite in root.iter("testsuite")
        for case in suite
        if case.find("properties/property[@name='drift'][@value='new']") is not None
    ]
    h1 = report_fleet.host_name(1)
    assert (h1, report_fleet.TARGETS[0]) in marked
    new = {(e["host"], c) for e in report["drift"]["hosts"] for c in e["new"]}
    failing_new = {
        (e["host"], c["name"])
        for e in report["hosts"]
        for c in e["checks"]
        if (e["host"], c["id"]) in new and c["status"] in ("fail", "error")
    }
    assert set(marked) == failing_new
    for suite in root.iter("testsuite"):
        for case in suite:
            failure = case.find("failure")
            if failure is not None:
                assert failure.get("message").startswith("[new] ") == (
                    (suite.get("name"), case.get("name")) in marked
                )
    page = render_html(report)
    assert page.index('id="drift"') < page.index('id="fleet"')
    assert 'id="drift-table"' in page and "fixed</span>" in page
    assert "since the baseline of 2026-12-02T08:00:00Z" in render_text(report)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "No such file or directory"),
        (b"{not json", "not JSON"),
        (b"[1]", "not a report"),
        (
            json.dumps({"schema": "icaclient-compliance/1", "hosts": []}).encode(),
            "its schema is 'icaclient-compliance/1'",
        ),
        (
            json.dumps({"schema": "icaclient-compliance/2", "hosts": [], "findings": "x"}).encode(),
            "no list of findings",
        ),
    ],
)
def test_a_baseline_that_is_not_a_report_is_refused_by_name(tmp_path, content, message):
    path = tmp_path / "report.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(IcaClientError) as caught:
        read_report(str(path), purpose="baseline")
    assert str(path) in caught.value.message and message in caught.value.message


def _keystore_cert(kind, subject, fingerprint, not_after, days_left):
    return {
        "kind": kind,
        "file": f"{subject}.pem",
        "subject": subject,
        "fingerprint": fingerprint,
        "not_after": not_after,
        "days_left": days_left,
    }


def test_the_expiry_forecast_groups_hosts_by_certificate_expired_fails_within_window_warns():
    hosts = report_fleet.fleet(60)
    expired = _keystore_cert("root", "CN=Old Root", "AA:01", "2026-11-01T00:00:00Z", -31)
    soon = _keystore_cert("intermediate", "CN=Issuing CA 2", "BB:02", "2027-01-20T00:00:00Z", 49)
    for index, raw in enumerate(hosts.values()):
        if not raw or "keystore" not in raw:
            continue
        raw["keystore"]["certificates"] = ([expired] if index % 2 == 0 else []) + (
            [soon] if index % 3 == 0 else []
        )
        for result in raw["probes"]["results"]:
            days = 200 if result["target"] != report_fleet.TARGETS[0] else 20 + index % 3
            result.update(
                subject=f"CN={result['target']}",
                not_after=f"2027-{1 + days // 31:02d}-01T00:00:00Z",
                days_left=days,
            )
    report = _report(hosts)
    jsonschema.validate(json.loads(render_json(report)), SCHEMA)
    forecast = report["expiry"]
    by_subject = {c["subject"]: c for c in forecast["certificates"]}
    audited = [name for name, raw in hosts.items() if raw and "keystore" in raw]
    with_expired = sorted(
        name for i, (name, raw) in enumerate(hosts.items()) if raw and "keystore" in raw and i % 2 == 0
    )
    assert (
        by_subject["CN=Old Root"]["hosts"] == with_expired and by_subject["CN=Old Root"]["status"] == "fail"
    )
    assert by_subject["CN=Old Root"]["fingerprint"] == "AA:01" and by_subject["CN=Old Root"]["sources"] == [
        "keystore root"
    ]
    assert by_subject["CN=Issuing CA 2"]["status"] == "warn"
    gateway = by_subject[f"CN={report_fleet.TARGETS[0]}"]
    assert gateway["fingerprint"] is None and gateway["host_count"] == len(audited)
    assert gateway["days_left"] == 20 and gateway["sources"] == [report_fleet.TARGETS[0]]
    assert not any(c["days_left"] > 90 for c in forecast["certificates"])  # the 200-day ones stay out
    assert forecast["certificates"][0]["subject"] == "CN=Old Root"  # soonest first
    statuses = {
        e["host"]: {c["id"]: c["status"] for c in e["checks"]}["expiry"]
        for e in report["hosts"]
        if e["host"] in audited
    }
    assert {statuses[h] for h in with_expired} == {"fail"}
    assert {s for h, s in statuses.items() if h not in with_expired} == {"warn"}  # the gateway's 20-22 days
    # a 10-day window leaves only the expired root
    narrow = _report(hosts, days=10)["expiry"]
    assert [c["subject"] for c in narrow["certificates"]] == ["CN=Old Root"] and narrow["days"] == 10
    page = render_html(report)
    timeline = page[
        page.index('<svg id="expiry-timeline"') : page.index(
            "</svg>", page.index('<svg id="expiry-timeline"')
        )
    ]
    assert timeline.count('<rect class="fail"') == 1 and 'class="warn"' in timeline
    assert "expired: 1 certificate(s) on" in timeline
    assert 'id="expiry-table"' in page and "CN=Issuing CA 2" in page
    assert "expiry forecast (90 days): 1 certificate(s) expired, 2 expiring" in render_text(report)


def test_hosts_without_certificate_facts_get_no_expiry_check():
    report = _report(report_fleet.fleet(30))
    assert not any(c["id"] == "expiry" for e in report["hosts"] for c in e["checks"])
    assert report["expiry"] == {"days": 90, "expired": 0, "expiring": 0, "certificates": []}


def test_findings_of_hosts_that_left_the_fleet_are_not_fixed(runs):
    baseline, _, _ = runs
    other = _report({"tc-elsewhere-1": report_fleet.host_result(0)}, baseline)["drift"]
    assert other["fixed"] == [] and other["summary"]["hosts_removed"] == HOSTS
    # the newcomer's causes were in the baseline: they stay, with it as their new host
    assert {(i["drift"], tuple(i["new_hosts"])) for i in other["findings"]} == {
        ("stays", ("tc-elsewhere-1",))
    }
    assert other["summary"]["new_problems"] == len(other["findings"]) > 0
