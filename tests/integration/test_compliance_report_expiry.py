"""The expiry forecast on real gateways: the demo's three gateways (scripts/demo_gateways.py) probed
through the engine the connection_probe module runs, a keystore audited as keystore_info does it,
with a root that expires inside the window and an intermediate that has expired, then the report
built as the compliance_report module builds it.

What a user sees: the probe result carries the chain the gateway presented (leaf first, with the
SHA-256 fingerprints `openssl x509` prints for the served files); the forecast groups hosts by
certificate; every expiring certificate is one finding (not three overlapping warnings), expired
ones failures listed before the warnings; the messages count certificates in good English.
"""

from __future__ import annotations

import datetime
import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
from helpers import demo_sandbox
from pki_build import TestPKI

from ansible_collections.icaclient.linux.plugins.module_utils import _probe
from ansible_collections.icaclient.linux.plugins.module_utils._keystore.audit import audit_keystore
from ansible_collections.icaclient.linux.plugins.module_utils._report import build as report_build
from ansible_collections.icaclient.linux.plugins.module_utils._report import page as report_page
from ansible_collections.icaclient.linux.plugins.module_utils._report import render as report_render

DOCS = Path(__file__).resolve().parents[2] / "docs"
SCHEMA = json.loads((DOCS / "compliance-report.schema.json").read_text())
WINDOW = 90


def _fingerprints(pem_file: Path) -> list[str]:
    """SHA-256 fingerprints of every certificate in a PEM file, as `openssl x509` prints them."""
    text = pem_file.read_text()
    blocks = [block + "-----END CERTIFICATE-----\n" for block in text.split("-----END CERTIFICATE-----")[:-1]]
    out = []
    for block in blocks:
        printed = subprocess.run(
            ["openssl", "x509", "-noout", "-fingerprint", "-sha256"],
            input=block,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        out.append(printed.strip().split("=", 1)[1])
    return out


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory):
    """The demo gateways, and three endpoints' results: two with a keystore holding a root that
    expires in 20 days (one of them also an intermediate that expired 3 days ago), one without."""
    base = tmp_path_factory.mktemp("expiry")
    (base / "pki").mkdir()
    pki = TestPKI(base / "pki")
    now = datetime.datetime.now(datetime.timezone.utc)
    soon_root = pki.issue("Expiring Root CA", key=pki.key(), days=20)
    old_intermediate = pki.issue(
        "Expired Issuing CA",
        key=pki.fresh_key(),
        issuer=pki.root,
        not_before=now - datetime.timedelta(days=400),
        not_after=now - datetime.timedelta(days=3),
    )
    with demo_sandbox(base / "sandbox") as sandbox:
        demo = json.loads((sandbox / "demo-vars.json").read_text())
        gateways = {name: gateway["url"] for name, gateway in demo["icaclient_demo_gateways"].items()}
        hosts = {}
        for name, extra_roots, extra_intermediates in (
            ("thin-a", [soon_root], []),
            ("thin-b", [soon_root], [old_intermediate]),
            ("thin-c", [], []),
        ):
            icaroot = base / name / "icaroot"
            cacerts, intcerts = icaroot / "keystore" / "cacerts", icaroot / "keystore" / "intcerts"
            cacerts.mkdir(parents=True)
            intcerts.mkdir()
            shutil.copy(sandbox / "pki" / "corp-root.pem", cacerts / "corp-root.pem")
            for issued in extra_roots:
                (cacerts / "expiring-root.pem").write_bytes(issued.pem)
            for issued in extra_intermediates:
                (intcerts / "expired-ca.pem").write_bytes(issued.pem)
            for folder in (cacerts, intcerts):
                subprocess.run(["openssl", "rehash", str(folder)], check=True, capture_output=True)
            audit = audit_keystore(icaroot=str(icaroot))
            options = _probe.make_options(
                keystore=str(icaroot / "keystore"), min_tls="1.2", max_tls="1.3", timeout=5
            )
            results = [
                r.as_dict()
                for r in _probe.probe_all(
                    [_probe.parse_target(u) for u in gateways.values()], options=options
                )
            ]
            hosts[name] = {
                "roles": [],
                # as compliance.yml hands them over: the certificates inside the window only
                "keystore": {
                    "problems": audit["problems"],
                    "summary": audit["summary"],
                    "certificates": [
                        c
                        for c in audit["certificates"]
                        if isinstance(c.get("days_left"), int) and c["days_left"] <= WINDOW
                    ],
                },
                "probes": {"results": results, "error": None},
            }
        report = report_build.build_report(
            hosts=hosts, title="expiry", generated="2026-12-02T08:00:00Z", expiry_days=WINDOW
        )
        yield {
            "sandbox": sandbox,
            "gateways": gateways,
            "hosts": hosts,
            "report": report,
            "soon_root": soon_root,
            "old_intermediate": old_intermediate,
        }


def test_the_probe_result_carries_the_chain_the_gateway_presented(fleet):
    results = {r["target"]: r for r in fleet["hosts"]["thin-a"]["probes"]["results"]}
    untrusted = results[fleet["gateways"]["untrusted"]]
    assert untrusted["client_error"] == 61  # a chain is read even when the client would refuse it
    served = _fingerprints(fleet["sandbox"] / "gateways" / "untrusted-chain.pem")
    assert [c["fingerprint"] for c in untrusted["chain"]] == served and len(served) == 2
    leaf, intermediate = untrusted["chain"]
    assert leaf["subject"] == untrusted["subject"] and leaf["issuer"] == intermediate["subject"]
    assert leaf["not_after"] == untrusted["not_after"] and 0 < leaf["days_left"] <= 60
    healthy = results[fleet["gateways"]["healthy"]]
    assert healthy["ok"] and [c["fingerprint"] for c in healthy["chain"]] == _fingerprints(
        fleet["sandbox"] / "gateways" / "trusted-chain.pem"
    )


def test_the_forecast_groups_keystore_and_gateway_certificates_by_certificate(fleet):
    report = fleet["report"]
    jsonschema.validate(json.loads(json.dumps(report)), SCHEMA)
    forecast = {c["fingerprint"]: c for c in report["expiry"]["certificates"]}
    root = forecast[fleet["soon_root"].fingerprint]
    assert (root["status"], root["hosts"], root["sources"]) == (
        "warn",
        ["thin-a", "thin-b"],
        ["keystore root"],
    )
    assert root["subject"].startswith("CN=Expiring Root CA") and 18 <= root["days_left"] <= 20
    expired = forecast[fleet["old_intermediate"].fingerprint]
    assert (expired["status"], expired["hosts"], expired["sources"]) == (
        "fail",
        ["thin-b"],
        ["keystore intermediate"],
    )
    gateway_leaf = _fingerprints(fleet["sandbox"] / "gateways" / "untrusted-chain.pem")[0]
    assert forecast[gateway_leaf]["hosts"] == ["thin-a", "thin-b", "thin-c"]
    assert forecast[gateway_leaf]["sources"] == [fleet["gateways"]["untrusted"]]
    assert (report["expiry"]["expired"], report["expiry"]["expiring"]) == (1, 2)


def test_each_expiring_certificate_is_one_finding_failures_first(fleet):
    report = fleet["report"]
    expiry = [f for f in report["findings"] if f["check"] == "expiry"]
    by_certificate = {f["certificate"]: f for f in expiry}
    assert len(expiry) == 3 == len(by_certificate)
    root = by_certificate[fleet["soon_root"].fingerprint]
    assert root["hosts"] == ["thin-a", "thin-b"] and root["status"] == "warn"
    assert fleet["soon_root"].fingerprint in root["cause"] and f"within {WINDOW} days" in root["cause"]
    assert "icaclient_keystore role" in root["fix"]
    expired = by_certificate[fleet["old_intermediate"].fingerprint]
    assert expired["status"] == "fail" and expired["hosts"] == ["thin-b"] and " expired " in expired["cause"]
    statuses = [f["status"] for f in report["findings"]]
    assert statuses == sorted(statuses, key=lambda s: s == "warn"), statuses  # failures before warnings
    # No second or third warning about the same certificates: the keystore audit's "expires soon"
    # and the probe's own expiry warning are left to the expiry findings.
    checks = {(e["host"], c["id"]): c for e in report["hosts"] for c in e["checks"]}
    assert checks[("thin-a", "keystore")]["status"] == "pass"
    assert "expires in" not in checks[("thin-a", f"probe:{fleet['gateways']['untrusted']}")]["message"]
    assert not [f for f in report["findings"] if "expires in" in f["cause"]]
    # The expired intermediate stays a keystore problem too: the client refuses it (error 70).
    keystore = [f for f in report["findings"] if f["kind"] == "keystore"]
    assert [(f["hosts"], f["client_error"]) for f in keystore] == [(["thin-b"], 70)]


def test_the_expiry_messages_count_certificates_in_good_english(fleet):
    checks = {e["host"]: {c["id"]: c for c in e["checks"]} for e in fleet["report"]["hosts"]}
    assert checks["thin-c"]["expiry"]["message"].startswith(f"1 certificate expires within {WINDOW} days: ")
    assert checks["thin-a"]["expiry"]["message"].startswith(f"2 certificates expire within {WINDOW} days: ")
    assert checks["thin-b"]["expiry"]["message"].startswith(
        f"1 certificate expired, 2 certificates expire within {WINDOW} days: "
    )
    text = report_render.render_text(fleet["report"])
    assert "expire within" in text and "1 expire " not in text
    page = report_page.render_html(fleet["report"])
    assert fleet["soon_root"].fingerprint in page and 'id="expiry-table"' in page
