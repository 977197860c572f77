# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import annotations


class ModuleDocFragment:
    # The folder and the check mode of the modules that write a report (compliance_report,
    # compliance_report_merge, compliance_whatif); a module's own dest description wins.
    DOCUMENTATION = r"""
options:
  dest:
    description:
      - Folder to write the report into; created when missing.
    type: path
    required: true
notes:
  - Supports check mode (nothing is written; C(changed) says whether something would be).
"""

    # The formats of the compliance report (compliance_report, compliance_report_merge).
    FORMATS = r"""
options:
  formats:
    description:
      - Which files to write.
    type: list
    elements: str
    choices: [json, junit, html]
    default: [json, junit, html]
"""
