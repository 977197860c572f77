#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: compliance_whatif
short_description: Write the what-if report of a proposed change to Citrix Workspace app endpoints
version_added: 0.2.0
author: icaclient.linux developers (@icaclient-linux)
description:
  - Pairs, for every host and target, the verdict of M(icaclient.linux.connection_probe) with the
    endpoint's current settings and the verdict with the proposed ones (its O(icaclient.linux.connection_probe#module:min_tls),
    O(icaclient.linux.connection_probe#module:trust_add) and other overrides, judged without changing the endpoint),
    and says which hosts and targets go from pass to fail (V(breaks)), from fail to pass (V(fixes)),
    fail with another client error (V(error_changes)), or stay as they are.
  - "Writes into O(dest): C(whatif.json) (schema C(icaclient-whatif/1): the proposal, the counts, the
    changes grouped by cause with their host counts and names, worst and largest first, and every
    host's targets before and after), C(whatif.txt) (the console summary, also returned as RV(text))
    and C(whatif.html) (one self-contained page, the compliance report's style, no script)."
  - "Runs where the report is wanted, usually the controller (C(delegate_to: localhost) with
    C(run_once: true)); C(playbooks/whatif.yml) shows the whole run."
  - Files whose content is already the same are not touched.
options:
  hosts:
    description:
      - "Host name -> what the run collected for it: C(current) and C(proposed), each the
        C(results) of connection_probe or C(error) (why that probe failed); or only C(unreachable),
        the connection's message; or null for a host that left the play before its result."
    type: dict
    required: true
  proposed:
    description:
      - The proposal as the report shows it (setting -> value; certificates by name, never a secret).
    type: dict
    default: {}
  title:
    description:
      - The report's title.
    type: str
    default: "What-if: Citrix Workspace app endpoints"
  generated:
    description:
      - When the run was made, as shown in the report (ISO 8601). Defaults to now (UTC).
    type: str
extends_documentation_fragment:
  - icaclient.linux.report_files
seealso:
  - module: icaclient.linux.connection_probe
  - module: icaclient.linux.compliance_report
"""

EXAMPLES = r"""
- name: Write the what-if report on the controller
  icaclient.linux.compliance_whatif:
    dest: /srv/reports/whatif
    proposed: {min_tls: "1.3", max_tls: "1.3"}
    hosts:
      tc-ber-001:
        current: {results: "{{ today.results }}"}
        proposed: {results: "{{ tomorrow.results }}"}
  delegate_to: localhost
  run_once: true
"""

RETURN = r"""
paths:
  description: The files of the report.
  returned: always
  type: dict
  sample: {"json": "/srv/reports/whatif/whatif.json", "text": "/srv/reports/whatif/whatif.txt",
    "html": "/srv/reports/whatif/whatif.html"}
summary:
  description:
    - Hosts by what the proposal does to them (C(hosts_breaking) when any target breaks, then
      C(hosts_error_changes), C(hosts_fixed_only), C(hosts_unchanged), C(hosts_not_compared)) and
      targets by change (C(targets)).
  returned: always
  type: dict
  sample:
    hosts: 3
    hosts_breaking: 1
    hosts_fixed_only: 1
    hosts_error_changes: 0
    hosts_unchanged: 1
    hosts_not_compared: 0
    targets: {"breaks": 1, "error_changes": 0, "fixes": 1, "still_fails": 0, "still_passes": 4}
changes:
  description: Targets that break, fail differently, are fixed or still fail, grouped by cause.
  returned: always
  type: list
  elements: dict
  contains:
    change:
      description: V(breaks), V(error_changes), V(fixes) or V(still_fails).
      type: str
      sample: breaks
    target:
      description: The target as given to the probe.
      type: str
      sample: https://gateway.example.com
    before:
      description: The client error today; null when it passes.
      type: raw
      sample: null
    after:
      description: The client error under the proposal; null when it passes.
      type: raw
      sample: 47
    meaning:
      description: What the client error means (of the failure the change is about).
      type: str
      sample: "SSL error 47: handshake failure"
    cause:
      description: The message explaining the new verdict (for a fix, today's failure), host names taken out.
      type: str
    host_count:
      description: How many hosts.
      type: int
      sample: 1200
    hosts:
      description: Their names, sorted.
      type: list
      elements: str
text:
  description: The console summary (the proposal, the counts, the largest changes, the paths).
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.icaclient.linux.plugins.module_utils._report.module_frame import exit_with, run_time
from ansible_collections.icaclient.linux.plugins.module_utils._report.whatif import compare_fleet
from ansible_collections.icaclient.linux.plugins.module_utils._report.whatif_render import (
    render_text,
    write_whatif,
)


def _whatif(params, check_mode):
    report = compare_fleet(
        params["hosts"],
        proposed=params["proposed"],
        generated=run_time(params["generated"]),
        title=params["title"],
    )
    paths, changed = write_whatif(report, params["dest"], check_mode=check_mode)
    text = render_text(report, paths=paths)
    return {
        "changed": changed,
        "paths": paths,
        "summary": report["summary"],
        "changes": report["changes"],
        "text": text,
    }


def main():
    spec = dict(
        dest=dict(type="path", required=True),
        hosts=dict(type="dict", required=True),
        proposed=dict(type="dict", default={}),
        title=dict(type="str", default="What-if: Citrix Workspace app endpoints"),
        generated=dict(type="str"),
    )
    exit_with(AnsibleModule(argument_spec=spec, supports_check_mode=True), _whatif)


if __name__ == "__main__":
    main()
