#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: compliance_report
short_description: Write the compliance report of Citrix Workspace app endpoints (JSON, JUnit XML, HTML)
version_added: 0.1.0
author: icaclient.linux developers (@icaclient-linux)
description:
  - Turns what a compliance run collected per endpoint (what the roles would change in check
    mode, the keystore audit of M(icaclient.linux.keystore_info), the verdicts of
    M(icaclient.linux.connection_probe)) into checks with a status (V(pass), V(warn),
    V(fail), V(error)) and writes one report per run into O(dest).
  - "C(report.json): the whole report, schema C(icaclient-compliance/3)
    (C(docs/compliance-report.schema.json)), with C(findings): the failures and warnings
    grouped by cause (check, client error, the message without its host-specific parts, the
    fix) with the number of hosts and their names, failures before warnings, then the most hosts first;
    one finding per expiring certificate. C(junit.xml): one testsuite
    per host, one testcase per check, a C(failure) (or C(error) when the check could not run)
    with the message. C(report.html): one self-contained page (inline CSS and SVG, no script,
    no external asset) whose first screen is the fleet (hosts by status, each check's pass,
    warn and fail counts as a chart, the findings with their host counts and fixes), then the
    hosts that are not compliant with one badge per check and their messages on demand, and
    the compliant hosts as one collapsed list."
  - "With O(baseline), a previous C(report.json): the report says per finding and per host what is
    new, what was fixed and what stays (C(drift) in C(report.json)); C(junit.xml) marks each new
    failure (message starting with C([new]), testcase property C(drift=new)); the HTML page
    starts with it."
  - "Expiry forecast: the keystore roots and intermediates (the C(certificates) of
    keystore_info, in C(keystore)) and the server certificates the probed gateways present
    that expire within O(expiry_days) make a C(certificate expiry) check per host (expired is
    a failure, within the window a warning) and C(expiry) in C(report.json), grouped by
    certificate, drawn as a timeline in the HTML page."
  - "The console text (RV(text)) lists every check of every host up to 50 hosts; beyond, the
    totals and the findings."
  - "Runs where the report is wanted, usually the controller (C(delegate_to: localhost) with
    C(run_once: true)); C(playbooks/compliance.yml) shows the whole run."
  - A role's changes are summarised as file names, line counts and ini key names, never values.
  - Files whose content is already the same are not touched.
options:
  hosts:
    description:
      - "Host name -> what the compliance run collected for it, or null for a host that left
        the play before (unreachable or failed): C(roles) (list of C(role), C(enforced),
        C(would_change), C(changes) as the P(icaclient.linux.change_summary#filter) filter makes
        them, C(error)), C(keystore) (the C(problems) and C(summary) of keystore_info, or
        C(error); optionally its C(certificates) for the expiry forecast), C(probes) (the C(results) of connection_probe, or C(error)); or only
        C(unreachable), the connection's message, for a host that did not answer (reported as an
        error of the host with that reason)."
    type: dict
    required: true
  title:
    description:
      - The report's title.
    type: str
    default: Citrix Workspace app compliance
  generated:
    description:
      - When the run was made, as shown in the report (ISO 8601). Defaults to now (UTC); give
        the run's start to make the report reproducible.
    type: str
  baseline:
    description:
      - A previous run's C(report.json) (schema C(icaclient-compliance/2) or C(/3)) to compare
        with. A file that cannot be read or is not a report fails the module, naming it.
    type: path
  expiry_days:
    description:
      - A certificate that expires within this many days is a warning of the expiry forecast.
    type: int
    default: 90
extends_documentation_fragment:
  - icaclient.linux.report_files
  - icaclient.linux.report_files.formats
seealso:
  - module: icaclient.linux.connection_probe
  - module: icaclient.linux.keystore_info
"""

EXAMPLES = r"""
- name: Write the report of the run on the controller
  icaclient.linux.compliance_report:
    dest: "{{ playbook_dir }}/../out/compliance/{{ run_stamp }}"
    generated: "{{ run_started }}"
    # One list of pairs, then one dict: linear in the hosts (a combine per host is quadratic).
    hosts: >-
      {%- set pairs = [] -%}
      {%- for host in ansible_play_hosts_all -%}
      {%-   set _ = pairs.append([host, hostvars[host]['compliance_result'] | default(none)]) -%}
      {%- endfor -%}
      {{ dict(pairs) }}
  delegate_to: localhost
  run_once: true
  check_mode: false
  register: report

- name: Show the findings and where the HTML page is
  ansible.builtin.debug:
    msg: "{{ report.text }}"
  run_once: true
"""

RETURN = r"""
paths:
  description: Format -> path of the file written.
  returned: always
  type: dict
  sample:
    json: /srv/reports/20260101T120000Z/report.json
    junit: /srv/reports/20260101T120000Z/junit.xml
    html: /srv/reports/20260101T120000Z/report.html
summary:
  description: Counts over the whole run (V(failed) includes the checks in error).
  returned: always
  type: dict
  sample:
    hosts: 1
    hosts_passed: 0
    hosts_warned: 0
    hosts_failed: 1
    checks: 8
    passed: 5
    warnings: 1
    failed: 2
    errors: 0
    findings: 2
failures:
  description: Every failing check.
  returned: always
  type: list
  elements: dict
  sample:
    - host: tc-ber-001
      check: https://gateway.example.com
      status: fail
      client_error: 61
      message: "the client does not trust CN=Corp Root, the issuer of CN=gateway.example.com: add the
        issuing root to /opt/Citrix/ICAClient/keystore/cacerts, then rehash"
      fix: add the issuing root to /opt/Citrix/ICAClient/keystore/cacerts, then rehash
drift:
  description:
    - What changed since O(baseline) (as in C(report.json)); null without a baseline.
  returned: always
  type: dict
  sample:
    baseline: {title: Citrix Workspace app compliance, generated: "2026-01-01T12:00:00Z", schema: icaclient-compliance/3}
    summary: {new_findings: 1, fixed_findings: 0, staying_findings: 2, new_problems: 1, fixed_problems: 0,
              staying_problems: 2, hosts_with_new: 1, hosts_with_fixed: 0, hosts_added: 0, hosts_removed: 0}
expiry:
  description:
    - The expiry forecast (as in C(report.json)), the soonest certificate first.
  returned: always
  type: dict
  sample:
    days: 90
    expired: 0
    expiring: 1
    certificates:
      - subject: CN=gateway.example.com
        fingerprint: null
        not_after: "2026-02-20T00:00:00Z"
        days_left: 50
        status: warn
        sources: [https://gateway.example.com]
        host_count: 2
        hosts: [tc-ber-001, tc-ber-002]
findings:
  description:
    - The failures and warnings grouped by cause (one per expiring certificate), failures before warnings,
      then the most hosts first (as in C(report.json)).
  returned: always
  type: list
  elements: dict
  sample:
    - number: 1
      check: probe:https://gateway.example.com
      name: https://gateway.example.com
      kind: probe
      status: fail
      client_error: 61
      meaning: "SSL error 61: the issuer of the server certificate is not trusted"
      cause: "the client does not trust CN=Corp Root, the issuer of CN=gateway.example.com: add the
        issuing root to /opt/Citrix/ICAClient/keystore/cacerts, then rehash"
      fix: add the issuing root to /opt/Citrix/ICAClient/keystore/cacerts, then rehash
      host_count: 2
      hosts: [tc-ber-001, tc-ber-002]
text:
  description:
    - The totals, the findings and the paths as lines for the console; every check of every
      host too when the run has at most 50 hosts.
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.icaclient.linux.plugins.module_utils._report.build import build_report
from ansible_collections.icaclient.linux.plugins.module_utils._report.files import read_report
from ansible_collections.icaclient.linux.plugins.module_utils._report.module_frame import (
    FORMATS_OPTION,
    exit_with,
    run_time,
)
from ansible_collections.icaclient.linux.plugins.module_utils._report.render import report_outcome


def _report(params, check_mode):
    baseline = read_report(params["baseline"], purpose="baseline") if params["baseline"] else None
    report = build_report(
        hosts=params["hosts"],
        title=params["title"],
        generated=run_time(params["generated"]),
        baseline=baseline,
        expiry_days=params["expiry_days"],
    )
    outcome = report_outcome(
        report,
        dest=params["dest"],
        formats=params["formats"],
        comment="generated by icaclient.linux.compliance_report",
        check_mode=check_mode,
    )
    return {**outcome, "findings": report["findings"], "drift": report["drift"], "expiry": report["expiry"]}


def main():
    spec = dict(
        dest=dict(type="path", required=True),
        hosts=dict(type="dict", required=True),
        title=dict(type="str", default="Citrix Workspace app compliance"),
        generated=dict(type="str"),
        baseline=dict(type="path"),
        expiry_days=dict(type="int", default=90),
        formats=FORMATS_OPTION,
    )
    exit_with(AnsibleModule(argument_spec=spec, supports_check_mode=True), _report)


if __name__ == "__main__":
    main()
