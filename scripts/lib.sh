# shellcheck shell=bash
# Shared set-up for the two README commands: apt packages and the .venv.
# Sourced by scripts/main.sh and scripts/test.sh; every step is idempotent and
# skipped quickly when already done.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.venv"
PY_BASE=${PYTHON:-python3}
export ANSIBLE_CONFIG="$ROOT/ansible.cfg"
export PATH="$VENV/bin:$PATH"

say() { printf '\n==> %s\n' "$*"; }

ensure_apt() {
    # ensure_apt PKG...: install the Debian packages that are missing.
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing Debian packages: ${missing[*]}"
    if [ "$(id -u)" -ne 0 ]; then
        echo "need root to install: ${missing[*]}" >&2
        return 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    # The tests start the daemons they need (squid, danted, pcscd) with their own
    # configuration; the packages must not start theirs at install time.
    local policy=/usr/sbin/policy-rc.d own_policy=
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\n# icaclient.linux tests: no service starts at install\nexit 101\n' >"$policy"
        chmod 0755 "$policy"
        own_policy=1
    fi
    apt-get update -qq || apt-get update
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    [ -n "$own_policy" ] && rm -f "$policy"
    return 0
}

ensure_venv() {
    # ensure_venv [EXTRA]: .venv with the project and, with "test", its test tools.
    local extra=${1:-}
    local stamp="$VENV/.icaclient-stamp"
    local want
    want=$(cat "$ROOT/pyproject.toml" | sha256sum | cut -c1-16)-$extra
    if [ ! -x "$VENV/bin/python" ]; then
        say "creating the virtual environment $VENV"
        "$PY_BASE" -m venv "$VENV"
    fi
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        say "installing Python dependencies into $VENV"
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
        local spec="$ROOT"
        [ -n "$extra" ] && spec="${ROOT}[${extra}]"
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check -e "$spec"
        echo "$want" >"$stamp"
    fi
}

missing_pyenv() {
    # missing_pyenv VERSION WHAT: a pyenv Python the tests need is not on this machine. Under CI
    # (CI=true) that is a failure, not a skip: CI machines carry it (shared/TESTBED.md).
    if [ "${CI:-}" = true ]; then
        echo "error: no Python $1 here (pyenv ~/.pyenv/versions/$1*), which $2 needs (CI=true)" >&2
        return 1
    fi
    say "no Python $1 here (pyenv): $2 will be skipped"
    return 0
}

ensure_managed_python() {
    # The oldest Python a managed host may have (EL 9: 3.9), from the machine's pyenv, with the
    # collection's requirements, in .cache/managed-python3.9; ICACLIENT_MANAGED_PYTHON names its
    # interpreter for the tests that run the modules with it. Without a pyenv 3.9 those tests
    # say so.
    local base venv="$ROOT/.cache/managed-python3.9"
    base=$(ls -d "$HOME"/.pyenv/versions/3.9*/bin/python3 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -z "$base" ]; then
        missing_pyenv 3.9 "the managed-host Python 3.9 test"
        return $?
    fi
    if ! "$venv/bin/python" -c 'import cryptography, spnego' 2>/dev/null; then
        say "preparing a Python 3.9 managed-host interpreter in $venv"
        rm -rf "$venv"
        "$base" -m venv "$venv"
        "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$ROOT/requirements.txt"
    fi
    export ICACLIENT_MANAGED_PYTHON="$venv/bin/python"
}

ensure_newest_controller() {
    # The newest ansible-core the collection supports (2.20, which needs Python 3.12), from the
    # machine's pyenv, in .cache/controller-ansible-2.20; ICACLIENT_NEWEST_ANSIBLE_BIN names its
    # bin folder for the test that runs the playbooks with it. Without a pyenv 3.12 that test
    # says so.
    local base venv="$ROOT/.cache/controller-ansible-2.20"
    base=$(ls -d "$HOME"/.pyenv/versions/3.12*/bin/python3 2>/dev/null | sort -V | tail -n 1 || true)
    if [ -z "$base" ]; then
        missing_pyenv 3.12 "the ansible-core 2.20 test"
        return $?
    fi
    if ! "$venv/bin/ansible-playbook" --version 2>/dev/null | grep -q 'core 2\.20\.'; then
        say "preparing an ansible-core 2.20 controller in $venv"
        rm -rf "$venv"
        "$base" -m venv "$venv"
        "$venv/bin/python" -m pip install -q --disable-pip-version-check "ansible-core>=2.20,<2.21" \
            -r "$ROOT/requirements.txt"
    fi
    export ICACLIENT_NEWEST_ANSIBLE_BIN="$venv/bin"
}
