"""The smart card role's data: package names per OS family (its argument specs and README: test_role_docs.py).

No RPM repositories are reachable where this collection is tested, so the RHEL and SUSE
mappings are checked here, as data, against the names the distributions use.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROLE = Path(__file__).resolve().parents[2] / "roles" / "icaclient_smartcard"
FAMILIES = ("Debian", "RedHat", "Suse")


def load(relative: str) -> dict:
    return yaml.safe_load((ROLE / relative).read_text())


def family_vars(family: str) -> dict:
    return load(f"vars/{family}.yml")


def test_every_supported_family_has_a_vars_file_and_no_other():
    supported = load("vars/main.yml")["__icaclient_smartcard_supported_families"]
    files = sorted(path.stem for path in (ROLE / "vars").glob("*.yml") if path.stem != "main")
    assert sorted(supported) == files == sorted(FAMILIES)


def test_families_define_the_same_variables():
    keys = {family: set(family_vars(family)) for family in FAMILIES}
    assert keys["RedHat"] == keys["Debian"] == keys["Suse"]


@pytest.mark.parametrize(
    ("family", "expected"),
    [
        ("Debian", ["pcscd", "libpcsclite1", "libccid", "opensc", "opensc-pkcs11"]),
        ("RedHat", ["pcsc-lite", "pcsc-lite-libs", "pcsc-lite-ccid", "opensc"]),
        ("Suse", ["pcsc-lite", "libpcsclite1", "pcsc-ccid"]),
    ],
)
def test_middleware_packages(family, expected):
    assert family_vars(family)["__icaclient_smartcard_packages"] == expected


@pytest.mark.parametrize(
    ("family", "expected"),
    [
        ("Debian", ["libpcsclite1:i386"]),
        ("RedHat", ["pcsc-lite-libs.i686"]),
        ("Suse", ["libpcsclite1-32bit"]),
    ],
)
def test_32bit_library_package(family, expected):
    assert family_vars(family)["__icaclient_smartcard_packages_32bit"] == expected


@pytest.mark.parametrize(
    ("family", "pattern"),
    [
        # dpkg multiarch: NAME:ARCH, and dpkg must know ARCH first.
        ("Debian", r"^(?P<base>[a-z0-9.+-]+):(?P<arch>i386)$"),
        # dnf: NAME.ARCH with the 32-bit x86 architecture of RPM.
        ("RedHat", r"^(?P<base>[a-z0-9.+-]+)\.(?P<arch>i686)$"),
        # SUSE builds 32-bit libraries as separate NAME-32bit packages.
        ("Suse", r"^(?P<base>[a-z0-9.+-]+)-(?P<arch>32bit)$"),
    ],
)
def test_32bit_package_is_the_32bit_build_of_an_installed_library(family, pattern):
    data = family_vars(family)
    for name in data["__icaclient_smartcard_packages_32bit"]:
        match = re.match(pattern, name)
        assert match, f"{family}: {name} is not named as a 32-bit build"
        assert match["base"] in data["__icaclient_smartcard_packages"], (
            f"{family}: the 64-bit {match['base']} must be installed beside {name}"
        )
        if family == "Debian":
            assert data["__icaclient_smartcard_foreign_architecture"] == match["arch"]


@pytest.mark.parametrize(
    ("family", "dev"),
    [("Debian", ["libpcsclite-dev"]), ("RedHat", ["pcsc-lite-devel"]), ("Suse", ["pcsc-lite-devel"])],
)
def test_unversioned_library_package(family, dev):
    assert family_vars(family)["__icaclient_smartcard_packages_dev"] == dev


def test_only_debian_adds_a_dpkg_architecture():
    assert family_vars("RedHat")["__icaclient_smartcard_foreign_architecture"] is None
    assert family_vars("Suse")["__icaclient_smartcard_foreign_architecture"] is None


@pytest.mark.parametrize("family", FAMILIES)
def test_pcscd_service_and_socket(family):
    data = family_vars(family)
    assert data["__icaclient_smartcard_service"] == "pcscd"
    assert data["__icaclient_smartcard_socket"] == "pcscd.socket"
