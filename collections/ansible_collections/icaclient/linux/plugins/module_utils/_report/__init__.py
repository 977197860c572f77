# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""The compliance report: what each endpoint's checks found, as JSON, JUnit XML and one HTML page.

Pure functions, no Ansible: ``playbooks/compliance.yml`` collects per host what the roles
would change in check mode (:mod:`.changes`), the keystore audit and the connection probes;
the ``compliance_report`` module turns that into checks (:mod:`.checks`), one report with its
findings grouped by cause (:mod:`.build`, :mod:`.findings`), the expiry forecast
(:mod:`.expiry`), the drift since a baseline report (:mod:`.drift`) and its renderings
(:mod:`.render`: JSON, JUnit, console text; :mod:`.page`: the HTML page) and its files
(:mod:`.files`: reading a report.json back, writing the renderings).
"""

from __future__ import annotations

from .build import SCHEMA, assemble_report, build_report, failures, host_entry
from .changes import describe_changes, summarize_changes
from .checks import STATUSES, host_checks
from .drift import compare_reports, new_problems
from .expiry import DEFAULT_DAYS as DEFAULT_EXPIRY_DAYS
from .expiry import forecast
from .files import read_report, write_files
from .findings import cause_of, group_findings
from .page import render_html
from .render import FILES, render_json, render_junit, render_text, report_outcome, write_report

__all__ = [
    "DEFAULT_EXPIRY_DAYS",
    "FILES",
    "SCHEMA",
    "STATUSES",
    "assemble_report",
    "build_report",
    "cause_of",
    "compare_reports",
    "describe_changes",
    "failures",
    "forecast",
    "group_findings",
    "host_checks",
    "host_entry",
    "new_problems",
    "read_report",
    "render_html",
    "render_json",
    "render_junit",
    "render_text",
    "report_outcome",
    "summarize_changes",
    "write_files",
    "write_report",
]
