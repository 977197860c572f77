# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
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

import copy
import re
from collections.abc import Iterable, Mapping
from typing import Any, Optional

from ._errors import IcaClientError
from ._icaroot import parse_version

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


def build_schema(overrides: Optional[Mapping[str, Any]] = None) -> dict[str, Any]:
    """The default schema with ``overrides`` applied.

    ``overrides["keys"]``: key specs merged into the known ones (a spec of ``None``
    forgets the key); ``overrides["rules"]``: rules added; ``overrides["tls"]`` and
    ``overrides["secret_patterns"]`` replace the corresponding entries.
    """
    schema = copy.deepcopy(SCHEMA)
    if not overrides:
        return schema
    unknown = set(overrides) - {"keys", "rules", "tls", "secret_patterns"}
    if unknown:
        raise IcaClientError(f"unknown schema override(s): {', '.join(sorted(unknown))}")
    index = {name.lower(): name for name in schema["keys"]}
    for name, spec in (overrides.get("keys") or {}).items():
        existing = index.get(name.lower())
        if spec is None:
            if existing:
                del schema["keys"][existing]
            continue
        if not isinstance(spec, Mapping):
            raise IcaClientError(f"schema override for key {name} must be a mapping")
        if existing:
            schema["keys"][existing].update(copy.deepcopy(dict(spec)))
        else:
            schema["keys"][name] = copy.deepcopy(dict(spec))
    for spec in schema["keys"].values():
        if spec.get("type", "string") not in _CHECKS:
            raise IcaClientError(f"schema: unknown key type {spec.get('type')!r}")
    schema["rules"].extend(copy.deepcopy(list(overrides.get("rules") or [])))
    if "tls" in overrides:
        schema["tls"].update(copy.deepcopy(dict(overrides["tls"])))
    if "secret_patterns" in overrides:
        schema["secret_patterns"] = [str(p).lower() for p in overrides["secret_patterns"]]
    return schema


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


def ini_value(key: str, value: Any, *, path: str, schema: Optional[Mapping[str, Any]] = None) -> str:
    """Turn a value from YAML/JSON into the text written to the ini file.

    A YAML boolean is written in the key's own words (``True``/``False`` or
    ``On``/``Off``); for a key the schema does not know it is refused, because
    ``SmartCard: yes`` would otherwise become ``True`` where the client expects ``On``.
    """
    if isinstance(value, bool):
        spec = key_spec(key, schema)
        words = spec.get("bool_words") if spec else None
        if not words:
            raise IcaClientError(
                f"cannot set {key} in {path}: a YAML boolean is ambiguous for this key; "
                "quote the value as the client expects it (for example 'True', 'On' or '1')"
            )
        return str(words[0] if value else words[1])
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return value
    raise IcaClientError(f"cannot set {key} in {path}: a value must be a string, a number or a boolean")


# -- single values -------------------------------------------------------------------------------------

_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
_IPV4 = re.compile(r"^\d{1,3}(\.\d{1,3}){3}$")


def _check_int(spec: Mapping[str, Any], value: str, _ctx: Mapping[str, Any]) -> Optional[str]:
    low, high = spec.get("min"), spec.get("max")
    if not re.fullmatch(r"[+-]?\d+", value.strip()):
        return f"must be an integer{_range_text(low, high)}"
    number = int(value)
    if (low is not None and number < low) or (high is not None and number > high):
        return f"must be an integer{_range_text(low, high)}"
    return None


def _range_text(low: Optional[int], high: Optional[int]) -> str:
    if low is not None and high is not None:
        return f" from {low} to {high}"
    if low is not None:
        return f" of at least {low}"
    if high is not None:
        return f" of at most {high}"
    return ""


def _check_choice(spec: Mapping[str, Any], value: str, _ctx: Mapping[str, Any]) -> Optional[str]:
    choices = list(spec.get("choices") or [])
    if value.lower() in (choice.lower() for choice in choices):
        return None
    return f"must be one of {', '.join(choices)}"


def _check_bool(spec: Mapping[str, Any], value: str, _ctx: Mapping[str, Any]) -> Optional[str]:
    if value.lower() in BOOLEAN_WORDS:
        return None
    return "must be a boolean (True/False, On/Off, Yes/No, 1/0)"


def _check_string(spec: Mapping[str, Any], value: str, _ctx: Mapping[str, Any]) -> Optional[str]:
    if spec.get("nonempty") and not value:
        return "must not be empty"
    return None


def _check_url(spec: Mapping[str, Any], value: str, _ctx: Mapping[str, Any]) -> Optional[str]:
    schemes = [s.lower() for s in spec.get("schemes") or ["http", "https"]]
    match = re.match(r"^([A-Za-z][A-Za-z0-9+.-]*)://(\S*)$", value)
    if (
        not match
        or match.group(1).lower() not in schemes
        or (match.group(1).lower() != "file" and not match.group(2))
    ):
        return f"must be a URL ({', '.join(s + '://' for s in schemes)})"
    return None


def _split_host_port(value: str) -> tuple[str, Optional[str]]:
    if value.startswith("["):  # [IPv6]:port
        close = value.find("]")
        if close < 0:
            return value, None
        rest = value[close + 1 :]
        return value[: close + 1], (rest[1:] if rest.startswith(":") else rest if rest else None)
    if value.count(":") == 1:
        host, port = value.split(":")
        return host, port
    return value, None


def _port_problem(port: Optional[str]) -> Optional[str]:
    if port is None:
        return None
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        return f"port {port!r} must be an integer from 1 to 65535"
    return None


def _host_problem(host: str) -> Optional[str]:
    if not host or any(ch.isspace() for ch in host):
        return "needs a host name or address without blanks"
    if host.startswith("["):
        return None
    if _IPV4.match(host):
        return None if all(int(part) <= 255 for part in host.split(".")) else "is not a valid IPv4 address"
    labels = host.rstrip(".").split(".")
    if not all(_LABEL.match(label) for label in labels):
        return "is not a valid host name"
    return None


def _check_hostport(spec: Mapping[str, Any], value: str, _ctx: Mapping[str, Any]) -> Optional[str]:
    if not value:
        return None
    host, port = _split_host_port(value)
    return _host_problem(host) or _port_problem(port)


def _check_relay(spec: Mapping[str, Any], value: str, _ctx: Mapping[str, Any]) -> Optional[str]:
    host, port = _split_host_port(value)
    if port is None and value.count(":") > 1 and not value.startswith("["):
        return "must be *:PORT or HOST:PORT"
    port_problem = _port_problem(port) if port is not None else None
    if port_problem:
        return port_problem
    if host == "*":
        return None if port is not None else "must be *:PORT (for example *:443)"
    min_labels = int(spec.get("min_labels") or 1)
    if _IPV4.match(host) or host.startswith("["):
        if min_labels > 1:
            return (
                f"must name the gateway by its fully qualified domain name (host, intermediate domain, "
                f"top-level domain: at least {min_labels} labels), not an IP address"
            )
        return None
    problem = _host_problem(host)
    if problem:
        return problem
    labels = [label for label in host.rstrip(".").split(".") if label]
    if len(labels) < min_labels:
        return (
            f"must be a fully qualified domain name with at least {min_labels} labels (host, intermediate "
            f"domain, top-level domain), such as gateway.example.com; {host!r} has {len(labels)}"
        )
    return None


def normalize_tls(value: str, schema: Optional[Mapping[str, Any]] = None) -> Optional[str]:
    """``1.2`` for ``1.2`` or ``12``; None for a value that is not a TLS version the schema knows."""
    tls = (schema or SCHEMA)["tls"]
    text = value.strip()
    if text in tls["versions"]:
        return text
    return tls["aliases"].get(text)


def _check_tls(spec: Mapping[str, Any], value: str, ctx: Mapping[str, Any]) -> Optional[str]:
    schema = ctx["schema"]
    tls = schema["tls"]
    version = normalize_tls(value, schema)
    if version is None:
        accepted = list(tls["versions"]) + list(tls["aliases"])
        return f"must be a TLS version ({', '.join(accepted)})"
    if version in tls.get("tls13_versions", []) and not _tls13_allowed(ctx):
        minimum = tls.get("tls13_min_client_version")
        how = "set allow_tls13" + (f" or use a client version >= {minimum}" if minimum else "")
        return f"TLS {version} is not enabled for this client ({how})"
    return None


def _version_tuple(text: str) -> tuple[int, ...]:
    """A TLS version (``1.2``) as numbers, to order MinimumTLS and MaximumTLS."""
    return tuple(int(part) for part in re.findall(r"\d+", str(text)))


def _tls13_allowed(ctx: Mapping[str, Any]) -> bool:
    if ctx.get("allow_tls13"):
        return True
    minimum = ctx["schema"]["tls"].get("tls13_min_client_version")
    client = ctx.get("client_version")
    if not (minimum and client):
        return False
    # One reading of versions (_icaroot): "2309" is 23.9, not a version above every 23.x.
    have, need = parse_version(str(client)), parse_version(str(minimum))
    return bool(have and need and have >= need)


_CHECKS = {
    "string": _check_string,
    "choice": _check_choice,
    "int": _check_int,
    "bool": _check_bool,
    "url": _check_url,
    "hostport": _check_hostport,
    "relay": _check_relay,
    "tls": _check_tls,
}


def check_value(
    key: str,
    value: str,
    *,
    schema: Optional[Mapping[str, Any]] = None,
    allow_tls13: bool = False,
    client_version: Optional[str] = None,
) -> Optional[str]:
    """The problem with ``key=value`` in words, or None when the value is acceptable or the key unknown."""
    schema = schema or SCHEMA
    spec = key_spec(key, schema)
    if spec is None:
        return None
    check = _CHECKS[spec.get("type", "string")]
    ctx = {"schema": schema, "allow_tls13": allow_tls13, "client_version": client_version}
    return check(spec, value, ctx)


# -- whole sections ------------------------------------------------------------------------------------


def validate(
    settings_after: Mapping[str, str],
    *,
    path: str,
    section: Optional[str] = None,
    changed_keys: Optional[Iterable[str]] = None,
    allow_tls13: bool = False,
    client_version: Optional[str] = None,
    schema: Optional[Mapping[str, Any]] = None,
) -> None:
    """Check the settings of one section as they will be after an edit.

    ``settings_after`` maps key to value (any case). With ``changed_keys``, single
    values are checked only for those keys and a rule only when one of its keys
    changed, so a stock file's own oddities never block an unrelated edit.
    Raises IcaClientError naming the file, the key and the (masked) value.
    """
    schema = schema or SCHEMA
    values = {key.lower(): (key, value) for key, value in settings_after.items()}
    changed = None if changed_keys is None else {key.lower() for key in changed_keys}
    where = f"{path} [{section}]" if section else path
    problems: list[str] = []

    for folded, (key, value) in values.items():
        if changed is not None and folded not in changed:
            continue
        problem = check_value(
            key, value, schema=schema, allow_tls13=allow_tls13, client_version=client_version
        )
        if problem:
            problems.append(f"{key}={shown(key, value, schema)}: {problem}")

    for rule in schema["rules"]:
        problem = _check_rule(rule, values, changed, schema)
        if problem:
            problems.append(problem)

    if problems:
        raise IcaClientError(
            f"invalid settings for {where}: " + "; ".join(problems),
            path=path,
            section=section,
            problems=problems,
        )


def _check_rule(
    rule: Mapping[str, Any],
    values: Mapping[str, tuple[str, str]],
    changed: Optional[set[str]],
    schema: Mapping[str, Any],
) -> Optional[str]:
    kind = rule.get("rule")
    if kind == "requires":
        involved = [rule["key"], *rule["requires"]]
        if changed is not None and not any(name.lower() in changed for name in involved):
            return None
        entry = values.get(rule["key"].lower())
        if entry is None or entry[1].lower() not in (v.lower() for v in rule["values"]):
            return None
        missing = [name for name in rule["requires"] if not values.get(name.lower(), ("", ""))[1]]
        if missing:
            key, value = entry
            return f"{key}={shown(key, value, schema)} needs {' and '.join(missing)} to be set"
        return None
    if kind == "tls_order":
        low_name, high_name = rule["minimum"], rule["maximum"]
        if changed is not None and low_name.lower() not in changed and high_name.lower() not in changed:
            return None
        defaults = schema["tls"].get("defaults", {})
        low_raw = values.get(low_name.lower(), (low_name, defaults.get(low_name)))[1]
        high_raw = values.get(high_name.lower(), (high_name, defaults.get(high_name)))[1]
        low = normalize_tls(low_raw, schema) if low_raw else None
        high = normalize_tls(high_raw, schema) if high_raw else None
        if low is None or high is None:
            return None  # reported as a bad single value
        if _version_tuple(low) > _version_tuple(high):
            low_note = "" if low_name.lower() in values else " (the client's default)"
            high_note = "" if high_name.lower() in values else " (the client's default)"
            return (
                f"{low_name}={low_raw}{low_note} is above {high_name}={high_raw}{high_note}: "
                "no TLS version would be left to negotiate"
            )
        return None
    raise IcaClientError(f"schema: unknown rule {kind!r}")
