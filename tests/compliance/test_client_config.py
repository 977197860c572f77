"""The client's machine-wide settings: written in $ICAROOT/config and honoured by the lockdown profiles.

Users' complaints this guards against: a wfclient.ini key with no effect because
All_Regions.ini does not list it, a Secure or Socks proxy silently ignored because the
region profile permits only None, Auto and Wpad, and a TLS window the profiles refuse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import pytest
from compliance_settings import (
    PROXY_KEYS,
    REGIONS,
    ROLE,
    TLS_ALIASES,
    TLS_KEYS,
    Setting,
    by_key,
    expected_settings,
    lockdown_problems,
    region_of,
    settings_for_region,
    wfclient_problems,
)
from compliance_support import not_configured, read_ini, region_profiles

from ansible_collections.icaclient.linux.plugins.module_utils._ini.document import IniDocument

# The client's defaults when a key is not set (DOMAIN.md).
TLS_DEFAULTS = {"MinimumTLS": "1.0", "MaximumTLS": "1.2"}


@dataclass
class ClientConfig:
    directory: str
    wfclient: Optional[IniDocument]
    all_regions: Optional[IniDocument]
    usertemplate: Optional[IniDocument]
    regions: dict[str, IniDocument] = field(default_factory=dict)


@pytest.fixture(scope="module")
def client_config(host, endpoint) -> ClientConfig:
    endpoint.require_area("config")
    directory = f"{endpoint.icaroot_for(ROLE)}/config"
    assert host.file(directory).is_directory, f"{directory} does not exist: the client is not installed there"
    regions = {path: read_ini(host, path) for path in region_profiles(host, directory)}
    return ClientConfig(
        directory=directory,
        wfclient=read_ini(host, f"{directory}/wfclient.ini"),
        all_regions=read_ini(host, f"{directory}/All_Regions.ini"),
        usertemplate=read_ini(host, f"{directory}/usertemplate/wfclient.ini"),
        regions={path: doc for path, doc in regions.items() if doc is not None},
    )


@pytest.fixture(scope="module")
def settings(endpoint) -> list[Setting]:
    return expected_settings(endpoint.vars)


def _problems(config: ClientConfig, endpoint, settings: list[Setting]) -> list[str]:
    problems = wfclient_problems(config.wfclient, f"{config.directory}/wfclient.ini", settings)
    if config.usertemplate is not None:
        # What the client copies to a new user's ~/.ICAClient.
        problems += wfclient_problems(
            config.usertemplate, f"{config.directory}/usertemplate/wfclient.ini", settings
        )
    if not endpoint.vars.get(f"{ROLE}_manage_lockdown", True):
        return problems
    if config.all_regions is None:
        problems.append(f"{config.directory}/All_Regions.ini does not exist")
    problems += lockdown_problems(
        config.all_regions, f"{config.directory}/All_Regions.ini", settings, endpoint.vars, all_regions=True
    )
    proxy_regions = list(endpoint.vars.get(f"{ROLE}_proxy_regions") or [])
    for path, document in sorted(config.regions.items()):
        wanted = settings_for_region(settings, region_of(path), proxy_regions)
        problems += lockdown_problems(document, path, wanted, endpoint.vars, all_regions=False)
    return problems


def _version(value: str) -> tuple[int, ...]:
    text = TLS_ALIASES.get(value.strip(), value.strip())
    return tuple(int(part) for part in text.split("."))


def test_tls_window_is_set_and_permitted(client_config, endpoint, settings):
    tls = by_key(settings, TLS_KEYS)
    if not tls:
        not_configured(f"{ROLE}_minimum_tls and {ROLE}_maximum_tls are null")
    problems = _problems(client_config, endpoint, tls)
    if client_config.wfclient is not None:
        window = {
            key: client_config.wfclient.get("WFClient", key) or default
            for key, default in TLS_DEFAULTS.items()
        }
        if _version(window["MinimumTLS"]) > _version(window["MaximumTLS"]):
            problems.append(
                f"MinimumTLS {window['MinimumTLS']} is above MaximumTLS {window['MaximumTLS']}: "
                "the client can use no TLS version"
            )
    assert not problems, "\n".join(problems)


def test_proxy_is_set_and_permitted_in_every_region_it_is_for(client_config, endpoint, settings):
    proxy = by_key(settings, PROXY_KEYS)
    if not any(setting.key == "ProxyType" for setting in proxy):
        not_configured(f"{ROLE}_proxy_type is null")
    problems = _problems(client_config, endpoint, proxy)
    if endpoint.vars.get(f"{ROLE}_manage_lockdown", True):
        present = {region_of(path) for path in client_config.regions}
        for region in endpoint.vars.get(f"{ROLE}_proxy_regions") or []:
            if region not in present:
                name = REGIONS.get(region, str(region))
                problems.append(
                    f"{client_config.directory} has no {name}_Region.ini (or {name}_Regions.ini) "
                    f"although the proxy is meant for the {region} region"
                )
    assert not problems, "\n".join(problems)


def test_other_settings_are_set_and_permitted(client_config, endpoint, settings):
    others = [
        setting
        for setting in settings
        if not (setting.section.lower() == "wfclient" and setting.key in TLS_KEYS + PROXY_KEYS)
    ]
    if not others:
        not_configured(
            f"no SSL relay, Secure Gateway, cipher set, revocation policy or {ROLE}_extra_settings is set"
        )
    problems = _problems(client_config, endpoint, others)
    assert not problems, "\n".join(problems)
