# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The settings the client will use for a connection: its TLS window and its proxy.

PRIVATE: this is not a public API of the collection.

Read from the client's own files through the collection's ini engine (``_ini``),
so that the probe tests what the client will do. Each key is looked up, in this
order, and the first value found wins:

1. the user's ``~/.ICAClient/wfclient.ini``,
2. ``$ICAROOT/config/wfclient.ini``,
3. ``$ICAROOT/config/module.ini`` (it only fills gaps),

and within a file first in ``[WFClient]``, then, for the proxy keys, in
``[Network\\Proxy]``. Explicit values (module options, CLI flags) override the
files.

The lockdown profiles are judged by the engine (``_ini.effective``): a TLS or proxy
type value from the files that ``All_Regions.ini`` does not permit (or does not list,
with ``AllowUnrecognisedICAParameters=false``) is not in effect, and the probe uses
what the client will use instead (the profile's default, else the client's), with a
warning naming the profile, section and restriction. A region profile
(``Trusted_Region.ini`` ...) applies only to servers of its region, which the probe
does not know: a value it does not permit gives a warning. The profiles are read
from ``~/.ICAClient`` where the user has a copy, else from ``$ICAROOT/config``. Not
modelled: ``.ica`` file overrides, and PAC/WPAD evaluation: ``ProxyType`` Auto, Wpad
and Script are probed direct, with a warning.

``ProxyType`` Socks is probed as SOCKS5 (SocksV4 and SocksV5 choose explicitly).
For a ``Secure`` proxy, ``ProxyAuthenticationBasic``/``ProxyAuthenticationNTLM``
narrow the scheme; otherwise NTLM is used when the proxy offers it (as the
client does) and Basic otherwise.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Optional

from .._client_ciphers import SSL_CIPHERS_DEFAULT
from .._errors import IcaClientError
from .._icaroot import ClientVersion
from .._ini.document import IniDocument, parse
from .._ini.effective import Profiles
from .._ini.schema import BOOLEAN_WORDS, REGION_FILES, SCHEMA, normalize_tls
from .._ini.values import check_value
from .proxy import ProxySpec, parse_bypass_list
from .tls import TLS_VERSIONS

DEFAULT_MIN_TLS = SCHEMA["tls"]["defaults"]["MinimumTLS"]
DEFAULT_MAX_TLS = SCHEMA["tls"]["defaults"]["MaximumTLS"]
_TLS_SECTIONS = ("WFClient",)
_PROXY_SECTIONS = ("WFClient", "Network\\Proxy")
_PROXY_TYPES = {"socks": "socks5", "socksv5": "socks5", "socksv4": "socks4", "secure": "http"}
_UNEVALUATED = ("auto", "wpad", "script")
_MAX_INI_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class ClientSettings:
    """The window and path the probe uses, with where each came from (never a secret)."""

    min_tls: str
    max_tls: str
    proxy: Optional[ProxySpec]
    sources: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    client_version: Optional[ClientVersion] = None
    ssl_ciphers: str = SSL_CIPHERS_DEFAULT
    trust_system_store: bool = False
    system_store: Optional[str] = None
    #: Proposed keystore changes judged in memory (``add ...``/``remove ...``), empty otherwise.
    trust_changes: tuple[str, ...] = ()

    def window(self) -> tuple[str, ...]:
        low = TLS_VERSIONS.index(self.min_tls)
        high = TLS_VERSIONS.index(self.max_tls)
        return TLS_VERSIONS[low : high + 1]

    def as_dict(self) -> dict:
        return {
            "min_tls": self.min_tls,
            "max_tls": self.max_tls,
            "proxy": self.proxy.url() if self.proxy else None,
            "proxy_auth": self.proxy.auth if self.proxy and self.proxy.kind == "http" else None,
            "proxy_username": self.proxy.username if self.proxy else None,
            "sources": list(self.sources),
            "warnings": list(self.warnings),
            "ssl_ciphers": self.ssl_ciphers,
            "client_version": self.client_version.text if self.client_version else None,
            "client_version_source": self.client_version.source if self.client_version else None,
            "trust_system_store": self.trust_system_store,
            "system_store": self.system_store if self.trust_system_store else None,
            "trust_changes": list(self.trust_changes),
        }


def client_files(icaroot: Optional[str], user_home: Optional[str]) -> list[str]:
    """The files read, highest precedence first."""
    files = []
    if user_home:
        files.append(os.path.join(user_home, ".ICAClient", "wfclient.ini"))
    if icaroot:
        files.append(os.path.join(icaroot, "config", "wfclient.ini"))
        files.append(os.path.join(icaroot, "config", "module.ini"))
    return files


def lockdown_profiles(icaroot: Optional[str], user_home: Optional[str]) -> Profiles:
    """The profiles the client reads: each name from the user's ``~/.ICAClient`` if there, else ``$ICAROOT/config``."""
    folders = [os.path.join(user_home, ".ICAClient")] if user_home else []
    if icaroot:
        folders.append(os.path.join(icaroot, "config"))
    found: dict[str, IniDocument] = {}
    for region, names in REGION_FILES.items():
        for name in names:
            for folder in folders:
                doc = _load(os.path.join(folder, name))
                if doc is not None:
                    found.setdefault(f"{region}/{name}", doc)
                    break
    all_regions = next((doc for label, doc in found.items() if label.startswith("all/")), None)
    regions = tuple(doc for label, doc in found.items() if not label.startswith("all/"))
    return Profiles(all_regions, regions)


class _Layers:
    def __init__(self, paths: list[str], profiles: Optional[Profiles] = None) -> None:
        self.docs: list[IniDocument] = []
        self.profiles = profiles or Profiles(None)
        for path in paths:
            doc = _load(path)
            if doc is not None:
                self.docs.append(doc)

    def in_effect(
        self, key: str, value: str, where: str, default: str, warnings: list[str]
    ) -> tuple[str, str]:
        """``value`` and where it came from, or what the client uses instead where a profile discards it."""
        found = self.profiles.discards(key, value)
        everywhere = found[0] if found and self._is_all(found[0].path) else None
        for discard in found:
            if discard is not everywhere:
                warnings.append(
                    f"{key}={value} ({where}) is not in effect for servers of the region of {discard.path}: "
                    f"{discard.describe()}; there the client uses {key}={discard.default or default}"
                )
        if everywhere is None:
            return value, where
        instead = everywhere.default or default
        warnings.append(
            f"{key}={value} ({where}) is not in effect: {everywhere.describe()}; the client uses {key}={instead}"
        )
        return instead, f"{everywhere.path} [{everywhere.section}] instead of {where}"

    def _is_all(self, path: str) -> bool:
        return self.profiles.all_regions is not None and path == self.profiles.all_regions.source

    def get(self, key: str, sections: tuple[str, ...]) -> tuple[Optional[str], str]:
        for doc in self.docs:
            for section in sections:
                value = doc.get(section, key)
                if value is not None and value.strip() != "":
                    return value.strip(), f"{doc.source} [{section}]"
        return None, ""


def _load(path: str) -> Optional[IniDocument]:
    try:
        with open(path, "rb") as handle:
            data = handle.read(_MAX_INI_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise IcaClientError(f"cannot read the client settings in {path}: {exc.strerror}") from exc
    if len(data) > _MAX_INI_BYTES:
        raise IcaClientError(f"cannot read the client settings in {path}: larger than 4 MiB, not an ini file")
    return parse(data, source=path)


def tls_version(value: str, *, what: str) -> str:
    """``1.2`` for ``1.2`` or ``12``; IcaClientError naming ``what`` otherwise."""
    version = normalize_tls(value)
    if version is None or version not in TLS_VERSIONS:
        raise IcaClientError(f"{what}: {value!r} is not a TLS version (1.0, 1.1, 1.2 or 1.3)")
    return version


def read_client_settings(
    *,
    icaroot: Optional[str] = None,
    user_home: Optional[str] = None,
    min_tls: Optional[str] = None,
    max_tls: Optional[str] = None,
    proxy: Optional[ProxySpec] = None,
    direct: bool = False,
    ssl_ciphers: Optional[str] = None,
) -> ClientSettings:
    """The client's window and proxy, from its files unless given explicitly.

    ``proxy`` (explicit) replaces the configured proxy, credentials included: the
    configured ProxyUsername/ProxyPassword are sent only to the configured proxy.
    ``direct`` ignores a configured proxy; ``ssl_ciphers`` replaces ``SSLCiphers``. Raises IcaClientError naming the file
    and key for a value the client could not use either.
    """
    layers = _Layers(client_files(icaroot, user_home), lockdown_profiles(icaroot, user_home))
    sources: list[str] = []
    warnings: list[str] = []

    low, high = _window(layers, min_tls, max_tls, sources, warnings)
    ciphers = _ssl_ciphers(layers, sources, ssl_ciphers)
    if proxy is not None:
        chosen: Optional[ProxySpec] = proxy
        sources.append(f"proxy {proxy.url()} (explicit)")
    elif direct:
        chosen = None
        sources.append("proxy none (explicit)")
    else:
        chosen = _configured_proxy(layers, sources, warnings)
    return ClientSettings(low, high, chosen, tuple(sources), tuple(warnings), ssl_ciphers=ciphers)


def _ssl_ciphers(layers: _Layers, sources: list[str], explicit: Optional[str] = None) -> str:
    if explicit:
        problem = check_value("SSLCiphers", explicit)
        if problem is not None:
            raise IcaClientError(f"the SSLCiphers given, {explicit!r}, {problem}")
        sources.append(f"SSLCiphers={explicit.upper()} (explicit)")
        return explicit.upper()
    value, where = layers.get("SSLCiphers", _TLS_SECTIONS)
    if value is None:
        sources.append(f"SSLCiphers={SSL_CIPHERS_DEFAULT} (client default)")
        return SSL_CIPHERS_DEFAULT
    problem = check_value("SSLCiphers", value)  # the schema's rule, the one client_ini applies
    if problem is not None:
        raise IcaClientError(f"SSLCiphers={value} in {where} {problem}: the client cannot use it either")
    sources.append(f"SSLCiphers={value.upper()} ({where})")
    return value.upper()


def _window(
    layers: _Layers, min_tls: Optional[str], max_tls: Optional[str], sources: list[str], warnings: list[str]
) -> tuple[str, str]:
    found = {}
    for key, explicit, default in (
        ("MinimumTLS", min_tls, DEFAULT_MIN_TLS),
        ("MaximumTLS", max_tls, DEFAULT_MAX_TLS),
    ):
        if explicit:
            found[key] = (tls_version(explicit, what=f"the {key} given"), "explicit")
            continue
        value, where = layers.get(key, _TLS_SECTIONS)
        if value is None:
            found[key] = (default, "client default")
        else:
            value, where = layers.in_effect(key, value, where, default, warnings)
            found[key] = (tls_version(value, what=f"{key} in {where}"), where)
    (low, low_from), (high, high_from) = found["MinimumTLS"], found["MaximumTLS"]
    sources.append(f"MinimumTLS={low} ({low_from})")
    sources.append(f"MaximumTLS={high} ({high_from})")
    if TLS_VERSIONS.index(low) > TLS_VERSIONS.index(high):
        raise IcaClientError(
            f"MinimumTLS={low} ({low_from}) is above MaximumTLS={high} ({high_from}): the client cannot "
            "connect anywhere with this window"
        )
    return low, high


def _configured_proxy(layers: _Layers, sources: list[str], warnings: list[str]) -> Optional[ProxySpec]:
    proxy_type, type_from = layers.get("ProxyType", _PROXY_SECTIONS)
    if proxy_type is not None:
        proxy_type, type_from = layers.in_effect("ProxyType", proxy_type, type_from, "None", warnings)
    if proxy_type is None or proxy_type.lower() == "none":
        sources.append(
            "proxy none" + (f" (ProxyType=None in {type_from})" if proxy_type else " (no ProxyType)")
        )
        return None
    folded = proxy_type.lower()
    if folded in _UNEVALUATED:
        warnings.append(
            f"ProxyType={proxy_type} ({type_from}) chooses the proxy by PAC/WPAD, which the probe does not "
            "evaluate: the targets were probed direct; give the proxy explicitly to probe through it"
        )
        sources.append(f"proxy none (ProxyType={proxy_type} not evaluated)")
        return None
    kind = _PROXY_TYPES.get(folded)
    if kind is None:
        raise IcaClientError(
            f"ProxyType={proxy_type} in {type_from} is not a proxy type the client knows "
            "(None, Auto, Wpad, Socks, SocksV4, SocksV5, Secure, Script)"
        )
    host_value, host_from = layers.get("ProxyHost", _PROXY_SECTIONS)
    if host_value is None:
        raise IcaClientError(
            f"ProxyType={proxy_type} in {type_from} needs ProxyHost, which no client file sets"
        )
    host, port = _split_host(host_value, where=f"ProxyHost in {host_from}")
    port_value, port_from = layers.get("ProxyPort", _PROXY_SECTIONS)
    if port_value is not None:
        port = _port(port_value, where=f"ProxyPort in {port_from}")
    if port is None:
        raise IcaClientError(f"ProxyHost={host_value} in {host_from} has no port and no ProxyPort is set")
    username = layers.get("ProxyUsername", _PROXY_SECTIONS)[0]
    password = layers.get("ProxyPassword", _PROXY_SECTIONS)[0]
    bypass = layers.get("ProxyBypassList", _PROXY_SECTIONS)[0]
    auth = "auto"
    if kind == "http":
        basic = _flag(layers, "ProxyAuthenticationBasic")
        ntlm = _flag(layers, "ProxyAuthenticationNTLM")
        if basic is True and ntlm is False:
            auth = "basic"
        elif ntlm is True and basic is False:
            auth = "ntlm"
    if kind == "socks4":
        password = None
    spec = ProxySpec(
        kind=kind,
        host=host,
        port=port,
        username=username,
        password=password,
        auth=auth,
        bypass=parse_bypass_list(bypass or ""),
        source=type_from,
    )
    sources.append(f"proxy {spec.url()} (ProxyType={proxy_type} in {type_from}, ProxyHost in {host_from})")
    edt, edt_from = layers.get("HDXoverUDP", _TLS_SECTIONS)
    if edt is None or edt.lower() != "off":
        # EDT (HDX over UDP) cannot pass an HTTP or SOCKS proxy [P, shared/DOMAIN.md].
        state = (
            f"HDXoverUDP={edt} ({edt_from})"
            if edt
            else "HDXoverUDP is not set (the client's default applies)"
        )
        warnings.append(
            f"ProxyType={proxy_type} ({type_from}) sends sessions through a proxy, but {state}: EDT (UDP) "
            "cannot pass an HTTP or SOCKS proxy [P]; set HDXoverUDP=Off in [WFClient]"
        )
    return spec


def _flag(layers: _Layers, key: str) -> Optional[bool]:
    value, where = layers.get(key, _PROXY_SECTIONS)
    if value is None:
        return None
    if value.lower() not in BOOLEAN_WORDS:
        raise IcaClientError(f"{key}={value} in {where} is not a boolean (True or False)")
    return BOOLEAN_WORDS[value.lower()]


def _split_host(value: str, *, where: str) -> tuple[str, Optional[int]]:
    text = value.strip()
    if "://" in text:
        text = text.split("://", 1)[1]
    text = text.rstrip("/")
    if text.startswith("["):
        close = text.find("]")
        if close < 0:
            raise IcaClientError(f"{where}: {value!r} is not HOST[:PORT]")
        host, rest = text[1:close], text[close + 1 :]
        port = _port(rest[1:], where=where) if rest.startswith(":") else None
        return host, port
    if text.count(":") == 1:
        host, port_text = text.split(":")
        return host, _port(port_text, where=where)
    if not text or " " in text or "/" in text:
        raise IcaClientError(f"{where}: {value!r} is not HOST[:PORT]")
    return text, None


def _port(value: str, *, where: str) -> int:
    try:
        port = int(value.strip())
    except ValueError:
        raise IcaClientError(f"{where}: {value!r} is not a port number") from None
    if not 1 <= port <= 65535:
        raise IcaClientError(f"{where}: port {port} is outside 1-65535")
    return port
