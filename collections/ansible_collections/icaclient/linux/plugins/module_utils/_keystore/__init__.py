# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""The client's keystore: plan and apply adding or removing CA certificates, and audit it.

PRIVATE: this is not a public API of the collection.

Layout: ``<icaroot>/keystore/cacerts`` holds trusted roots (kind ``root``),
``<icaroot>/keystore/intcerts`` intermediates (kind ``intermediate``; the folder
may be missing and is created). The client loads PEM files holding ONE
certificate each through OpenSSL subject-hash links (``HHHHHHHH.N``).

:mod:`.folder` (what a folder holds), :mod:`.plan` (planning and applying one folder's
change), :mod:`.ensure` (the keystore_cert operation: a list of certificate items),
:mod:`.summary` (what a change did) and :mod:`.audit` (the keystore audit).
"""

from __future__ import annotations

from .audit import PROBLEMS, audit_folder, audit_keystore
from .ensure import CertificateItem, ensure_certificates, folder_after, plan_certificate
from .folder import FOLDERS, FolderState, StoredFile, keystore_dir, scan_folder
from .plan import KeystorePlan, apply_plan, apply_plans, plan_add, plan_remove

__all__ = [
    "FOLDERS",
    "PROBLEMS",
    "CertificateItem",
    "FolderState",
    "KeystorePlan",
    "StoredFile",
    "apply_plan",
    "apply_plans",
    "audit_folder",
    "audit_keystore",
    "ensure_certificates",
    "folder_after",
    "keystore_dir",
    "plan_add",
    "plan_certificate",
    "plan_remove",
    "scan_folder",
]
