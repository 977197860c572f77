"""Shared pytest fixtures (each helper adds its own; do not rename others')."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from pki_build import TestPKI

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@dataclass(frozen=True)
class StockIcaroot:
    """A sandbox copy of the client's stock ini files: ``icaroot/config`` and one user's ``~/.ICAClient``."""

    icaroot: Path
    config: Path
    home: Path
    user_config: Path


@pytest.fixture
def stock_icaroot(tmp_path: Path) -> StockIcaroot:
    """Stock ``$ICAROOT/config`` (wfclient.ini, All_Regions.ini, region files under singular and
    plural names, module.ini, appsrv.ini, regions.ini, usertemplate/) and a user home with
    ``~/.ICAClient/wfclient.ini`` and ``All_Regions.ini``, copied into ``tmp_path``."""
    icaroot = tmp_path / "icaroot"
    shutil.copytree(FIXTURES / "icaroot" / "config", icaroot / "config")
    home = tmp_path / "home"
    shutil.copytree(FIXTURES / "home", home)
    return StockIcaroot(
        icaroot=icaroot, config=icaroot / "config", home=home, user_config=home / ".ICAClient"
    )


# ---------------------------------------------------------------------------
# Test PKI (keystore helper): the builder is tests/pki_build.py


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPKI:
    """Session-wide test PKI: ``pki.root`` / ``pki.intermediate`` / ``pki.leaf`` (each an
    :class:`Issued` with ``cert``, ``key``, ``pem``, ``der``, ``fingerprint``; their PEM files
    at ``pki.path("root")`` ...), ``pki.issue(...)`` for more, ``pki.key("rsa8192")`` for a
    cached 8192-bit key. Certificates are made lazily; keys are EC P-256 except the root's
    (RSA 2048), for speed."""
    return TestPKI(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def icaroot(stock_icaroot: StockIcaroot) -> Path:
    """A sandbox ICAROOT under ``tmp_path``: the stock ``config/`` (from ``stock_icaroot``), an
    empty ``keystore/cacerts/`` (no ``intcerts/``, as on a fresh install) and ``util/``."""
    root = stock_icaroot.icaroot
    (root / "keystore" / "cacerts").mkdir(parents=True, exist_ok=True)
    (root / "util").mkdir(exist_ok=True)
    return root


# ---------------------------------------------------------------------------
# The prober's network peers (TLS servers, squid, dante, microsocks, stunnel):
# session fixtures in tests/integration/conftest_probe.py.

pytest_plugins = ["integration.conftest_probe"]
