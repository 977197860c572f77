# Copyright: (c) 2026, icaclient.linux developers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Stores through the client's ``storebrowse`` tool: argv building, listing parsing, exit codes.

``storebrowse -l`` prints one store per line as tab-separated fields in single
quotes; the store URL is the field that is an http(s) URL. The exact column set
differs between client versions, so the parser does not rely on positions.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Optional
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


def normalise_url(url: str) -> str:
    """Compare store URLs the way the client does: scheme and host case-insensitive, no trailing slash."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise IcaClientError(f"invalid store URL {url!r}: expected https://host[:port][/path]")
    netloc = parts.hostname.lower()
    if parts.port is not None and not (parts.scheme.lower() == "https" and parts.port == 443):
        netloc = f"{netloc}:{parts.port}"
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
    raise IcaClientError(
        f"cannot {action} store {url}: {cause} (exit code {result.rc})",
        cmd=list(result.argv),
        rc=result.rc,
        stderr=result.stderr,
    )


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


def ensure_store(
    run: Runner,
    *,
    icaroot: str,
    url: str,
    state: str,
    gateway: Optional[str] = None,
    user: Optional[str] = None,
    home: Optional[str] = None,
    tool: Optional[str] = None,
    check_mode: bool = False,
) -> StoreOutcome:
    """Add (state=present) or delete (state=absent) one store, idempotent through the listing.

    ``gateway`` names the NetScaler Gateway to set as the store's default when the
    store is added; the listing does not show it reliably, so it is not compared later.
    """
    normalise_url(url)
    binary = storebrowse_path(icaroot, tool)
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
