"""A synthetic fleet's compliance results, as playbooks/compliance.yml hands them to the
compliance_report module: ``hosts`` host name -> raw result, 12 checks per host (four roles,
the keystore audit, seven probe targets) with faults spread the way a real fleet has them (a
few causes on many hosts, host-specific addresses and day counts in the messages, some hosts
unreachable). Deterministic: the same ``count`` gives the same fleet.

Used by tests/integration/test_report_browser.py and bench/bench_report.py.
"""

from __future__ import annotations

from typing import Any, Optional

SITES = ("ber", "chi", "lon", "syd")
TARGETS = (
    "https://gateway.corp.example",
    "https://storefront.corp.example/Citrix/Store",
    "https://gw-legacy.corp.example",
    "https://gw-partner.example.net",
    "relay.corp.example:443",
    "https://gw-backup.corp.example",
    "https://apps.corp.example",
)
UNTRUSTED = (
    "the client does not trust CN=Partner Root CA, the issuer of CN=gw-partner.example.net "
    "(seen from {ip}): add the issuing root to /opt/Citrix/ICAClient/keystore/cacerts, then rehash"
)
LEGACY = (
    "gw-legacy.corp.example:443 offers only TLS 1.0, below MinimumTLS=1.2: "
    "enable TLS 1.2 or later on the server"
)


def host_name(index: int) -> str:
    return f"tc-{SITES[index % len(SITES)]}-{index:05d}"


def _ip(index: int) -> str:
    return f"10.{index // 65536 % 256}.{index // 256 % 256}.{index % 256}"


def _probe(index: int, target: str) -> dict[str, Any]:
    ok = {"target": target, "ok": True, "client_error": None, "warnings": [], "tls_version": "1.3"}
    if target == TARGETS[2] and index % 4 == 0:
        return {**ok, "ok": False, "client_error": 47, "message": LEGACY, "tls_version": None}
    if target == TARGETS[3] and index % 13 == 0:
        return {**ok, "ok": False, "client_error": 61, "message": UNTRUSTED.format(ip=_ip(index))}
    if target == TARGETS[4] and index % 50 == 0:
        return {
            **ok,
            "ok": False,
            "client_error": "timeout",
            "message": f"relay.corp.example:443 did not answer {_ip(index)} within 5 s: "
            "open the firewall from the endpoint to the relay",
        }
    if target == TARGETS[5] and index % 9 == 0:
        return {
            **ok,
            "message": "TLS 1.3 within the window",
            "warnings": [f"the server certificate expires in {index % 40 + 5} days"],
        }
    return {**ok, "message": "TLS 1.3 within the window, chain trusted"}


def _role(role: str, *, enforced: bool = True, change: bool = False, error: Optional[str] = None):
    changes = []
    if change:
        changes = [
            {
                "step": "wfclient_result",
                "item": "/opt/Citrix/ICAClient/config/All_Regions.ini",
                "files": [
                    {
                        "file": "/opt/Citrix/ICAClient/config/All_Regions.ini",
                        "added": 2,
                        "removed": 1,
                        "names": ["MinimumTLS", "MaximumTLS"],
                        "note": None,
                    }
                ],
            }
        ]
    return {"role": role, "enforced": enforced, "would_change": change, "changes": changes, "error": error}


def host_result(index: int) -> Optional[dict[str, Any]]:
    if index % 199 == 5:
        return {
            "unreachable": f"Failed to connect to the host via ssh: connect to host {_ip(index)} port 22: No route to host"
        }
    if index % 1009 == 7:
        return None
    problems = []
    if index % 11 == 0:
        problems.append(
            {
                "file": "gte-cybertrust.pem",
                "problem": "expired",
                "message": "expired on 2018-08-13 (client error 70)",
            }
        )
    elif index % 3 == 0:
        problems.append(
            {
                "file": "corp-root.pem",
                "problem": "expires_soon",
                "message": f"expires in {index % 60 + 1} days",
            }
        )
    return {
        "roles": [
            _role("icaclient_keystore"),
            _role("icaclient_config", change=index % 7 == 0),
            _role("icaclient_stores", error="storebrowse timed out" if index % 97 == 0 else None),
            _role("icaclient_smartcard", enforced=False, change=index % 5 == 0),
        ],
        "keystore": {"problems": problems, "summary": {"certificates": 140}, "error": None},
        "probes": {"results": [_probe(index, target) for target in TARGETS], "error": None},
    }


def fleet(count: int) -> dict[str, Optional[dict[str, Any]]]:
    """``count`` hosts' raw results, as the module's ``hosts`` option takes them."""
    return {host_name(index): host_result(index) for index in range(count)}
