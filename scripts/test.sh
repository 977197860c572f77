#!/usr/bin/env bash
# Runs every test: linters, ansible-test sanity and the pytest suites
# (unit, integration against real openssl/servers, role runs).
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_apt $(grep -v '^#' "$ROOT/scripts/apt-test.txt")
ensure_venv test
ensure_managed_python
ensure_newest_controller

# The Debian roots the slow tests restore (role tests and molecule, the fresh-machine test, the
# execution environment's base) are debootstrapped once and cached; on a cold machine build them
# in the background while the linters and sanity run (mostly network and disk against their CPU).
roots_log="$ROOT/.cache/debian-roots.log"
mkdir -p "$ROOT/.cache"
(
    for flavour in test fresh ee; do
        ICACLIENT_ROOT_FLAVOUR=$flavour "$ROOT/scripts/debian_root.sh" cache || echo "flavour $flavour failed"
    done
) >"$roots_log" 2>&1 &
roots_pid=$!

say "ruff"
ruff check .
ruff format --check .

say "ansible-lint (production profile, offline)"
ansible-lint --offline --profile production --strict \
    collections/ansible_collections/icaclient/linux/roles \
    collections/ansible_collections/icaclient/linux/playbooks molecule

say "ansible-test sanity"
"$ROOT/scripts/sanity.sh"

say "waiting for the cached Debian roots"
wait "$roots_pid" || true
cat "$roots_log"

say "pytest"
pytest --durations=25 "$@"
