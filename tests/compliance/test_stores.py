"""Stores: each user's client lists the StoreFront and Gateway stores the inventory gives them.

Read with the client's own ``storebrowse -l``, run as the user (store lists live in the
user's ~/.ICAClient).
"""

from __future__ import annotations

import re

import pytest
from compliance_support import not_configured, user_home

ROLE = "icaclient_stores"


def _normalised(url: str) -> str:
    return url.strip().rstrip("/").lower()


def _listing(host, storebrowse: str, user: str, home: str) -> dict[str, str]:
    """URL (normalised) -> gateway name, from ``storebrowse -l`` run as ``user`` with that home."""
    result = host.run("runuser -u %s -- env HOME=%s %s -l", user, home, storebrowse)
    assert result.rc == 0, f"storebrowse -l as {user} failed (rc {result.rc}): {result.stderr.strip()}"
    stores = {}
    for line in result.stdout.splitlines():
        fields = [re.sub(r"^'(.*)'$", r"\1", field.strip()) for field in line.split("\t")]
        if len(fields) >= 2:
            stores[_normalised(fields[1])] = fields[2] if len(fields) > 2 else ""
    return stores


@pytest.fixture(scope="module")
def stores(endpoint) -> list[dict]:
    endpoint.require_area("stores")
    items = list(endpoint.vars.get(f"{ROLE}_list") or [])
    if not items:
        not_configured(f"{ROLE}_list is empty")
    return items


def test_every_user_lists_the_stores_meant_for_them_and_no_removed_one(host, endpoint, stores):
    storebrowse = f"{endpoint.icaroot_for(ROLE)}/util/storebrowse"
    assert host.file(storebrowse).exists, f"{storebrowse} does not exist: the client is not installed"
    default_users = [str(user) for user in endpoint.vars.get(f"{ROLE}_users") or []]
    # A home other than the password database's (a sandbox, a home mounted elsewhere).
    homes = {str(user): str(home) for user, home in (endpoint.vars.get(f"{ROLE}_homes") or {}).items()}
    listings: dict[str, dict[str, str]] = {}
    problems = []
    for item in stores:
        users = [str(user) for user in item.get("users") or default_users]
        if not users:
            problems.append(f"{item['url']}: names no users and {ROLE}_users is empty")
        for user in users:
            if user not in listings:
                listings[user] = _listing(host, storebrowse, user, homes.get(user) or user_home(host, user))
            listed = listings[user]
            url = _normalised(str(item["url"]))
            if item.get("state", "present") == "absent":
                if url in listed:
                    problems.append(f"{user}: {item['url']} is still listed")
            elif url not in listed:
                problems.append(f"{user}: {item['url']} is not listed")
            elif item.get("gateway") and listed[url] != item["gateway"]:
                problems.append(
                    f"{user}: {item['url']} uses gateway {listed[url]!r}, not {item['gateway']!r}"
                )
    assert not problems, "\n".join(problems)
