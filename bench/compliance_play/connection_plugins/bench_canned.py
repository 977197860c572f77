# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bench only: a connection that answers every module run with a canned result.

bench/bench_compliance_play.py points ANSIBLE_CONNECTION_PLUGINS here so that the whole
compliance play runs at 1,000 and 5,000 inventory hosts on two cores while the controller does
all of its real work: templating, building the AnsiballZ payload of each module, forking the
workers, the strategy, the callbacks, the results, the report module on localhost. Only the
endpoint's side is replaced: the payload is read for the module's name (it travels in the
pipelined wrapper) and a result made from the host's name is returned, as fast as a host can
answer. Never used outside the bench.
"""

from __future__ import annotations

import ast
import json
import re
import zlib

from ansible.plugins.connection import ConnectionBase

DOCUMENTATION = r"""
name: bench_canned
short_description: Bench only, answers module runs with canned results
description:
  - Used by bench/bench_compliance_play.py; not part of the collection.
author: icaclient.linux developers (@icaclient-linux)
options: {}
"""

TARGETS = ("https://gateway.corp.example", "https://gw-legacy.corp.example", "https://apps.corp.example")


def _index(host: str) -> int:
    digits = "".join(ch for ch in host if ch.isdigit())
    return int(digits) if digits else zlib.crc32(host.encode())


def keystore_result(host: str) -> dict:
    index = _index(host)
    certificates = [
        {
            "kind": "root",
            "file": "corp-root.pem",
            "subject": "CN=Corp Root CA",
            "fingerprint": "AA:" * 31 + "01",
            "not_after": "2035-01-01T00:00:00Z",
            "days_left": 2952,
        }
    ]
    if index % 17 == 0:
        certificates.append(
            {
                "kind": "intermediate",
                "file": "issuing-2.pem",
                "subject": "CN=Corp Issuing CA 2",
                "fingerprint": "BB:" * 31 + "02",
                "not_after": "2027-02-01T00:00:00Z",
                "days_left": 61,
            }
        )
    problems = []
    if index % 23 == 0:
        problems.append(
            {"file": "old.pem", "problem": "expired", "message": "expired on 2018-08-13 (client error 70)"}
        )
    return {
        "changed": False,
        "certificates": certificates,
        "problems": problems,
        "summary": {"certificates": len(certificates), "problems": len(problems)},
    }


# The module's arguments travel in the AnsiballZ wrapper as ``params='<JSON>',``.
_PARAMS = re.compile(rb"^params=('.*'),$", re.MULTILINE)


def module_args(data: bytes) -> dict:
    found = _PARAMS.search(data)
    if not found:
        return {}
    return json.loads(ast.literal_eval(found.group(1).decode())).get("ANSIBLE_MODULE_ARGS", {})


def probe_result(host: str, args: dict | None = None) -> dict:
    """The canned verdicts; with the what-if's ``min_tls: "1.3"``, the gateway of every fifth
    host (TLS 1.2 only there) breaks with 47."""
    index = _index(host)
    strict = (args or {}).get("min_tls") == "1.3"
    results = []
    for target in TARGETS:
        result = {
            "target": target,
            "ok": True,
            "client_error": None,
            "message": "TLS 1.3 within the window, chain trusted",
            "warnings": [],
            "tls_version": "1.3",
            "subject": f"CN={target.split('/')[2]}",
            "not_after": "2027-06-01T00:00:00Z",
            "days_left": 181,
        }
        if target == TARGETS[1] and index % 4 == 0:
            result.update(
                ok=False,
                client_error=47,
                tls_version=None,
                message="gw-legacy.corp.example:443 offers only TLS 1.0, below MinimumTLS=1.2: enable TLS 1.2 or later",
            )
        if target == TARGETS[0] and strict and index % 5 == 0:
            result.update(
                ok=False,
                client_error=47,
                tls_version=None,
                message="gateway.corp.example:443 offers only TLS 1.2, below MinimumTLS=1.3: enable TLS 1.3",
            )
        if target == TARGETS[2] and index % 9 == 0:
            result.update(not_after="2027-01-10T00:00:00Z", days_left=38)
        results.append(result)
    return {"changed": False, "results": results}


class Connection(ConnectionBase):
    transport = "bench_canned"
    has_pipelining = True
    always_pipeline_modules = True

    def _connect(self):
        self._connected = True
        return self

    def exec_command(self, cmd, in_data=None, sudoable=True):
        super().exec_command(cmd, in_data=in_data, sudoable=sudoable)
        data = in_data or b""
        host = str(self._play_context.remote_addr)
        if b"plugins.modules.keystore_info" in data:
            result = keystore_result(host)
        elif b"plugins.modules.connection_probe" in data:
            result = probe_result(host, module_args(data))
        elif b"modules.ping" in data:
            result = {"changed": False, "ping": "pong"}
        else:
            result = {"changed": False}
        return 0, json.dumps(result).encode(), b""

    def put_file(self, in_path, out_path):
        raise NotImplementedError("the bench connection runs pipelined modules only")

    def fetch_file(self, in_path, out_path):
        raise NotImplementedError("the bench connection runs pipelined modules only")

    def close(self):
        self._connected = False
