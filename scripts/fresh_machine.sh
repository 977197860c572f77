#!/usr/bin/env bash
# The README's main command on a fresh machine: a pristine Debian bookworm root (debootstrap
# minbase with only what a fresh machine of our kind ships that matters here: python3,
# python3-venv, python3-pip, openssl, ca-certificates, git; scripts/debian_root.sh, fresh
# flavour, cached as a tarball), a clean clone of one commit inside it, and ./scripts/main.sh
# run there twice through chroot. Nothing of the test command is installed in the root:
# whatever the main command needs, it installs itself.
#
# The root reaches the package archive and the Python package index the way this host does,
# copied at run time and never written into the repository: the host's Debian sources and
# Acquire settings (scripts/debian_root.sh), its pip configuration files (/etc/pip.conf,
# /etc/xdg/pip/, ~/.config/pip/, ~/.pip/), its PIP_* environment, and the files and folders
# those name (a CA bundle, a constraints file, local wheel folders and file:// indexes, the
# folders bind-mounted read-only).
#
# Usage: scripts/fresh_machine.sh [COMMIT]   (default: HEAD of this checkout)
# Prints each run's output, then one line per run: "fresh-machine: run N exit RC in S s".
# Exit status: that of the first run that failed, else 0.
#
# ICACLIENT_FRESH_ROOT=DIR   where the root goes (default: <checkout>/.cache/roots/fresh-machine);
#                            it is destroyed at the end unless ICACLIENT_FRESH_KEEP=1
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
COMMIT=$(git -C "$HERE" rev-parse --verify "${1:-HEAD}^{commit}")
ROOT=${ICACLIENT_FRESH_ROOT:-$HERE/.cache/roots/fresh-machine}
DEBIAN_ROOT=(env ICACLIENT_ROOT_FLAVOUR=fresh "$HERE/scripts/debian_root.sh")
CLONE=/root/icaclient.linux

log() { printf 'fresh-machine: %s\n' "$*" >&2; }

[ "$(id -u)" -eq 0 ] || {
    log "needs root (debootstrap, chroot and mount do)"
    exit 1
}

cleanup() {
    [ "${ICACLIENT_FRESH_KEEP:-}" = 1 ] && return 0
    "${DEBIAN_ROOT[@]}" destroy "$ROOT" >/dev/null 2>&1 || log "could not destroy $ROOT"
}

# shellcheck source=scripts/host_pip.sh
. "$HERE/scripts/host_pip.sh"

# The host's pip configuration inside the root (scripts/host_pip.sh finds what to share): files
# copied, folders bind-mounted read-only at the same path.
host_pip_file() {
    [ -f "$1" ] || return 0
    mkdir -p "$ROOT$(dirname "$2")"
    cp -L "$1" "$ROOT$2"
}

host_pip_dir() {
    local dir=$1
    [ -d "$dir" ] || return 0
    mountpoint -q "$ROOT$dir" && return 0
    mkdir -p "$ROOT$dir"
    mount --bind "$dir" "$ROOT$dir"
    mount -o remount,bind,ro "$ROOT$dir"
}

trap cleanup EXIT
"${DEBIAN_ROOT[@]}" destroy "$ROOT" >/dev/null
mkdir -p "$(dirname "$ROOT")"
"${DEBIAN_ROOT[@]}" create "$ROOT" >/dev/null
host_pip_share
log "cloning $COMMIT into $ROOT$CLONE"
git clone --quiet --no-hardlinks "$HERE" "$ROOT$CLONE"
git -C "$ROOT$CLONE" checkout --quiet --detach "$COMMIT"

# A login's environment, not this one's: only the host's PIP_* settings carry over.
environment=(HOME=/root LANG=C.UTF-8 TERM=dumb PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin)
while IFS= read -r setting; do
    environment+=("$setting")
done < <(host_pip_environment)

status=0
for run in 1 2; do
    echo "fresh-machine: run $run: ./scripts/main.sh in $ROOT$CLONE"
    start=$(date +%s.%N)
    rc=0
    chroot "$ROOT" /usr/bin/env -i "${environment[@]}" /bin/bash -c "cd $CLONE && ./scripts/main.sh" || rc=$?
    seconds=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }')
    echo "fresh-machine: run $run exit $rc in $seconds s"
    if [ "$rc" -ne 0 ] && [ "$status" -eq 0 ]; then
        status=$rc
    fi
done
exit "$status"
