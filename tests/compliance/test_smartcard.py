"""Smart card logon: the PC/SC middleware for every client word size, pcscd, and the client's switches.

The vendor requires the 64-bit and the 32-bit libpcsclite on 64-bit systems (32-bit
client builds); pcscd must start at boot; module.ini must allow smart cards and name a
PC/SC library the dynamic linker really resolves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from compliance_support import not_configured, read_ini

from ansible_collections.icaclient.linux.plugins.module_utils._ini.restriction import permits
from ansible_collections.icaclient.linux.plugins.module_utils._ini.schema import BOOLEAN_WORDS

ROLE = "icaclient_smartcard"
PID_FILE = "/run/pcscd/pcscd.pid"
X86_64 = ("x86_64", "amd64")

# Package names per packaging system (DOMAIN.md); the 32-bit library by its qualified name,
# because testinfra's package("libpcsclite1") is False once two architectures are installed.
PACKAGES = {
    "deb": {
        "base": ["pcscd", "libccid", "opensc", "opensc-pkcs11"],
        "library": "libpcsclite1:{arch}",
        "library_32bit": "libpcsclite1:i386",
        "tools": ["pcsc-tools"],
        "dev": ["libpcsclite-dev"],
    },
    "rpm": {
        "base": ["pcsc-lite", "pcsc-lite-ccid", "opensc"],
        "library": "pcsc-lite-libs.{arch}",
        "library_32bit": "pcsc-lite-libs.i686",
        "tools": ["pcsc-tools"],
        "dev": ["pcsc-lite-devel"],
    },
}


@dataclass(frozen=True)
class Platform:
    packaging: str  # deb or rpm
    machine: str  # uname -m
    arch: str  # dpkg's or rpm's name of the native architecture
    systemd: bool  # systemd runs as the init system


@pytest.fixture(scope="module")
def platform(host, endpoint) -> Platform:
    endpoint.require_area("smartcard")
    if not _flag(endpoint.vars.get(f"{ROLE}_enforce", True)):
        # The role only reports there (check mode): nothing is meant to be installed.
        not_configured(f"{ROLE}_enforce is false")
    machine = host.check_output("uname -m")
    if host.exists("dpkg-query"):
        return Platform("deb", machine, host.check_output("dpkg --print-architecture"), _systemd(host))
    if host.exists("rpm"):
        return Platform("rpm", machine, machine, _systemd(host))
    pytest.fail(f"{endpoint.name}: neither dpkg nor rpm is installed; the smart card checks know no other")


def _systemd(host) -> bool:
    return host.file("/run/systemd/system").is_directory


def _want_32bit(endpoint, platform: Platform) -> bool:
    setting = endpoint.vars.get(f"{ROLE}_32bit", "auto")
    if setting == "auto":
        return platform.machine in X86_64
    return BOOLEAN_WORDS.get(str(setting).lower(), bool(setting)) is True


def _installed(host, name: str) -> bool:
    return host.package(name).is_installed


def test_pcsc_middleware_packages_are_installed(host, endpoint, platform):
    names = PACKAGES[platform.packaging]
    wanted = [*names["base"], names["library"].format(arch=platform.arch)]
    if endpoint.vars.get(f"{ROLE}_pcsc_tools", False):
        wanted += names["tools"]
    if endpoint.vars.get(f"{ROLE}_dev_library", False):
        wanted += names["dev"]
    wanted += [str(name) for name in endpoint.vars.get(f"{ROLE}_packages_extra") or []]
    missing = [name for name in wanted if not _installed(host, name)]
    assert not missing, f"not installed: {', '.join(missing)}"


def test_32bit_libpcsclite_is_installed_beside_the_64bit_one(host, endpoint, platform):
    if not _want_32bit(endpoint, platform):
        not_configured(f"{ROLE}_32bit is {endpoint.vars.get(f'{ROLE}_32bit')!r} on a {platform.machine} host")
    names = PACKAGES[platform.packaging]
    native = host.package(names["library"].format(arch=platform.arch))
    foreign = host.package(names["library_32bit"])
    assert native.is_installed, f"{names['library'].format(arch=platform.arch)} is not installed"
    assert foreign.is_installed, f"{names['library_32bit']} is not installed (32-bit client builds need it)"
    assert native.version == foreign.version, (
        f"the 64-bit library is {native.version}, the 32-bit one {foreign.version}"
    )


def _manager(endpoint, platform: Platform) -> str:
    manager = str(endpoint.vars.get(f"{ROLE}_pcscd_service_manager", "auto"))
    if manager == "none":
        not_configured(f"{ROLE}_pcscd_service_manager is none")
    if manager == "auto":
        return "systemd" if platform.systemd else "sysvinit"
    return manager


def test_pcscd_starts_at_boot(host, endpoint, platform):
    if _manager(endpoint, platform) == "systemd":
        state = host.run("systemctl is-enabled pcscd.socket").stdout.strip()
        assert state == "enabled", f"pcscd.socket is {state or 'unknown'}, not enabled"
        return
    links = host.run("ls -1 /etc/rc2.d /etc/rc3.d /etc/rc4.d /etc/rc5.d").stdout
    assert re.search(r"^S\d\dpcscd$", links, re.MULTILINE), (
        "no /etc/rc[2-5].d/S??pcscd link: pcscd does not start at boot"
    )


def test_pcscd_is_running(host, endpoint, platform):
    if _manager(endpoint, platform) == "systemd":
        state = host.run("systemctl is-active pcscd.socket").stdout.strip()
        assert state == "active", f"pcscd.socket is {state or 'unknown'}: PC/SC requests find no daemon"
        return
    pid_file = host.file(PID_FILE)
    assert pid_file.exists, f"{PID_FILE} does not exist: pcscd is not running"
    pid = pid_file.content.rstrip(b"\0\n").strip().decode()  # pcscd ends its pid file with a NUL
    assert pid.isdigit(), f"{PID_FILE} holds {pid!r}, not a process id"
    comm = host.file(f"/proc/{pid}/comm")
    assert comm.exists and comm.content_string.strip() == "pcscd", f"process {pid} of {PID_FILE} is not pcscd"


@pytest.fixture(scope="module")
def config_dir(endpoint, platform) -> str:
    if not endpoint.vars.get(f"{ROLE}_configure_client", True):
        not_configured(f"{ROLE}_configure_client is false")
    return f"{endpoint.icaroot_for(ROLE)}/config"


def _flag(value) -> bool:
    return BOOLEAN_WORDS.get(str(value).strip().lower(), bool(value)) is True


def test_module_ini_allows_smart_cards(host, endpoint, config_dir):
    module_ini = read_ini(host, f"{config_dir}/module.ini")
    assert module_ini is not None, f"{config_dir}/module.ini does not exist"
    allowed = _flag(endpoint.vars.get(f"{ROLE}_allowed", True))
    problems = []
    for section, key in (("SmartCard", "SmartCardAllowed"), ("ICA 3.0", "SmartCard")):
        value = module_ini.get(section, key)
        if value is None or BOOLEAN_WORDS.get(value.strip().lower()) is not allowed:
            problems.append(f"module.ini [{section}] {key} is {value!r}, the inventory asks for {allowed}")
    assert not problems, "\n".join(problems)


def test_pcsc_library_of_module_ini_resolves_for_every_client_word_size(host, endpoint, platform, config_dir):
    module_ini = read_ini(host, f"{config_dir}/module.ini")
    assert module_ini is not None, f"{config_dir}/module.ini does not exist"
    library = module_ini.get("SmartCard", "PCSCLibraryName")
    assert library, "module.ini [SmartCard] has no PCSCLibraryName"
    configured = str(endpoint.vars.get(f"{ROLE}_pcsc_library", "auto"))
    if configured != "auto":
        assert library == configured, f"PCSCLibraryName is {library!r}, the inventory asks for {configured!r}"
    if library.startswith("/"):
        assert host.file(library).exists, f"PCSCLibraryName {library} does not exist"
        return
    cache = host.check_output("ldconfig -p")
    word_sizes = {"64-bit": r"\(libc6,x86-64\)" if platform.machine in X86_64 else r"\(libc6,[^)]*64[^)]*\)"}
    if _want_32bit(endpoint, platform):
        word_sizes["32-bit"] = r"\(libc6\)"
    missing = [
        size
        for size, flags in word_sizes.items()
        if not re.search(rf"^\s*{re.escape(library)} {flags} =>", cache, re.MULTILINE)
    ]
    assert not missing, (
        f"the dynamic linker finds no {' or '.join(missing)} {library} (module.ini PCSCLibraryName)"
    )


def test_ctrl_alt_del_setting_allows_smart_card_logon(host, endpoint, config_dir):
    wanted = _flag(endpoint.vars.get(f"{ROLE}_disable_ctrl_alt_del", False))
    problems, checked = [], 0
    for name in endpoint.vars.get(f"{ROLE}_ctrl_alt_del_files") or []:
        document = read_ini(host, f"{config_dir}/{name}")
        if document is None:
            continue
        checked += 1
        value = document.get("WFClient", "DisableCtrlAltDel")
        if value is None or BOOLEAN_WORDS.get(value.strip().lower()) is not wanted:
            problems.append(
                f"{name} [WFClient] DisableCtrlAltDel is {value!r}, the inventory asks for {wanted}"
            )
    assert checked, f"none of {endpoint.vars.get(f'{ROLE}_ctrl_alt_del_files')} exists in {config_dir}"
    assert not problems, "\n".join(problems)


def test_all_regions_permits_the_smart_card_channel(host, endpoint, config_dir):
    if not endpoint.vars.get(f"{ROLE}_lockdown", True):
        not_configured(f"{ROLE}_lockdown is false")
    section = str(endpoint.vars.get(f"{ROLE}_lockdown_section", "Virtual Channels\\Smartcard"))
    key = str(endpoint.vars.get(f"{ROLE}_lockdown_key", "SmartCardAllowed"))
    profile = read_ini(host, f"{config_dir}/All_Regions.ini")
    assert profile is not None, f"{config_dir}/All_Regions.ini does not exist"
    restriction = profile.get(section, key)
    assert restriction is not None, f"All_Regions.ini [{section}] does not list {key}"
    value = "True" if _flag(endpoint.vars.get(f"{ROLE}_allowed", True)) else "False"
    assert permits(restriction, value), (
        f"All_Regions.ini [{section}] {key}={restriction} does not permit {value}"
    )


@pytest.mark.parametrize(
    ("variable", "key"),
    [("pkcs11_module", "PKCS11module"), ("removal_action", "SmartCardRemovalAction")],
)
def test_authman_config_holds_the_configured_value(host, endpoint, config_dir, variable, key):
    wanted = endpoint.vars.get(f"{ROLE}_{variable}")
    if wanted is None:
        not_configured(f"{ROLE}_{variable} is not set")
    path = f"{config_dir}/AuthManConfig.xml"
    handle = host.file(path)
    assert handle.exists, f"{path} does not exist"
    match = re.search(rf"<key>{key}</key>\s*<value>([^<]*)</value>", handle.content_string)
    assert match, f"{path} has no <key>{key}</key> followed by a <value>"
    assert match.group(1) == str(wanted), (
        f"{path} {key} is {match.group(1)!r}, the inventory asks for {wanted!r}"
    )
    if variable == "pkcs11_module" and str(wanted).startswith("/"):
        assert host.file(str(wanted)).exists, f"the PKCS#11 module {wanted} does not exist"
