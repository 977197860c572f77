# -*- coding: utf-8 -*-
# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
#
# PRIVATE: this module_utils file is internal to icaclient.linux; it is not a public API and
# may change in any release.
"""Stores through the client's ``storebrowse`` tool: argv building, listing parsing, exit codes.

``storebrowse -l`` prints one store per line as tab-separated fields in single
quotes; the store URL is the field that is an http(s) URL. The exact column set
differs between client versions, so the parser does not rely on positions.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Optional
from urllib.parse import urlsplit, urlunsplit

from ._errors import IcaClientError
from ._runner import CommandResult, Runner

# Exit codes documented for storebrowse, with the fix a user needs.
EXIT_CODES = {
    5: "storebrowse rejected its arguments",
    150: (
        "the store's server certificate is not trusted by the client: add the issuing root CA to "
        "{icaroot}/keystore/cacerts (and any intermediate to keystore/intcerts) with "
        "icaclient.linux.keystore_cert, then rehash"
    ),
    235: "storebrowse was unable to add the store (unreachable server or not a store URL)",
    237: "the store was not found",
    248: "the store refused the credentials",
    126: "storebrowse could not be executed as that user (permission denied on the tool or its folder)",
    127: "storebrowse or runuser was not found",
}


@dataclass(frozen=True)
class Store:
    url: str
    fields: tuple[str, ...] = field(default_factory=tuple)

    @property
    def key(self) -> str:
        return normalise_url(self.url)


# Everything from after the scheme to the LAST "@" of the URL: the user information (a password
# may hold "@" or "/"), so that no message or output repeats any part of it.
_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*://)(.*)@", re.DOTALL)
# urlsplit silently drops tabs and line ends, but storebrowse would get them raw and its
# one-store-per-line listing would break.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def shown_url(url: str) -> str:
    """The URL as messages show it: user name and password left out, control characters escaped."""
    match = _USERINFO.match(url)
    text = match.group(1) + "***@" + url[match.end() :] if match else url
    return _CONTROL.sub(lambda found: found.group().encode("unicode_escape").decode("ascii"), text)


def url_secrets(url: str) -> list[str]:
    """The user information of a URL and its password: what a caller must mask in its output."""
    match = _USERINFO.match(url)
    if not match:
        return []
    userinfo = match.group(2)
    secrets = [userinfo]
    if ":" in userinfo:
        secrets.append(userinfo.split(":", 1)[1])
    return [secret for secret in secrets if secret]


def normalise_url(url: str) -> str:
    """Compare store URLs the way the client does: scheme and host case-insensitive, no trailing slash.

    Raises IcaClientError ("invalid store URL") for anything storebrowse should not be given:
    credentials (stores authenticate in the client, and storebrowse's arguments are visible to
    every local user in ``ps``), control characters, a port outside 1-65535, a broken IPv6 host.
    The message never repeats a user name or password.
    """
    shown = shown_url(url)
    control = _CONTROL.search(url)
    if control:
        raise IcaClientError(
            f"invalid store URL '{shown}': it contains the control character "
            f"{control.group().encode('unicode_escape').decode('ascii')} (at position {control.start()}); "
            "a store URL is one line of printable characters"
        )
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        cause = "the port is not a number from 1 to 65535" if "port" in str(exc).lower() else str(exc)
        raise IcaClientError(f"invalid store URL '{shown}': {cause}") from None
    if "@" in parts.netloc or _USERINFO.match(url):
        raise IcaClientError(
            f"invalid store URL '{shown}': it holds a user name or password; stores authenticate in the "
            "client when the user signs in, not in the URL: give the URL without them"
        )
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise IcaClientError(f"invalid store URL '{shown}': expected https://host[:port][/path]")
    if port == 0:
        raise IcaClientError(f"invalid store URL '{shown}': the port is not a number from 1 to 65535")
    host = parts.hostname.lower()
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and not (parts.scheme.lower() == "https" and port == 443):
        netloc = f"{netloc}:{port}"
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme.lower(), netloc, path, "", ""))


def parse_listing(stdout: str) -> list[Store]:
    """Parse ``storebrowse -l`` output into stores; lines without a URL are ignored."""
    stores = []
    for line in stdout.splitlines():
        fields = tuple(_unquote(part) for part in line.split("\t") if part.strip())
        url = next((value for value in fields if value.lower().startswith(("https://", "http://"))), None)
        if url:
            stores.append(Store(url=url, fields=fields))
    return stores


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value


def find_store(stores: list[Store], url: str) -> Optional[Store]:
    wanted = normalise_url(url)
    for store in stores:
        try:
            if store.key == wanted or store.key.startswith(wanted + "/"):
                return store
        except IcaClientError:
            continue
    return None


def storebrowse_path(icaroot: str, explicit: Optional[str] = None) -> str:
    path = explicit or os.path.join(icaroot, "util", "storebrowse")
    if not os.access(path, os.X_OK):
        raise IcaClientError(
            f"cannot manage stores: {path} is missing or not executable (is the client installed?)"
        )
    return path


def user_argv(argv: list[str], user: Optional[str], home: Optional[str]) -> list[str]:
    """Run as the target user: storebrowse writes that user's ~/.ICAClient."""
    if not user:
        return argv
    prefix = ["runuser", "-u", user, "--", "env"]
    if home:
        prefix.append(f"HOME={home}")
    return prefix + argv


def check(result: CommandResult, *, action: str, url: str, icaroot: str) -> None:
    if result.rc == 0:
        return
    cause = EXIT_CODES.get(result.rc, "storebrowse failed").format(icaroot=icaroot)
    raise result.error(f"cannot {action} store {url}: {cause} (exit code {result.rc})")


@dataclass
class StoreOutcome:
    changed: bool
    action: str
    stores_before: list[str]
    stores_after: list[str]


def list_stores(
    run: Runner, tool: str, *, user: Optional[str], home: Optional[str], icaroot: str
) -> list[Store]:
    result = run(user_argv([tool, "-l"], user, home))
    check(result, action="list", url="(all)", icaroot=icaroot)
    return parse_listing(result.stdout)


@dataclass(frozen=True)
class StoreRequest:
    """One store of one user: add it (``state=present``) or delete it (``absent``).

    ``gateway`` names the NetScaler Gateway to set as the store's default when the store is
    added; ``user`` and ``home`` whose stores (default: the current user's);
    ``storebrowse_path`` the storebrowse binary (default: the one under ICAROOT).
    """

    url: str
    state: str = "present"
    gateway: Optional[str] = None
    user: Optional[str] = None
    home: Optional[str] = None
    storebrowse_path: Optional[str] = None

    @classmethod
    def from_options(cls, options: Mapping[str, Any], **overrides: Any) -> StoreRequest:
        """A request from storebrowse_store's options (other keys ignored), ``overrides`` applied."""
        given = {each.name: options.get(each.name) for each in dataclasses.fields(cls)}
        return cls(**{**given, **overrides})


def ensure_store(
    run: Runner, request: StoreRequest, *, icaroot: str, check_mode: bool = False
) -> StoreOutcome:
    """Add or delete one store, idempotent through the listing.

    The listing does not show a store's gateway reliably, so it is not compared later.
    """
    url, state, gateway, user, home = request.url, request.state, request.gateway, request.user, request.home
    normalise_url(url)
    if user and home and not os.path.isdir(home):
        raise IcaClientError(
            f"cannot manage stores of user {user}: the home folder {home} does not exist (storebrowse keeps "
            "the user's stores in ~/.ICAClient there); create the home or give the user's home"
        )
    binary = storebrowse_path(icaroot, request.storebrowse_path)
    before = list_stores(run, binary, user=user, home=home, icaroot=icaroot)
    before_urls = [store.url for store in before]
    existing = find_store(before, url)
    if state == "present" and existing is None:
        if not check_mode:
            argv = [binary, "-a", url]
            check(run(user_argv(argv, user, home)), action="add", url=url, icaroot=icaroot)
            if gateway:
                argv = [binary, "-g", gateway, url]
                check(run(user_argv(argv, user, home)), action="set the gateway of", url=url, icaroot=icaroot)
            after = [store.url for store in list_stores(run, binary, user=user, home=home, icaroot=icaroot)]
        else:
            after = [*before_urls, url]
        return StoreOutcome(True, "added", before_urls, after)
    if state == "absent" and existing is not None:
        if not check_mode:
            check(
                run(user_argv([binary, "-d", existing.url], user, home)),
                action="delete",
                url=url,
                icaroot=icaroot,
            )
            after = [store.url for store in list_stores(run, binary, user=user, home=home, icaroot=icaroot)]
        else:
            after = [u for u in before_urls if u != existing.url]
        return StoreOutcome(True, "deleted", before_urls, after)
    return StoreOutcome(False, "none", before_urls, before_urls)
