#!/usr/bin/env bash
# The main job on the embedded default: build the sandbox endpoint (a stand-in
# ICAROOT inside the checkout) and provision it with playbooks/site.yml.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
cd "$ROOT"

ensure_apt openssl
ensure_venv

say "building the sandbox endpoint"
python "$ROOT/scripts/make_sandbox.py" "$ROOT/sandbox"

say "provisioning it: ansible-playbook playbooks/site.yml"
ansible-playbook -i "$ROOT/inventories/sandbox/hosts.yml" "$ROOT/playbooks/site.yml" "$@"
