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

Import from the submodules: this package's ``__init__`` imports nothing, because every Ansible
worker that templates one of the collection's filters loads every filter file, and
``change_summary`` needs only :mod:`.changes` (re-exporting here made each such worker import
the whole report builder and the prober, about 170 ms per task and host).
"""
