"""Existing users' ~/.ICAClient copies in step with $ICAROOT/config.

Files in $ICAROOT/config reach only users who start the client for the first time; an
existing user keeps reading ~/.ICAClient/wfclient.ini and a per-user All_Regions.ini. A
stale copy is the classic "I changed the setting and nothing happened".
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from compliance_settings import (
    ROLE,
    expected_settings,
    lockdown_problems,
    region_of,
    settings_for_region,
    wfclient_problems,
)
from compliance_support import not_configured, read_ini, region_profiles


@dataclass(frozen=True)
class UserFolder:
    user: str
    path: str


# Users as the role picks them: named ones, or those in the uid range, whose ~/.ICAClient is a
# real folder (a link a user made is never followed by root).
USER_FOLDERS = r"""
min=$1 max=$2; shift 2
getent passwd | while IFS=: read -r name _ uid _ _ home _; do
  if [ "$#" -gt 0 ]; then
    wanted=no
    for listed in "$@"; do [ "$listed" = "$name" ] && wanted=yes; done
    [ "$wanted" = yes ] || continue
  elif [ "$uid" -lt "$min" ] || [ "$uid" -gt "$max" ]; then
    continue
  fi
  if [ -d "$home/.ICAClient" ] && [ ! -L "$home/.ICAClient" ]; then printf '%s\t%s\n' "$name" "$home/.ICAClient"; fi
done
"""


@pytest.fixture(scope="module")
def settings(endpoint):
    endpoint.require_area("users")
    if not endpoint.vars.get(f"{ROLE}_update_users", True):
        not_configured(f"{ROLE}_update_users is false")
    found = expected_settings(endpoint.vars)
    if not found:
        not_configured(f"the inventory sets no client setting through {ROLE}")
    return found


@pytest.fixture(scope="module")
def user_folders(host, endpoint, settings) -> list[UserFolder]:
    listed = [str(user) for user in endpoint.vars.get(f"{ROLE}_users") or []]
    args = [
        str(endpoint.vars.get(f"{ROLE}_user_min_uid", 1000)),
        str(endpoint.vars.get(f"{ROLE}_user_max_uid", 59999)),
        *listed,
    ]
    result = host.run("sh -c %s user-folders " + " ".join(["%s"] * len(args)), USER_FOLDERS, *args)
    assert result.rc == 0, result.stderr
    folders = [UserFolder(*line.split("\t", 1)) for line in result.stdout.splitlines() if line]
    missing = sorted(set(listed) - {folder.user for folder in folders})
    assert not missing, f"{ROLE}_users names users without a ~/.ICAClient folder: {', '.join(missing)}"
    if not folders:
        not_configured(f"{ROLE}_users is empty and no local user in the uid range has a ~/.ICAClient")
    return folders


def test_users_wfclient_ini_holds_the_settings(host, user_folders, settings):
    problems = []
    checked = 0
    for folder in user_folders:
        path = f"{folder.path}/wfclient.ini"
        document = read_ini(host, path)
        if document is None:
            continue  # the client copies usertemplate/wfclient.ini at the next start
        checked += 1
        problems += wfclient_problems(document, path, settings)
    assert checked, "no user has a ~/.ICAClient/wfclient.ini to check"
    assert not problems, "\n".join(problems)


def test_users_lockdown_copies_permit_the_settings(host, endpoint, user_folders, settings):
    if not endpoint.vars.get(f"{ROLE}_manage_lockdown", True):
        not_configured(f"{ROLE}_manage_lockdown is false")
    proxy_regions = list(endpoint.vars.get(f"{ROLE}_proxy_regions") or [])
    problems = []
    checked = 0
    for folder in user_folders:
        path = f"{folder.path}/All_Regions.ini"
        document = read_ini(host, path)
        if document is not None:
            checked += 1
            problems += lockdown_problems(document, path, settings, endpoint.vars, all_regions=True)
        for region_path in region_profiles(host, folder.path):
            checked += 1
            wanted = settings_for_region(settings, region_of(region_path), proxy_regions)
            problems += lockdown_problems(
                read_ini(host, region_path), region_path, wanted, endpoint.vars, all_regions=False
            )
    if not checked:
        not_configured("no user has a lockdown profile of their own (the machine-wide ones apply)")
    assert not problems, "\n".join(problems)
