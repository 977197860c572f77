# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""The one domain exception the module_utils raise; modules turn it into fail_json."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


class IcaClientError(Exception):
    """An operation on the client's files or network path failed for a stated cause.

    The message names the operation, the object and the cause. ``details`` carries
    extra structured facts for fail_json (never secrets).
    """

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


@contextlib.contextmanager
def failing_as(context: str, **details: object) -> Iterator[None]:
    """Re-raise an :class:`IcaClientError` of the block with ``<context>: `` in front of its
    message, its details kept and ``details`` added: the one way an operation names itself
    in the errors of the steps it takes."""
    try:
        yield
    except IcaClientError as exc:
        raise IcaClientError(f"{context}: {exc.message}", **{**details, **exc.details}) from exc
