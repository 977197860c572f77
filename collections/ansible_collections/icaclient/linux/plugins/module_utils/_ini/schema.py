# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""What the client accepts in its ini files: known keys, their values and the rules between them.

The schema is data (plain dicts and lists) so that a value this project got
wrong, or a key of a newer client, is fixed by configuration
(:func:`build_schema` with overrides) rather than by code. Facts marked [U] in
``DOMAIN.md`` are unconfirmed; they live here as data for that reason.

Key specs (``SCHEMA["keys"]``), by key name (matched case-insensitively):

- ``type``: ``string``, ``choice`` (``choices``), ``int`` (``min``, ``max``),
  ``bool``, ``tls`` (a TLS version), ``url`` (``schemes``), ``hostport`` (a
  host with an optional ``:port``), ``relay`` (``*:PORT`` or ``FQDN:PORT``
  where the FQDN has at least ``min_labels`` labels).
- ``secret``: the value is never shown. A key whose name contains one of
  ``SCHEMA["secret_patterns"]`` is secret too unless its spec says ``secret: False``.
- ``bool_words``: how a YAML boolean is written for this key (``True``/``False``
  or ``On``/``Off``).
- ``lockdown_section``: the section of the lockdown profiles
  (``All_Regions.ini``, ``*_Region.ini``) that restricts this key.

Rules (``SCHEMA["rules"]``): ``requires`` (when a key has one of some values,
other keys must be set and not empty) and ``tls_order`` (minimum <= maximum,
with the client's defaults for a key that is not set).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

MASK = "********"

BOOLEAN_WORDS = {
    "true": True,
    "false": False,
    "on": True,
    "off": False,
    "yes": True,
    "no": False,
    "1": True,
    "0": False,
}

_PROXY = "Network\\Proxy"
_SSL = "Network\\SSL"
_CGP = "Network\\CGP"
_UDT = "Network\\UDT"
_TRUE_FALSE = ["True", "False"]
_ON_OFF = ["On", "Off"]

SCHEMA: dict[str, Any] = {
    "keys": {
        # Proxy [C]; SocksV4 and SocksV5 [P].
        "ProxyType": {
            "type": "choice",
            "choices": ["None", "Auto", "Wpad", "Socks", "SocksV4", "SocksV5", "Secure", "Script"],
            "lockdown_section": _PROXY,
        },
        "ProxyHost": {"type": "hostport", "lockdown_section": _PROXY},
        "ProxyPort": {"type": "int", "min": 1, "max": 65535, "lockdown_section": _PROXY},
        "ProxyBypassList": {"type": "string", "lockdown_section": _PROXY},
        "ProxyAutoConfigURL": {
            "type": "url",
            "schemes": ["http", "https", "file"],
            "lockdown_section": _PROXY,
        },
        "ProxyUsername": {"type": "string", "lockdown_section": _PROXY},
        "ProxyPassword": {"type": "string", "secret": True, "lockdown_section": _PROXY},
        # Unit and upper bound [U]: milliseconds, at most one hour.
        "ProxyTimeout": {"type": "int", "min": 0, "max": 3600000, "lockdown_section": _PROXY},
        "WpadHost": {"type": "url", "schemes": ["http", "https"], "lockdown_section": _PROXY},
        "ProxyUseDefault": {"type": "bool", "bool_words": _TRUE_FALSE, "lockdown_section": _PROXY},
        "ProxyFallback": {"type": "bool", "bool_words": _TRUE_FALSE, "lockdown_section": _PROXY},
        "ProxyAuthenticationBasic": {"type": "bool", "bool_words": _TRUE_FALSE, "lockdown_section": _PROXY},
        "ProxyAuthenticationNTLM": {"type": "bool", "bool_words": _TRUE_FALSE, "lockdown_section": _PROXY},
        "ProxyAuthenticationPrompt": {"type": "bool", "bool_words": _TRUE_FALSE, "lockdown_section": _PROXY},
        # TLS [C]; the lockdown section of the TLS keys [U].
        "MinimumTLS": {"type": "tls", "lockdown_section": _SSL},
        "MaximumTLS": {"type": "tls", "lockdown_section": _SSL},
        "SSLEnable": {"type": "bool", "bool_words": _TRUE_FALSE, "lockdown_section": _SSL},
        # SSL Relay on another port: *:PORT; Secure Gateway relay: FQDN (three labels or more):PORT.
        "SSLProxyHost": {"type": "relay", "min_labels": 3, "lockdown_section": _SSL},
        "SSLCiphers": {"type": "choice", "choices": ["ALL", "COM", "GOV"], "lockdown_section": _SSL},
        "SSLCertificateRevocationCheckPolicy": {
            "type": "choice",
            "choices": [
                "NoCheck",
                "CheckWithNoNetworkAccess",
                "FullAccessCheck",
                "FullAccessCheckAndCRLRequired",
            ],
            "lockdown_section": _SSL,
        },
        "SSLEnableLegacyTLSProtocols": {"type": "bool", "bool_words": _TRUE_FALSE, "lockdown_section": _SSL},
        "CGPAddress": {"type": "relay", "min_labels": 1, "lockdown_section": _CGP},
        # EDT, HDX over UDP: Off, On, Preferred; Off with a Secure or Socks proxy, which UDP cannot
        # pass [P]. Its lockdown section [U] (no source found; override it by configuration).
        "HDXoverUDP": {"type": "choice", "choices": ["Off", "On", "Preferred"], "lockdown_section": _UDT},
        # Smart card (module.ini, [ICA 3.0], [WFClient]).
        "PCSCLibraryName": {"type": "string", "nonempty": True},
        "SmartCardAllowed": {"type": "bool", "bool_words": _TRUE_FALSE},
        "SmartCard": {"type": "bool", "bool_words": _ON_OFF},
        "DisableCtrlAltDel": {"type": "bool", "bool_words": _ON_OFF},
        # A switch, not a password, although its name contains one.
        "UseLocalUserAndPassword": {"type": "bool", "bool_words": _ON_OFF, "secret": False},
    },
    "rules": [
        {
            "rule": "requires",
            "key": "ProxyType",
            "values": ["Socks", "SocksV4", "SocksV5", "Secure"],
            "requires": ["ProxyHost"],
        },
        {"rule": "requires", "key": "ProxyType", "values": ["Script"], "requires": ["ProxyAutoConfigURL"]},
        {"rule": "tls_order", "minimum": "MinimumTLS", "maximum": "MaximumTLS"},
    ],
    "tls": {
        "versions": ["1.0", "1.1", "1.2", "1.3"],
        # The client also reads a version written without the dot.
        "aliases": {"10": "1.0", "11": "1.1", "12": "1.2", "13": "1.3"},
        "defaults": {"MinimumTLS": "1.0", "MaximumTLS": "1.2"},
        # Versions that need allow_tls13 or a client at least tls13_min_client_version [U]:
        # no released version is known to us for sure, so only allow_tls13 unlocks 1.3 by default.
        "tls13_versions": ["1.3"],
        "tls13_min_client_version": None,
    },
    "secret_patterns": ["password", "passwd", "secret"],
}


def key_spec(key: str, schema: Optional[Mapping[str, Any]] = None) -> Optional[dict[str, Any]]:
    schema = schema or SCHEMA
    folded = key.strip().lower()
    for name, spec in schema["keys"].items():
        if name.lower() == folded:
            return dict(spec, name=name)
    return None


def is_secret(key: str, schema: Optional[Mapping[str, Any]] = None) -> bool:
    """True for keys whose values must never be shown: known secrets and any *Password*-like name."""
    schema = schema or SCHEMA
    spec = key_spec(key, schema)
    if spec is not None and "secret" in spec:
        return bool(spec["secret"])  # an explicit False clears a name that only looks secret
    folded = key.lower()
    return any(pattern in folded for pattern in schema["secret_patterns"])


def shown(key: str, value: Optional[str], schema: Optional[Mapping[str, Any]] = None) -> str:
    """``value`` as it may appear in messages: secrets masked."""
    if value is None:
        return "(not set)"
    return MASK if is_secret(key, schema) else value


def lockdown_section(key: str, schema: Optional[Mapping[str, Any]] = None) -> Optional[str]:
    spec = key_spec(key, schema)
    return spec.get("lockdown_section") if spec else None


def normalize_tls(value: str, schema: Optional[Mapping[str, Any]] = None) -> Optional[str]:
    """``1.2`` for ``1.2`` or ``12``; None for a value that is not a TLS version the schema knows."""
    tls = (schema or SCHEMA)["tls"]
    text = value.strip()
    if text in tls["versions"]:
        return text
    return tls["aliases"].get(text)


# Region name -> file names, singular (real packages) first, plural (the vendor's
# document) second. Every existing name is used: both when both exist.
REGION_FILES: dict[str, tuple[str, ...]] = {
    "all": ("All_Regions.ini",),
    "trusted": ("Trusted_Region.ini", "Trusted_Regions.ini"),
    "untrusted": ("Untrusted_Region.ini", "Untrusted_Regions.ini"),
    "unknown": ("Unknown_Region.ini", "Unknown_Regions.ini"),
    # Windows clients have these zones too; present on Linux only if someone made them [U].
    "restricted": ("Restricted_Region.ini", "Restricted_Regions.ini"),
    "intranet": ("Intranet_Region.ini", "Intranet_Regions.ini"),
    "internet": ("Internet_Region.ini", "Internet_Regions.ini"),
}
