#!/usr/bin/env bash
# Build the execution environment image from execution-environment.yml with ansible-builder and
# podman: first the collection tarball users install (ansible-galaxy collection build, into
# build/ee/collection/), then the image that installs it.
#
# Usage:
#   scripts/build_ee.sh [--local-base] [--tag TAG]
#     --tag TAG      the image's name (default: localhost/icaclient-linux-ee:latest)
#     --local-base   build on a Debian bookworm base made on this machine instead of the
#                    definition's CentOS Stream 9 base (for machines that reach no registry,
#                    like the test machines): scripts/debian_root.sh's "ee" root imported with
#                    `podman import` (cached as an image between runs), plus a layer with this
#                    host's pip configuration, PIP_* environment and the files they name
#                    (scripts/host_pip.sh), made at every build and never written into the
#                    repository; the folders those settings name (wheel folders, file://
#                    indexes) are mounted read-only into the build. The definition's base
#                    image, package manager and Python are overridden with build arguments:
#                    one definition, two bases.
#
# Podman on these machines works with runc and cgroupfs and without default ulimits: unless
# CONTAINERS_CONF is set, --local-base writes such a file (.cache/ee/containers.conf) and uses it.
# Prints "build_ee: built TAG in S s" at the end; the build context is build/ee/context.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=$HERE/build/ee
TAG=localhost/icaclient-linux-ee:latest
LOCAL_BASE=
while [ $# -gt 0 ]; do
    case $1 in
    --local-base) LOCAL_BASE=1 ;;
    --tag)
        TAG=${2:?--tag needs a value}
        shift
        ;;
    *)
        sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
        exit 2
        ;;
    esac
    shift
done

log() { printf 'build_ee: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.0f", b - a }'; }

BIN=$HERE/.venv/bin
[ -x "$BIN/ansible-builder" ] || BIN=$(dirname "$(command -v ansible-builder || echo /nonexistent/x)")
[ -x "$BIN/ansible-builder" ] || die "ansible-builder is missing (pip install ansible-builder, or the test venv)"
command -v podman >/dev/null || die "podman is missing (apt-get install podman runc)"

write_containers_conf() {
    [ -n "${CONTAINERS_CONF:-}" ] && return 0
    export CONTAINERS_CONF=$HERE/.cache/ee/containers.conf
    mkdir -p "$(dirname "$CONTAINERS_CONF")"
    # crun fails here (setrlimit and hybrid cgroups): runc, cgroupfs, no default ulimits.
    printf '%s\n' '[containers]' 'default_ulimits = []' '' '[engine]' \
        'cgroup_manager = "cgroupfs"' 'runtime = "runc"' >"$CONTAINERS_CONF"
}

# The Debian root as an image, imported once per version of the cached root tarball.
debian_image() {
    local tarball name
    tarball=$(ICACLIENT_ROOT_FLAVOUR=ee "$HERE/scripts/debian_root.sh" tarball)
    name=localhost/icaclient-debian-ee:$(tar -xOf "$tarball" ./.icaclient-debian-root)-$(stat -c %Y "$tarball")
    if ! podman image exists "$name"; then
        local start
        start=$(now)
        podman import --quiet "$tarball" "$name" >/dev/null
        log "imported $tarball as $name in $(elapsed "$start") s"
        # Older imports of the root are never used again.
        podman images --format '{{.Repository}}:{{.Tag}}' localhost/icaclient-debian-ee |
            grep -vxF "$name" | xargs -r podman rmi --force >/dev/null 2>&1 || true
    fi
    printf '%s\n' "$name"
}

# The pip layer's context: the host's pip files at their paths under files/, the PIP_*
# environment as ENV lines; folders become read-only volumes of the builds (VOLUMES).
VOLUMES=()
host_pip_file() {
    [ -f "$1" ] || return 0
    mkdir -p "$LAYER/files$(dirname "$2")"
    cp -L "$1" "$LAYER/files$2"
}
host_pip_dir() {
    local dir
    for dir in "${VOLUMES[@]}"; do [ "$dir" != "$1" ] || return 0; done
    VOLUMES+=("$1")
}

# Sets BASE (the image) and VOLUMES (the folders the builds mount); no subshell, for VOLUMES.
local_base_image() {
    local debian
    debian=$(debian_image)
    LAYER=$BUILD/pip-layer
    rm -rf "$LAYER"
    mkdir -p "$LAYER/files"
    # shellcheck source=scripts/host_pip.sh
    . "$HERE/scripts/host_pip.sh"
    host_pip_share
    {
        printf 'FROM %s\n' "$debian"
        printf '# This host'"'"'s pip configuration (never committed: made at every build).\n'
        printf 'COPY files/ /\n'
        while IFS='=' read -r name value; do
            printf 'ENV %s=%q\n' "$name" "$value"
        done < <(host_pip_environment)
    } >"$LAYER/Containerfile"
    BASE=localhost/icaclient-ee-base:latest
    podman build --quiet --network host -t "$BASE" "$LAYER" >/dev/null
}

start=$(now)
rm -rf "$BUILD/collection"
mkdir -p "$BUILD/collection"
"$BIN/ansible-galaxy" collection build --output-path "$BUILD/collection" \
    "$HERE/collections/ansible_collections/icaclient/linux" >/dev/null
log "collection: $(basename "$BUILD"/collection/*.tar.gz)"

builder_args=(build -f "$HERE/execution-environment.yml" -c "$BUILD/context" -t "$TAG"
    --container-runtime podman)
cli_args="--network host"
if [ -n "$LOCAL_BASE" ]; then
    write_containers_conf
    local_base_image
    builder_args+=(--build-arg "EE_BASE_IMAGE=$BASE" --build-arg PKGMGR=/usr/bin/apt-get
        --build-arg PYCMD=/usr/bin/python3 --build-arg "PYPKG=python3 python3-pip")
    for dir in "${VOLUMES[@]}"; do
        cli_args+=" --volume $dir:$dir:ro"
    done
fi
builder_args+=(--extra-build-cli-args "$cli_args")
(cd "$HERE" && "$BIN/ansible-builder" "${builder_args[@]}") >"$BUILD/build.log" 2>&1 || {
    tail -n 40 "$BUILD/build.log" >&2
    die "ansible-builder failed (whole log: $BUILD/build.log)"
}
log "built $TAG in $(elapsed "$start") s"
