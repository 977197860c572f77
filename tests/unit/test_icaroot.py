"""The client's version from ICAROOT/pkginf/Ver.core.<platform>, and the version-dependent table."""

from __future__ import annotations

from pathlib import Path

import pytest

from ansible_collections.icaclient.linux.plugins.module_utils._errors import IcaClientError
from ansible_collections.icaclient.linux.plugins.module_utils._icaroot import (
    FEATURES,
    ClientVersion,
    feature,
    given_version,
    parse_version,
    read_client_version,
)

STOCK = Path(__file__).resolve().parents[1] / "fixtures" / "icaroot"


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("23.9.0.24", (23, 9, 0, 24)),
        ("13.10.0.20", (13, 10, 0, 20)),
        ("13.10", (13, 10)),
        (" 24.2.0.65 ", (24, 2, 0, 65)),
        ("2309", (23, 9)),
        ("1808", (18, 8)),
        ("2313", None),  # no 13th month
        ("1712", None),  # before the first YYMM release
        ("latest", None),
        ("23.9.x", None),
        ("", None),
        ("23..9", None),
    ],
)
def test_versions_are_read_as_ver_core_or_release_names_write_them(text: str, parts: object) -> None:
    assert parse_version(text) == parts


@pytest.mark.parametrize(
    ("version", "expected"),
    [("23.9.0.24", True), ("2309", True), ("24.2.0.65", True), ("23.8.0.1", False), ("13.10", False)],
)
def test_the_system_store_arrives_with_2309(version: str, expected: bool) -> None:
    assert feature(given_version(version), "system_store") is expected


def test_an_unknown_version_answers_no_feature_question() -> None:
    unknown = ClientVersion(None, None, "no file")
    assert {name: feature(unknown, name) for name in FEATURES} == dict.fromkeys(FEATURES)
    assert unknown.label() == "unknown"


def test_every_feature_row_carries_a_confidence_mark_and_its_release() -> None:
    for row in FEATURES.values():
        assert row.mark in ("C", "P", "U")
        assert parse_version(row.release) == row.since


def test_a_given_version_that_is_no_version_is_refused_by_name() -> None:
    with pytest.raises(IcaClientError, match="client_version 'latest' is not a client version"):
        given_version("latest")


def _root(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "pkginf"
    folder.mkdir(parents=True)
    for name, text in files.items():
        (folder / name).write_text(text)
    return tmp_path


def test_the_version_comes_from_the_id_version_line(tmp_path: Path) -> None:
    root = _root(tmp_path, {"Ver.core.linuxx64": "PRODUCT=ICAClient\nID_VERSION = 23.9.0.24\r\nOTHER=1\n"})
    version = read_client_version(str(root))
    assert (version.parts, version.text, version.source) == (
        (23, 9, 0, 24),
        "23.9.0.24",
        str(root / "pkginf" / "Ver.core.linuxx64"),
    )


@pytest.mark.parametrize(
    ("files", "reason"),
    [
        ({}, "no Ver.core.<platform> file in"),
        ({"Ver.core.linuxx64": "PRODUCT=ICAClient\n"}, "no readable ID_VERSION=<version> line"),
        ({"Ver.core.linuxx64": "ID_VERSION=soon\n"}, "no readable ID_VERSION=<version> line"),
        (
            {"Ver.core.linuxx64": "ID_VERSION=23.9.0.24\n", "Ver.core.linuxx86": "ID_VERSION=22.12.0.12\n"},
            "the version files disagree",
        ),
    ],
)
def test_an_unreadable_version_is_unknown_with_the_reason(tmp_path: Path, files: dict, reason: str) -> None:
    version = read_client_version(str(_root(tmp_path, files)))
    assert (version.known, version.parts) == (False, None)
    assert reason in version.source


def test_two_platform_files_that_agree_give_the_version(tmp_path: Path) -> None:
    root = _root(
        tmp_path,
        {"Ver.core.linuxx64": "ID_VERSION=23.9.0.24\n", "Ver.core.linuxx86": "ID_VERSION=23.9.0.24\n"},
    )
    assert read_client_version(str(root)).text == "23.9.0.24"


def test_no_icaroot_is_an_unknown_version() -> None:
    assert read_client_version(None).known is False


def test_the_sandbox_icaroot_carries_a_version_the_prober_reads() -> None:
    version = read_client_version(str(STOCK))
    assert version.known and feature(version, "system_store") is True
