"""The one client-error table: complete for what the prober and the audit observe, and the one source."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ansible_collections.icaclient.linux.plugins.module_utils import _client_errors
from ansible_collections.icaclient.linux.plugins.module_utils._client_errors import (
    CLIENT_ERRORS,
    PATH_FAILURES,
    VERIFY_CODES,
    describe,
    lookup,
)
from ansible_collections.icaclient.linux.plugins.module_utils._probe.tls import VERIFY_ERRORS

ENGINE = Path(_client_errors.__file__).resolve().parent


def test_the_table_holds_every_error_the_prober_or_audit_can_see() -> None:
    assert {4, 47, 59, 60, 61, 62, 63, 64, 68, 70, 79, 81, 84, 85} <= set(CLIENT_ERRORS)
    for number, info in CLIENT_ERRORS.items():
        assert info.number == number
        assert info.title and info.meaning and info.fix
        assert info.mark in ("C", "P", "U")


def test_every_verify_code_maps_to_a_number_of_the_table() -> None:
    assert set(VERIFY_CODES.values()) <= set(CLIENT_ERRORS)
    assert {code: number for code, (number, _cause) in VERIFY_ERRORS.items()} == VERIFY_CODES
    assert (VERIFY_CODES[9], VERIFY_CODES[10]) == (68, 70)  # not yet valid is not "expired"


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (61, "SSL error 61: the issuer of the server certificate is not trusted"),
        ("68", "SSL error 68: a certificate in the chain is not yet valid"),
        ("connect", "cannot connect"),
        ("nonsense", None),
        (None, None),
        (True, None),
        (999, None),
    ],
)
def test_describe_gives_what_a_report_shows(error: object, shown: object) -> None:
    assert describe(error) == shown


def test_lookup_reads_numbers_as_text_too() -> None:
    assert lookup("85") is CLIENT_ERRORS[85]
    assert lookup("8x") is None and "connect" in PATH_FAILURES


def test_no_engine_file_keeps_its_own_table_of_client_error_texts() -> None:
    # A second copy of "SSL error N: ..." or of the verify-code numbers drifts: only _client_errors has them.
    pattern = re.compile(r'"SSL error \d+|^\s+\d+: \(\d+, "', re.MULTILINE)
    copies = [
        path.relative_to(ENGINE).as_posix()
        for path in sorted(ENGINE.rglob("*.py"))
        if path.name != "_client_errors.py" and pattern.search(path.read_text())
    ]
    assert copies == []
