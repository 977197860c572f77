# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""What every probe of a run shares: the options, the client's settings and the trust plan."""

from __future__ import annotations

import dataclasses
import datetime
import math
import os
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional

from .._errors import IcaClientError
from .._icaroot import FEATURES, ClientVersion, Keystore, feature, given_version, read_client_version
from .proxy import (
    PROXY_AUTHS,
    ProxySpec,
    parse_proxy_url,
    require_ntlm,
)
from .settings import ClientSettings, read_client_settings
from .tls import TlsContexts
from .trust import TrustOverlay, make_trust_overlay

DEFAULT_ICAROOT = "/opt/Citrix/ICAClient"
MAX_CONCURRENCY = 1024
MAX_TIMEOUT = 3600.0
TRUST_SYSTEM_STORE = ("auto", "yes", "no")
# What a TLS attempt ends with when the peer drops the connection without a word of TLS.
_NETWORK_REASONS = frozenset(("closed", "connection reset by peer", "broken pipe"))
KEYSTORE = "keystore"
SYSTEM_STORE = "system_store"
DIRECT_WORDS = ("direct", "none")
VERIFY = "verify"
EXPIRY_WARNING_DAYS = 30
_UTC = datetime.timezone.utc


@dataclass(frozen=True)
class ProbeOptions:
    """What every probe of a run shares. Timeouts are per phase, in seconds."""

    keystore: Keystore
    settings: ClientSettings
    connect_timeout: float = 5.0
    proxy_timeout: float = 5.0
    tls_timeout: float = 5.0
    concurrency: int = 32
    now: Optional[datetime.datetime] = None
    #: A system store consulted only to tell the user what a 2309+ client would do (the
    #: client at hand does not trust it, or its version is unknown).
    system_store_hint: Optional[str] = None
    #: Said on every verdict that depends on the system store (unknown version, missing store).
    trust_warnings: tuple[str, ...] = ()
    #: Proposed keystore changes judged in memory (a what-if); empty: the keystore as it is.
    overlay: TrustOverlay = dataclasses.field(default_factory=TrustOverlay)


@dataclass(frozen=True)
class ProbeRequest:
    """What the user asked for, as both faces (module and CLI) give it to :func:`make_options`.

    - ``icaroot`` (default ``/opt/Citrix/ICAClient``): the keystore is
      ``<icaroot>/keystore``; the window and proxy come from the client's files
      (``<icaroot>/config`` and ``<user_home>/.ICAClient``, ``user_home``
      defaulting to the home of the user running the probe).
    - ``keystore``: a folder holding ``cacerts/`` and ``intcerts/``, instead of an
      installed client; then only ``user_home``'s files are read, when given.
    - ``proxy``: a URL (overrides the configured proxy) or ``direct``.
      ``proxy_username``/``proxy_password``/``proxy_auth`` without ``proxy`` apply to
      the configured proxy.
    - ``client_version`` (``23.9.0.24`` or ``2309``): the client's version, instead of
      ``<icaroot>/pkginf/Ver.core.*``; unknown when neither says it.
    - ``trust_system_store``: ``auto`` trusts the system store besides the keystore for
      2309+ clients (the keystore alone below, and for an unknown version, with a
      warning), ``yes``/``no`` decide; ``system_store`` is its folder (default OpenSSL's).
    - ``ssl_ciphers`` (``ALL``, ``COM``, ``GOV``): instead of the client's ``SSLCiphers``.
    - ``trust_add``/``trust_remove``: certificates (PEM content; a removal may also be a
      SHA-256 fingerprint) the keystore would gain or lose, judged in memory: what a
      change would do before it is rolled out, with nothing written on the endpoint.
    """

    icaroot: Optional[str] = None
    keystore: Optional[str] = None
    user_home: Optional[str] = None
    proxy: Optional[str] = None
    proxy_username: Optional[str] = None
    proxy_password: Optional[str] = None
    proxy_auth: Optional[str] = None
    min_tls: Optional[str] = None
    max_tls: Optional[str] = None
    timeout: float = 5.0
    concurrency: int = 32
    client_version: Optional[str] = None
    trust_system_store: str = "auto"
    system_store: Optional[str] = None
    ssl_ciphers: Optional[str] = None
    trust_add: Sequence[str] = ()
    trust_remove: Sequence[str] = ()

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any]) -> ProbeRequest:
        """The request from a face's values (the module's params, the CLI's arguments): the keys
        a request has, a None value leaving the default."""
        names = {item.name for item in dataclasses.fields(cls)}
        return cls(**{key: value for key, value in values.items() if key in names and value is not None})

    def client_overrides(self) -> dict[str, Optional[str]]:
        """The client settings the request gives instead of the client's files."""
        return {"min_tls": self.min_tls, "max_tls": self.max_tls, "ssl_ciphers": self.ssl_ciphers}


def make_options(request: Optional[ProbeRequest] = None, /, **fields: Any) -> ProbeOptions:
    """The options of a run from a :class:`ProbeRequest` (or its fields as keywords)."""
    request = request if request is not None else ProbeRequest(**fields)
    if request.icaroot and request.keystore:
        raise IcaClientError("give the client's icaroot or a keystore folder, not both")
    timeout = _seconds(request.timeout)
    concurrency = _count(request.concurrency)
    proxy_auth = request.proxy_auth
    proxy_username, proxy_password = request.proxy_username, request.proxy_password
    if proxy_auth is not None and proxy_auth not in PROXY_AUTHS:
        raise IcaClientError(
            f"unknown proxy authentication {proxy_auth!r}: use one of {', '.join(PROXY_AUTHS)}"
        )
    if request.keystore:
        store = Keystore(request.keystore)
        config_root = None
        home = request.user_home
    else:
        config_root = request.icaroot or DEFAULT_ICAROOT
        if not os.path.isdir(config_root):
            raise IcaClientError(
                f"the client's ICAROOT {config_root} does not exist: give the folder the client is installed in "
                "(icaroot) or a keystore folder (keystore)"
            )
        store = Keystore.of_icaroot(config_root)
        home = request.user_home or os.path.expanduser("~")
    version = (
        given_version(request.client_version) if request.client_version else read_client_version(config_root)
    )
    trust, folder, hint, trust_warnings = _trust_plan(
        version, request.trust_system_store, request.system_store
    )
    explicit: Optional[ProxySpec] = None
    direct = False
    proxy = request.proxy
    if proxy and proxy.strip().lower() in DIRECT_WORDS:
        direct = True
    elif proxy:
        explicit = parse_proxy_url(
            proxy, username=proxy_username, password=proxy_password, auth=proxy_auth or "auto"
        )
    overlay = make_trust_overlay(add=request.trust_add, remove=request.trust_remove)
    settings = read_client_settings(
        icaroot=config_root, user_home=home, proxy=explicit, direct=direct, **request.client_overrides()
    )
    configured = settings.proxy
    if explicit is None and configured is not None and (proxy_username or proxy_password or proxy_auth):
        configured = dataclasses.replace(
            configured,
            username=proxy_username or configured.username,
            password=proxy_password if proxy_password else configured.password,
            auth=proxy_auth or configured.auth,
        )
        if configured.auth in ("basic", "ntlm") and not configured.username:
            raise IcaClientError(f"proxy authentication {configured.auth} needs a proxy username")
        settings = dataclasses.replace(settings, proxy=configured)
    settings = dataclasses.replace(
        settings,
        client_version=version,
        trust_system_store=trust,
        system_store=folder,
        sources=(*settings.sources, f"client version {version.label()} ({version.source})"),
        trust_changes=overlay.labels,
    )
    return ProbeOptions(
        keystore=store,
        settings=settings,
        connect_timeout=timeout,
        proxy_timeout=timeout,
        tls_timeout=timeout,
        concurrency=concurrency,
        system_store_hint=hint,
        trust_warnings=trust_warnings,
        overlay=overlay,
    )


def _seconds(value: Any) -> float:
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise IcaClientError(f"timeout must be a number of seconds, not {str(value)[:40]!r}") from None
    # NaN compares false with everything: test for the good range, not the bad one.
    if not (math.isfinite(seconds) and 0 < seconds <= MAX_TIMEOUT):
        raise IcaClientError(
            f"timeout must be a positive, finite number of seconds (at most {MAX_TIMEOUT:g}), not {value}"
        )
    return seconds


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str, float)):
        raise IcaClientError(f"concurrency must be a whole number, not {str(value)[:40]!r}")
    try:
        count = int(value)
    except (TypeError, ValueError, OverflowError):
        raise IcaClientError(f"concurrency must be a whole number, not {str(value)[:40]!r}") from None
    if isinstance(value, float) and count != value:
        raise IcaClientError(f"concurrency must be a whole number, not {value}")
    if not 1 <= count <= MAX_CONCURRENCY:
        raise IcaClientError(f"concurrency must be between 1 and {MAX_CONCURRENCY}, not {value}")
    return count


def default_system_store() -> str:
    """OpenSSL's default certificate folder on this host (``SSL_CERT_DIR`` when set)."""
    paths = ssl.get_default_verify_paths()
    return paths.capath or paths.openssl_capath


def _trust_plan(
    version: ClientVersion, mode: str, system_store: Optional[str]
) -> tuple[bool, Optional[str], Optional[str], tuple[str, ...]]:
    """(trust the system store, its folder when trusted, a folder to consult for a hint, warnings).

    From 2309 the client also trusts the system certificate path, on by default
    [C feature, U the key that turns it off and the exact paths: shared/DOMAIN.md].
    """
    if mode not in TRUST_SYSTEM_STORE:
        raise IcaClientError(
            f"trust_system_store must be one of {', '.join(TRUST_SYSTEM_STORE)}, not {str(mode)[:20]!r}"
        )
    if system_store is not None and not os.path.isdir(system_store):
        raise IcaClientError(
            f"the system store {system_store} is not a folder: give the folder of hashed certificates "
            "the endpoint's OpenSSL uses (for example /etc/ssl/certs)"
        )
    folder = system_store or default_system_store()
    present = os.path.isdir(folder)
    release = FEATURES["system_store"].release
    if mode == "no":
        return False, None, None, ()
    has = True if mode == "yes" else feature(version, "system_store")
    if has:
        if not present:
            return (
                True,
                None,
                None,
                (f"the system store {folder} does not exist: the keystore alone was used",),
            )
        return True, folder, None, ()
    if has is None:
        warning = (
            f"the client's version is unknown ({version.source}): the chain was judged against the keystore "
            f"alone, but clients {release} and later also trust the system store {folder}; give "
            "client_version (or trust_system_store) to judge as the endpoint's client does"
        )
        return False, None, folder if present else None, (warning,)
    return False, None, folder if present else None, ()


def prepare(options: ProbeOptions) -> TlsContexts:
    """Check what a run needs before any target is probed (raises IcaClientError)."""
    proxy = options.settings.proxy
    if proxy is not None and proxy.kind == "http" and proxy.auth == "ntlm":
        require_ntlm()
    folder = (
        options.settings.system_store if options.settings.trust_system_store else options.system_store_hint
    )
    return TlsContexts(
        options.keystore,
        system_store=folder,
        ssl_ciphers=options.settings.ssl_ciphers,
        overlay=options.overlay,
    )
