# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""The ini engine: the client's ini files and lockdown profiles, read and edited losslessly.

- :mod:`.lines`, :mod:`.document`: the lossless parser and writer.
- :mod:`.schema` (known keys, boolean words, TLS), :mod:`.values` (one value),
  :mod:`.rules` (the configured schema, whole sections).
- :mod:`.client_ini` (an edit of one section planned in memory), :mod:`.files` (a file and its
  copies written as one transaction).
- :mod:`.restriction` (what a lockdown restriction permits), :mod:`.lockdown` (profile files and
  their edits).
- :mod:`.effective`: which settings the client honours under the lockdown profiles.
"""
