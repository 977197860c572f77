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

say "ruff"
ruff check .
ruff format --check .

say "ansible-lint (production profile, offline)"
ansible-lint --offline --profile production --strict \
    collections/ansible_collections/icaclient/linux/roles \
    collections/ansible_collections/icaclient/linux/playbooks molecule

say "ansible-test sanity"
"$ROOT/scripts/sanity.sh"

say "pytest"
pytest "$@"
