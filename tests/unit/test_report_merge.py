"""Merging the partial reports of job slices: the merged report is the unsliced one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError
from ansible_collections.icaclient.linux.plugins.module_utils._report.build import SCHEMA, build_report
from ansible_collections.icaclient.linux.plugins.module_utils._report.files import read_report
from ansible_collections.icaclient.linux.plugins.module_utils._report.render import render_json
from ansible_collections.icaclient.linux.plugins.module_utils._report_merge import merge_reports

UNTRUSTED = "the client does not trust CN=Rogue Root: add the issuing root to cacerts, then rehash"
TLS10 = "gw:4431 offers only TLS 1.0, below MinimumTLS=1.2: enable TLS 1.2 or later on the server"


def _raw(*probes: tuple[str, bool, int | None, str]) -> dict:
    return {
        "roles": [
            {
                "role": "icaclient_keystore",
                "enforced": True,
                "would_change": False,
                "changes": [],
                "error": None,
            },
            {
                "role": "icaclient_smartcard",
                "enforced": False,
                "would_change": True,
                "changes": [],
                "error": None,
            },
        ],
        "keystore": {"problems": [], "summary": {"certificates": 2}, "error": None},
        "probes": {
            "results": [
                {
                    "target": target,
                    "ok": ok,
                    "client_error": error,
                    "message": message,
                    "warnings": [],
                    "tls_version": "1.2" if ok else None,
                }
                for target, ok, error, message in probes
            ],
            "error": None,
        }
        if probes
        else None,
    }


OK = ("https://gw-ok", True, None, "TLS 1.2 within the window")
BAD = ("https://gw-untrusted", False, 61, UNTRUSTED)
OLD = ("https://gw-tls10", False, 47, TLS10)
FLEET = {
    "tc-01": _raw(OK, BAD, OLD),
    "tc-02": _raw(OK),
    "tc-03": _raw(BAD, OLD),
    "tc-04": _raw(),
    "tc-05": _raw(OLD),
    "tc-06": {"unreachable": "ssh: connect to host tc-06 port 22: No route to host"},
    "tc-07": None,
}


def _slices(count: int) -> list[list[str]]:
    hosts = sorted(FLEET)
    return [hosts[number::count] for number in range(count)]


def _write(tmp_path: Path, name: str, report: dict) -> str:
    path = tmp_path / name
    path.write_text(render_json(report))
    return str(path)


@pytest.mark.parametrize("count", [1, 2, 3, 7])
def test_merged_slices_equal_the_unsliced_report_apart_from_the_generation_time(tmp_path, count):
    whole = build_report(hosts=FLEET, title="Fleet", generated="2026-12-02T09:00:00Z")
    partial = []
    for number, members in enumerate(reversed(_slices(count))):
        report = build_report(
            hosts={host: FLEET[host] for host in members},
            title="Fleet",
            generated=f"2026-12-02T10:0{number}:00Z",
        )
        path = _write(tmp_path, f"slice-{number}.json", report)
        partial.append((path, read_report(path, purpose="merge")))
    merged = merge_reports(partial)
    assert merged["generated"] == "2026-12-02T10:00:00Z"  # the earliest slice
    assert render_json({**merged, "generated": whole["generated"]}) == render_json(whole)


def test_the_title_and_generation_time_can_be_given():
    report = build_report(hosts={"tc-01": FLEET["tc-01"]}, title="Slice", generated="2026-12-02T10:00:00Z")
    merged = merge_reports([("a", report)], title="Fleet", generated="2026-12-03T00:00:00Z")
    assert (merged["title"], merged["generated"]) == ("Fleet", "2026-12-03T00:00:00Z")


def _report(hosts, title="Fleet"):
    return build_report(
        hosts={host: FLEET[host] for host in hosts}, title=title, generated="2026-12-02T10:00:00Z"
    )


@pytest.mark.parametrize(
    ("reports", "message"),
    [
        ([], "no partial report given"),
        ([("a", _report(["tc-01"])), ("b", _report(["tc-01", "tc-02"]))], "host tc-01 is also in a"),
        ([("a", _report(["tc-01"], "One")), ("b", _report(["tc-02"], "Two"))], "different titles (One, Two)"),
    ],
)
def test_merges_that_cannot_be_made_are_refused(reports, message):
    with pytest.raises(IcaClientError) as caught:
        merge_reports(reports)
    assert message in caught.value.message


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "No such file or directory"),
        (b"{not json", "not JSON"),
        (b"[]", "not a report"),
        (
            json.dumps({"schema": "icaclient-compliance/1", "hosts": []}).encode(),
            "schema is 'icaclient-compliance/1'",
        ),
        (json.dumps({"schema": SCHEMA, "hosts": "tc-01"}).encode(), "no list of hosts"),
    ],
)
def test_a_file_that_is_not_a_partial_report_is_refused_by_name(tmp_path, content, message):
    path = tmp_path / "report.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(IcaClientError) as caught:
        read_report(str(path), purpose="merge")
    assert caught.value.message.startswith(f"cannot merge the report {path}: ")
    assert message in caught.value.message
