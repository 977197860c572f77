#!/usr/bin/env bash
# ansible-test sanity from the collection root, locally, without containers.
# ansible-test wants to download a pip bootstrap script from a host this
# network cannot reach: give it our offline stand-in first.
set -euo pipefail
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"
cache="$HOME/.ansible/test/cache"
mkdir -p "$cache"
for version in 24_2; do
    cp "$ROOT/scripts/ansible_test_get_pip.py" "$cache/get_pip_${version}.py"
done
cd "$ROOT/collections/ansible_collections/icaclient/linux"
ansible-test sanity --venv --python 3.11 --color no "$@"
