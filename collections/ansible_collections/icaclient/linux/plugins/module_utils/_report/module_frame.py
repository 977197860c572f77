# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""What the three report modules (compliance_report, compliance_report_merge, compliance_whatif)
share around the engine: the ``formats`` option, the run's time stamp, and the frame that turns
the engine's result into ``exit_json`` and its IcaClientError into ``fail_json``.

The frame takes the module object the module made (it imports nothing of Ansible, and no engine
file imports this one): each module keeps its own argument spec and documentation.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Callable, Optional

from .._errors import IcaClientError
from .render import FILES

FORMATS_OPTION = dict(type="list", elements="str", choices=list(FILES), default=list(FILES))


def run_time(given: Optional[str]) -> str:
    """The run's time as the report shows it: the one given, else now (UTC, ISO 8601)."""
    return given or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def exit_with(module: Any, produce: Callable[[Mapping[str, Any], bool], Mapping[str, Any]]) -> None:
    """Exit ``module`` with what ``produce(params, check_mode)`` returns, or fail it with the
    message and details of the IcaClientError it raises."""
    try:
        result = produce(module.params, module.check_mode)
    except IcaClientError as exc:
        module.fail_json(msg=exc.message, **exc.details)
    module.exit_json(**result)
