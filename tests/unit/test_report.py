"""The compliance report builder (module_utils/_report.py): checks, JSON, JUnit XML, HTML."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest

from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError
from ansible_collections.icaclient.linux.plugins.module_utils._report.build import build_report, failures
from ansible_collections.icaclient.linux.plugins.module_utils._report.changes import (
    describe_changes,
    summarize_changes,
)
from ansible_collections.icaclient.linux.plugins.module_utils._report.checks import host_checks
from ansible_collections.icaclient.linux.plugins.module_utils._report.page import render_html
from ansible_collections.icaclient.linux.plugins.module_utils._report.render import (
    render_json,
    render_junit,
    render_text,
    write_report,
)

REPO = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((REPO / "docs" / "compliance-report.schema.json").read_text())
SECRET = "Sup3r-s3cret-proxy-pw"
HOSTILE = 'tc-<script>alert("x")</script>&amp;\'01'

WFCLIENT_BEFORE = "[WFClient]\nMinimumTLS=1.0\nProxyPassword=old-value\n"
WFCLIENT_AFTER = f"[WFClient]\nMinimumTLS=1.2\nProxyPassword={SECRET}\nMaximumTLS=1.2\n"


def _probe(target: str, ok: bool, error=None, message: str = "", warnings=()) -> dict:
    return {
        "target": target,
        "ok": ok,
        "client_error": error,
        "message": message,
        "warnings": list(warnings),
        "tls_version": "1.2" if ok else None,
    }


UNTRUSTED = (
    "the client does not trust CN=Rogue Root, the issuer of CN=gw (unable to get local issuer "
    "certificate): add the issuing root to /opt/Citrix/ICAClient/keystore/cacerts, then rehash"
)
TLS10 = "gw:4431 offers only TLS 1.0, below MinimumTLS=1.2: enable TLS 1.2 or later on the server"


def _host(**overrides) -> dict:
    raw = {
        "roles": [
            {
                "role": "icaclient_keystore",
                "enforced": True,
                "would_change": False,
                "changes": [],
                "error": None,
            },
            {
                "role": "icaclient_config",
                "enforced": True,
                "would_change": True,
                "changes": [
                    {
                        "step": "wfclient_result",
                        "item": "/opt/Citrix/ICAClient/config/wfclient.ini",
                        "files": [
                            {
                                "file": "/opt/Citrix/ICAClient/config/wfclient.ini",
                                "added": 2,
                                "removed": 1,
                                "names": ["MinimumTLS", "MaximumTLS"],
                                "note": None,
                            }
                        ],
                    }
                ],
                "error": None,
            },
            {
                "role": "icaclient_smartcard",
                "enforced": False,
                "would_change": True,
                "changes": [],
                "error": None,
            },
            {
                "role": "icaclient_stores",
                "enforced": True,
                "would_change": None,
                "changes": [],
                "error": "boom",
            },
        ],
        "keystore": {"problems": [], "summary": {"certificates": 2}, "error": None},
        "probes": {
            "results": [
                _probe("https://gw-ok", True, message="TLS 1.2 within the window"),
                _probe("https://gw-untrusted", False, 61, UNTRUSTED),
                _probe("https://gw-tls10", False, 47, TLS10),
            ],
            "error": None,
        },
    }
    raw.update(overrides)
    return raw


def _by_id(checks: list[dict]) -> dict[str, dict]:
    return {check["id"]: check for check in checks}


# ---------------------------------------------------------------------------
# summarize_changes / describe_changes


def test_a_changed_ini_diff_is_summarised_by_key_names_without_any_value():
    registered = {
        "__icaclient_config_wfclient_result": {
            "changed": True,
            "results": [
                {
                    "changed": True,
                    "item": "/etc/wfclient.ini",
                    "diff": {
                        "before": WFCLIENT_BEFORE,
                        "after": WFCLIENT_AFTER,
                        "before_header": "/etc/wfclient.ini",
                        "after_header": "/etc/wfclient.ini",
                    },
                },
                {
                    "changed": False,
                    "item": "/etc/usertemplate/wfclient.ini",
                    "diff": {"before": "", "after": ""},
                },
            ],
        }
    }
    changes = summarize_changes(registered, prefix="__icaclient_config_")
    assert changes == [
        {
            "step": "wfclient_result",
            "item": "/etc/wfclient.ini",
            "files": [
                {
                    "file": "/etc/wfclient.ini",
                    "added": 3,
                    "removed": 2,
                    "names": ["MinimumTLS", "ProxyPassword", "MaximumTLS"],
                    "note": None,
                }
            ],
        }
    ]
    text = json.dumps(changes) + describe_changes(changes)
    assert SECRET not in text and "old-value" not in text and "1.2" not in text


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"changed": False, "diff": {"before": "a\n", "after": "b\n"}}, []),
        ({"changed": True, "skipped": True}, []),
        (["not", "a", "result"], []),
        ({"summary": {"certificates": 2}}, []),  # a fact, not a task result
        ({"changed": True}, [{"step": "x", "item": None, "files": []}]),
        (
            {
                "changed": True,
                "diff": {"prepared": "The following NEW packages will be installed:\n  opensc\n"},
            },
            [
                {
                    "step": "x",
                    "item": None,
                    "files": [
                        {
                            "file": None,
                            "added": None,
                            "removed": None,
                            "names": [],
                            "note": "The following NEW packages will be installed: opensc",
                        }
                    ],
                }
            ],
        ),
        (
            {
                "changed": True,
                "results": [{"changed": True, "item": {"name": "corp-root", "content": "PEM"}}],
            },
            [{"step": "x", "item": "corp-root", "files": []}],
        ),
        (
            {
                "changed": True,
                "diff": [
                    {"before": "", "after": "abcd1234.0 -> corp-root.pem\n", "after_header": "cacerts"},
                    {"before": "same\n", "after": "same\n"},
                ],
            },
            [
                {
                    "step": "x",
                    "item": None,
                    "files": [
                        {"file": "cacerts", "added": 1, "removed": 0, "names": ["abcd1234.0"], "note": None}
                    ],
                }
            ],
        ),
    ],
    ids=["unchanged", "skipped", "list", "fact", "no-diff", "prepared", "loop-item-label", "diff-list"],
)
def test_summarize_changes_reads_only_changed_task_results(value, expected):
    assert summarize_changes({"__role_x": value}, prefix="__role_") == expected


def test_describe_changes_adds_up_the_steps_that_change_one_file():
    def change(step: str, key: str) -> dict:
        return {
            "step": step,
            "item": None,
            "files": [{"file": "module.ini", "added": 1, "removed": 1, "names": [key], "note": None}],
        }

    text = describe_changes(
        [
            change("a_result", "SmartCard"),
            change("b_result", "PCSCLibraryName"),
            {"step": "service_result", "item": None, "files": []},
        ]
    )
    assert text == "module.ini (+2/-2: SmartCard, PCSCLibraryName); service"


# ---------------------------------------------------------------------------
# host_checks


def test_host_checks_give_each_role_keystore_and_target_a_status():
    checks = _by_id(host_checks(_host(), "tc-01"))
    assert [c["status"] for c in checks.values()] == [
        "pass",
        "fail",
        "warn",
        "error",
        "pass",
        "pass",
        "fail",
        "fail",
    ]
    assert "MinimumTLS, MaximumTLS" in checks["role:icaclient_config"]["message"]
    assert "not enforced" in checks["role:icaclient_smartcard"]["message"]
    assert "boom" in checks["role:icaclient_stores"]["message"]

    untrusted = checks["probe:https://gw-untrusted"]
    assert untrusted["client_error"] == 61
    assert untrusted["meaning"].startswith("SSL error 61")
    assert untrusted["fix"] == "add the issuing root to /opt/Citrix/ICAClient/keystore/cacerts, then rehash"
    tls10 = checks["probe:https://gw-tls10"]
    assert (tls10["client_error"], tls10["fix"]) == (47, "enable TLS 1.2 or later on the server")
    assert "below MinimumTLS=1.2" in tls10["message"]


@pytest.mark.parametrize(
    ("problems", "status", "error"),
    [
        ([{"file": "a.pem", "problem": "expires_soon", "message": "expires soon"}], "warn", None),
        ([{"file": "gte.pem", "problem": "expired", "message": "expired (client error 70)"}], "fail", 70),
        ([{"file": "big.pem", "problem": "key_over_4096", "message": "too long"}], "fail", 79),
        ([{"file": "r.pem", "problem": "unlinked", "message": "no link"}], "fail", None),
    ],
)
def test_keystore_problems_fail_the_audit_unless_they_only_warn(problems, status, error):
    check = _by_id(host_checks(_host(roles=[], probes=None, keystore={"problems": problems, "summary": {}})))[
        "keystore"
    ]
    assert (check["status"], check["client_error"]) == (status, error)
    assert problems[0]["file"] in check["message"]


def test_a_host_without_a_result_is_an_error_and_a_probe_warning_is_a_warning():
    assert [c["status"] for c in host_checks(None, "gone")] == ["error"]
    warned = host_checks(
        _host(
            roles=[],
            keystore=None,
            probes={"results": [_probe("gw", True, message="ok", warnings=["expires in 9 days"])]},
        )
    )
    assert [(c["status"], c["message"]) for c in warned] == [("warn", "ok; expires in 9 days")]
    failed_probe = host_checks(
        _host(roles=[], keystore=None, probes={"error": "cannot import ssl", "results": []})
    )
    assert [(c["status"], c["id"]) for c in failed_probe] == [("error", "probe")]


@pytest.mark.parametrize("raw", [["not", "a", "mapping"], {"roles": [{"enforced": True}]}])
def test_malformed_host_results_are_refused_naming_the_host(raw):
    with pytest.raises(IcaClientError, match="tc-bad"):
        build_report(hosts={"tc-bad": raw}, title="t", generated="now")


# ---------------------------------------------------------------------------
# The report and its renderings


@pytest.fixture
def report() -> dict:
    return build_report(
        hosts={"tc-02": _host(), HOSTILE: _host(roles=[], keystore=None), "tc-gone": None},
        title="Fleet <compliance> & more",
        generated="2026-01-01T12:00:00Z",
    )


def test_the_json_report_follows_its_schema_and_counts(report):
    document = json.loads(render_json(report))
    jsonschema.validate(document, SCHEMA)
    assert [h["host"] for h in document["hosts"]] == sorted(["tc-02", HOSTILE, "tc-gone"])
    assert document["summary"] == {
        "hosts": 3,
        "hosts_passed": 0,
        "hosts_warned": 0,
        "hosts_failed": 3,
        "checks": 8 + 3 + 1,
        "passed": 3 + 1,
        "warnings": 1,
        "failed": 3 + 2 + 1 + 1,
        "errors": 2,
        "findings": 6,
    }
    # a column per check: roles, then the keystore, then the targets; the host check first
    assert [c["id"] for c in document["columns"]][:2] == ["host", "role:icaclient_keystore"]
    assert [c["id"] for c in document["columns"]][-3:] == [
        "probe:https://gw-ok",
        "probe:https://gw-untrusted",
        "probe:https://gw-tls10",
    ]
    assert {(f["host"], f["client_error"]) for f in failures(report)} >= {("tc-02", 61), (HOSTILE, 47)}


def test_junit_has_one_suite_per_host_one_case_per_check_and_the_failures(report):
    root = ET.fromstring(render_junit(report))
    suites = {suite.get("name"): suite for suite in root.findall("testsuite")}
    assert set(suites) == {"tc-02", HOSTILE, "tc-gone"}
    for entry in report["hosts"]:
        suite = suites[entry["host"]]
        cases = suite.findall("testcase")
        assert len(cases) == len(entry["checks"]) == int(suite.get("tests"))
        assert len(suite.findall("testcase/failure")) == entry["counts"]["fail"] == int(suite.get("failures"))
        assert len(suite.findall("testcase/error")) == entry["counts"]["error"] == int(suite.get("errors"))
    assert int(root.get("tests")) == report["summary"]["checks"]
    assert int(root.get("failures")) + int(root.get("errors")) == report["summary"]["failed"]
    failure = suites["tc-02"].find("testcase[@name='https://gw-untrusted']/failure")
    assert failure.get("type") == "client_error_61"
    assert failure.get("message") == UNTRUSTED
    assert "fix: add the issuing root" in failure.text


def test_junit_stays_well_formed_with_control_characters_from_a_server():
    raw = _host(
        roles=[], keystore=None, probes={"results": [_probe("gw", False, 47, "server said \x00\x07\x1b[31m")]}
    )
    root = ET.fromstring(render_junit(build_report(hosts={"h": raw}, title="t", generated="g")))
    assert "server said \ufffd\ufffd\ufffd[31m" in root.find(".//failure").get("message")


def test_html_escapes_hostile_names_and_messages(report):
    page = render_html(report, comment="generated -- by a test")
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;amp;&#x27;01" in page
    assert "Fleet &lt;compliance&gt; &amp; more" in page
    assert "SSL error 61" in page
    assert (
        '<td class="fix">add the issuing root to /opt/Citrix/ICAClient/keystore/cacerts, then rehash</td>'
        in page
    )
    assert "<!-- generated - - by a test -->" in page


def test_html_is_self_contained(report):
    page = render_html(report)
    assert re.search(r"""\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.IGNORECASE) is None
    assert "<link" not in page and "@import" not in page and "url(" not in page
    assert "<style>" in page
    # every host fails: a row per host in the host table, none collapsed as compliant
    assert page.count("<tr class=fail>") == len(report["hosts"])
    assert "compliant-hosts" not in page


def test_text_summary_names_the_failures_and_the_html_path(report):
    text = render_text(report, paths={"html": "/r/report.html"})
    assert "[client error 61]" in text and "HTML report: /r/report.html" in text


def test_write_report_writes_three_files_once_and_nothing_in_check_mode(report, tmp_path):
    dest = tmp_path / "out" / "run1"
    paths, changed = write_report(report, str(dest), check_mode=True)
    assert changed and not dest.exists()
    paths, changed = write_report(report, str(dest))
    assert changed and sorted(Path(p).name for p in paths.values()) == [
        "junit.xml",
        "report.html",
        "report.json",
    ]
    stamps = {name: Path(path).stat().st_mtime_ns for name, path in paths.items()}
    assert write_report(report, str(dest)) == (paths, False)
    assert write_report(report, str(dest), check_mode=True) == (paths, False)
    assert {name: Path(path).stat().st_mtime_ns for name, path in paths.items()} == stamps


def test_write_report_refuses_a_file_as_folder_and_unknown_formats(report, tmp_path):
    blocker = tmp_path / "report"
    blocker.write_text("x")
    with pytest.raises(IcaClientError, match=f"{blocker}: it exists and is not a folder"):
        write_report(report, str(blocker))
    with pytest.raises(IcaClientError, match="unknown format"):
        write_report(report, str(tmp_path / "r"), formats=["pdf"])
    assert blocker.read_text() == "x" and not (tmp_path / "r").exists()


@pytest.mark.parametrize(
    ("would_change", "changes", "status"),
    [
        (False, [], "pass"),
        ("False", [], "pass"),
        ("True", [], "fail"),
        (None, [{"step": "s", "files": []}], "fail"),
    ],
)
def test_a_role_fails_when_it_would_change_whatever_form_the_flag_takes(would_change, changes, status):
    entry = {
        "role": "icaclient_x",
        "enforced": True,
        "would_change": would_change,
        "changes": changes,
        "error": None,
    }
    (check,) = host_checks({"roles": [entry]})
    assert check["status"] == status


def test_a_host_that_did_not_answer_is_an_error_with_the_connections_message():
    reason = "Failed to connect to the host via ssh: ssh: connect to host 10.0.0.7 port 22: No route to host"
    report = build_report(
        hosts={"thin-07": {"unreachable": reason + "\n"}}, title="t", generated="2026-01-01T00:00:00Z"
    )
    [entry] = report["hosts"]
    assert entry["status"] == "fail"
    assert [(c["id"], c["status"], c["message"]) for c in entry["checks"]] == [
        ("host", "error", f"unreachable: {reason}; no check could run on it")
    ]
    assert report["summary"]["hosts_failed"] == 1 and report["summary"]["errors"] == 1
