#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: compliance_report_merge
short_description: Merge the partial compliance reports of a sliced run into one report
version_added: 0.1.0
author: icaclient.linux developers (@icaclient-linux)
description:
  - AWX and Automation Platform split a big inventory into job slices; each slice runs
    C(playbooks/compliance.yml) over its share of the hosts and writes a partial report. This
    module reads any number of those C(report.json) files and writes the one report an
    unsliced run over all their hosts would have written (C(report.json), C(junit.xml),
    C(report.html)), apart from the generation time.
  - The host entries of the partial reports are combined and the report is rebuilt from them
    with the same code as M(icaclient.linux.compliance_report), so columns, totals and findings
    are those of the whole fleet.
  - "Runs where the partial reports are, usually the controller (C(delegate_to: localhost) with
    C(run_once: true))."
  - Files whose content is already the same are not touched.
options:
  src:
    description:
      - The partial C(report.json) files, one per job slice, in any order.
      - Every file must have the schema this collection writes; a host in two files is refused.
    type: list
    elements: path
    required: true
  dest:
    description:
      - Folder to write the merged report into; created when missing.
    type: path
    required: true
  title:
    description:
      - The merged report's title. Defaults to the partial reports' title, which must then be the
        same in all of them.
    type: str
  generated:
    description:
      - When the run was made, as shown in the report (ISO 8601). Defaults to the earliest
        generation time of the partial reports, the start of the sliced run.
    type: str
  formats:
    description:
      - Which files to write.
    type: list
    elements: str
    choices: [json, junit, html]
    default: [json, junit, html]
notes:
  - Supports check mode (nothing is written; C(changed) says whether something would be).
seealso:
  - module: icaclient.linux.compliance_report
"""

EXAMPLES = r"""
- name: Merge the reports of the three job slices
  icaclient.linux.compliance_report_merge:
    src:
      - /srv/reports/slice1/report.json
      - /srv/reports/slice2/report.json
      - /srv/reports/slice3/report.json
    dest: /srv/reports/fleet
  delegate_to: localhost
  run_once: true
  register: merged

- name: Show the findings of the whole fleet
  ansible.builtin.debug:
    msg: "{{ merged.text }}"
  run_once: true
"""

RETURN = r"""
paths:
  description: Format -> path of the file written.
  returned: always
  type: dict
  sample:
    json: /srv/reports/fleet/report.json
    junit: /srv/reports/fleet/junit.xml
    html: /srv/reports/fleet/report.html
summary:
  description: Counts over all the hosts of the partial reports, as in M(icaclient.linux.compliance_report).
  returned: always
  type: dict
  sample:
    hosts: 3
    hosts_passed: 1
    hosts_warned: 0
    hosts_failed: 2
    checks: 24
    passed: 20
    warnings: 1
    failed: 3
    errors: 0
    findings: 2
failures:
  description: Every failing check of every host.
  returned: always
  type: list
  elements: dict
  sample:
    - host: tc-ber-001
      check: https://gateway.example.com
      status: fail
      client_error: 61
      message: the client does not trust CN=Corp Root, the issuer of CN=gateway.example.com
      fix: add the issuing root to /opt/Citrix/ICAClient/keystore/cacerts, then rehash
text:
  description: The totals, the findings and where the files are, as lines for the console.
  returned: always
  type: str
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError
from ansible_collections.icaclient.linux.plugins.module_utils._report import (
    failures,
    render_text,
    write_report,
)
from ansible_collections.icaclient.linux.plugins.module_utils._report_merge import (
    merge_reports,
    read_partial_report,
)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            src=dict(type="list", elements="path", required=True),
            dest=dict(type="path", required=True),
            title=dict(type="str"),
            generated=dict(type="str"),
            formats=dict(
                type="list",
                elements="str",
                choices=["json", "junit", "html"],
                default=["json", "junit", "html"],
            ),
        ),
        supports_check_mode=True,
    )
    params = module.params
    try:
        partial = [(path, read_partial_report(path)) for path in params["src"]]
        report = merge_reports(partial, title=params["title"], generated=params["generated"])
        paths, changed = write_report(
            report,
            params["dest"],
            formats=params["formats"],
            comment="generated by icaclient.linux.compliance_report_merge",
            check_mode=module.check_mode,
        )
    except IcaClientError as exc:
        module.fail_json(msg=exc.message, **exc.details)
    module.exit_json(
        changed=changed,
        paths=paths,
        summary=report["summary"],
        failures=failures(report),
        text=render_text(report, paths=paths),
    )


if __name__ == "__main__":
    main()
