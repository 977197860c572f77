"""The client settings an endpoint's inventory asks for, and whether the client will honour them.

A value in ``wfclient.ini`` takes effect only if every lockdown profile that applies
permits it: ``All_Regions.ini`` (a key it does not list is discarded when
``AllowUnrecognisedICAParameters=false``) and the region profile of the server's region
(a key the region profile does not list is not restricted by it). The expected values
are derived here from the icaclient_config role's documented variables, and the endpoint's
files are read here on their own. Whether a profile lets a value through is the engine's
judgement (``_ini.effective``, the one the prober uses), not a second copy of it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

from ansible_collections.icaclient.linux.plugins.module_utils._ini import effective
from ansible_collections.icaclient.linux.plugins.module_utils._ini.document import IniDocument
from ansible_collections.icaclient.linux.plugins.module_utils._ini.effective import (
    discards_unlisted,
    region_of,
)
from ansible_collections.icaclient.linux.plugins.module_utils._ini.schema import BOOLEAN_WORDS, key_spec

ROLE = "icaclient_config"
PROXY_KEYS = (
    "ProxyType",
    "ProxyHost",
    "ProxyPort",
    "ProxyBypassList",
    "ProxyAutoConfigURL",
    "WpadHost",
    "ProxyUsername",
    "ProxyPassword",
    "ProxyAuthenticationBasic",
    "ProxyAuthenticationNTLM",
)
TLS_KEYS = ("MinimumTLS", "MaximumTLS")
SECRET_KEYS = ("ProxyPassword",)
TLS_ALIASES = {"10": "1.0", "11": "1.1", "12": "1.2", "13": "1.3"}
REGIONS = {"trusted": "Trusted", "untrusted": "Untrusted", "unknown": "Unknown"}
__all__ = ["discards_unlisted", "region_of"]  # the engine's, used by the compliance tests through this module


@dataclass(frozen=True, repr=False)
class Setting:
    section: str
    key: str
    value: Optional[str]  # None: the key must be absent

    def __repr__(self) -> str:  # a proxy password never reaches pytest's output, even with --showlocals
        return f"Setting({self.section!r}, {self.key!r}, {self.shown()})"

    @property
    def secret(self) -> bool:
        return self.key in SECRET_KEYS

    def shown(self) -> str:
        return "********" if self.secret else repr(self.value)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def role_settings(variables: Any) -> dict[str, str]:
    """[WFClient] keys the role's own variables set (the password included), as the client reads them."""
    get = variables.get
    settings: dict[str, Any] = {
        "MinimumTLS": get(f"{ROLE}_minimum_tls"),
        "MaximumTLS": get(f"{ROLE}_maximum_tls"),
        "ProxyType": get(f"{ROLE}_proxy_type"),
        "ProxyHost": get(f"{ROLE}_proxy_host"),
        "ProxyPort": get(f"{ROLE}_proxy_port"),
        "ProxyAutoConfigURL": get(f"{ROLE}_proxy_autoconfig_url"),
        "WpadHost": get(f"{ROLE}_wpad_host"),
        "ProxyUsername": get(f"{ROLE}_proxy_username"),
        "ProxyPassword": get(f"{ROLE}_proxy_password"),
        "ProxyAuthenticationBasic": get(f"{ROLE}_proxy_auth_basic"),
        "ProxyAuthenticationNTLM": get(f"{ROLE}_proxy_auth_ntlm"),
        "SSLCiphers": get(f"{ROLE}_ssl_ciphers"),
        "SSLCertificateRevocationCheckPolicy": get(f"{ROLE}_revocation_policy"),
    }
    bypass = get(f"{ROLE}_proxy_bypass_list")
    if bypass is not None:
        settings["ProxyBypassList"] = get(f"{ROLE}_proxy_bypass_separator", ";").join(str(h) for h in bypass)
    relay_port = get(f"{ROLE}_ssl_relay_port")
    gateway = get(f"{ROLE}_secure_gateway_host")
    if relay_port is not None:
        settings["SSLProxyHost"] = f"*:{relay_port}"
    elif gateway is not None:
        settings["SSLProxyHost"] = f"{gateway}:{get(f'{ROLE}_secure_gateway_port', 443)}"
    return {key: _text(value) for key, value in settings.items() if value is not None}


def expected_settings(variables: Any) -> list[Setting]:
    """Every wfclient.ini key the inventory sets through the role: extra settings, then the role's variables."""
    result: dict[tuple[str, str], Setting] = {}
    for section, keys in (variables.get(f"{ROLE}_extra_settings") or {}).items():
        target = "WFClient" if str(section).lower() == "wfclient" else str(section)
        for key, value in (keys or {}).items():
            text = None if value is None else _bool_words(key, value)
            result[(target.lower(), key.lower())] = Setting(target, str(key), text)
    for key, value in role_settings(variables).items():
        result[("wfclient", key.lower())] = Setting("WFClient", key, value)
    return list(result.values())


def _bool_words(key: str, value: Any) -> str:
    if isinstance(value, bool):
        spec = key_spec(key) or {}
        words = spec.get("bool_words") or ["True", "False"]
        return str(words[0] if value else words[1])
    return str(value)


def same_value(key: str, actual: Optional[str], expected: Optional[str]) -> bool:
    if actual is None or expected is None:
        return actual is expected
    left, right = actual.strip(), expected.strip()
    if key in TLS_KEYS:
        return TLS_ALIASES.get(left, left) == TLS_ALIASES.get(right, right)
    spec = key_spec(key) or {}
    if spec.get("type") == "bool" and left.lower() in BOOLEAN_WORDS and right.lower() in BOOLEAN_WORDS:
        return BOOLEAN_WORDS[left.lower()] == BOOLEAN_WORDS[right.lower()]
    if spec.get("type") == "choice":
        return left.lower() == right.lower()
    return left == right


def profile_section(variables: Any, key: str) -> Optional[str]:
    """The lockdown profile section that restricts ``key`` (the inventory may name it for unknown keys)."""
    return effective.profile_section(key, variables.get(f"{ROLE}_lockdown_sections"))


def wfclient_problems(document: Optional[IniDocument], path: str, settings: list[Setting]) -> list[str]:
    if document is None:
        return [f"{path} does not exist"]
    problems = []
    for setting in settings:
        actual = document.get(setting.section, setting.key)
        if not same_value(setting.key, actual, setting.value):
            now = "absent" if actual is None else ("********" if setting.secret else repr(actual))
            want = "absent" if setting.value is None else setting.shown()
            problems.append(
                f"{path} [{setting.section}] {setting.key} is {now}, the inventory asks for {want}"
            )
    return problems


def lockdown_problems(
    document: Optional[IniDocument],
    path: str,
    settings: list[Setting],
    variables: Any,
    *,
    all_regions: bool,
) -> list[str]:
    """Why a profile keeps the client from using the settings (empty: every value is permitted)."""
    if document is None:
        return []
    problems = []
    for setting in settings:
        if setting.value is None:
            continue
        section = profile_section(variables, setting.key)
        found = effective.judge(
            document, setting.key, setting.value, section=section, all_regions=all_regions
        )
        if found is None:
            continue
        if found.reason == effective.NO_SECTION:
            problems.append(f"{found.describe()}; name it in {ROLE}_lockdown_sections")
            continue
        shown = "********" if setting.secret else repr(setting.value)
        problems.append(found.describe(shown).replace(found.path, path, 1))
    return problems


def settings_for_region(
    settings: list[Setting], region: Optional[str], proxy_regions: list[str]
) -> list[Setting]:
    """The settings a region profile must permit: ProxyType only in the proxy regions the inventory names."""
    if region is not None and region in proxy_regions:
        return settings
    return [setting for setting in settings if setting.key != "ProxyType"]


def by_key(settings: list[Setting], keys: tuple[str, ...]) -> list[Setting]:
    return [setting for setting in settings if setting.section.lower() == "wfclient" and setting.key in keys]


def as_mapping(settings: list[Setting]) -> Mapping[str, Optional[str]]:
    return {setting.key: setting.value for setting in settings}
