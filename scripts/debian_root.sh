#!/usr/bin/env bash
# A Debian bookworm root for real role runs (tests and molecule) on a machine
# without a container engine: debootstrap once, keep the result as an
# uncompressed tarball, restore it in seconds afterwards.
#
# Usage:
#   scripts/debian_root.sh create DEST     restore the cached root at DEST (building and
#                                          caching it first when the tarball is absent),
#                                          then mount /proc, /sys and /dev inside
#   scripts/debian_root.sh destroy DEST    end the processes running in DEST, unmount
#                                          what is mounted below it and delete it
#   scripts/debian_root.sh mount DEST      mount /proc, /sys, /dev, /dev/pts inside (idempotent)
#   scripts/debian_root.sh umount DEST     end its processes and unmount (keeps the files)
#   scripts/debian_root.sh cache [--rebuild]   only make sure the tarball exists
#   scripts/debian_root.sh tarball         make sure the tarball exists and print its path
#                                          (scripts/build_ee.sh imports it as an image)
#
# Environment:
#   ICACLIENT_ROOT_FLAVOUR test (default): the root the role tests and molecule use
#                          (python3, python3-apt, package lists read, no recommends, a
#                          policy-rc.d); fresh: what a fresh machine of our kind ships that
#                          matters here (python3, python3-venv, python3-pip, openssl,
#                          ca-certificates, git), nothing else, no package lists read;
#                          ee: the base of a local execution environment image (python3,
#                          python3-pip, python3-apt, openssl, ca-certificates, package lists read, no
#                          recommends, a policy-rc.d: a container has no init either)
#   ICACLIENT_ROOT_CACHE   the tarball (default: <checkout>/.cache/bookworm-root.tar, or
#                          bookworm-FLAVOUR-root.tar for the other flavours)
#   ICACLIENT_ROOT_MIRROR  the Debian mirror (default: what the host's
#                          /etc/apt/sources.list.d/debian.sources names)
#
# The root is configured like the host: the same mirrors for bookworm,
# bookworm-updates and bookworm-security, the host's Acquire settings that a
# frozen mirror needs (Check-Valid-Until), and (test flavour) a policy-rc.d that keeps
# maintainer scripts from starting services (there is no init in a chroot:
# whoever needs a daemon starts it). The fresh flavour gets the host's sources and
# Acquire settings again at every create (the host's archive may have moved).
set -euo pipefail

SUITE=bookworm
FLAVOUR=${ICACLIENT_ROOT_FLAVOUR:-test}
# Bump a flavour's FORMAT when what its tarball holds changes: an old cache is then rebuilt
# instead of silently reused.
case $FLAVOUR in
test) INCLUDE=python3,python3-apt FORMAT=2 ;;
fresh) INCLUDE=python3,python3-venv,python3-pip,openssl,ca-certificates,git FORMAT=2 ;;
# python3-apt: the tests' sandbox endpoint is the container itself, and the smart card role's
# check mode asks apt what it would install.
ee) INCLUDE=python3,python3-pip,python3-apt,openssl,ca-certificates FORMAT=3 ;;
*)
    printf 'debian_root: error: ICACLIENT_ROOT_FLAVOUR must be test, fresh or ee, not %s\n' "$FLAVOUR" >&2
    exit 1
    ;;
esac
CACHE_FORMAT=$FORMAT-$FLAVOUR
MARKER=.icaclient-debian-root

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if [ "$FLAVOUR" = test ]; then
    CACHE=${ICACLIENT_ROOT_CACHE:-$HERE/.cache/$SUITE-root.tar}
else
    CACHE=${ICACLIENT_ROOT_CACHE:-$HERE/.cache/$SUITE-$FLAVOUR-root.tar}
fi

log() { printf 'debian_root: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# The first URI of the host's deb822 stanza whose suites match $1 (a regexp).
host_uri() {
    local pattern=$1 file=/etc/apt/sources.list.d/debian.sources
    [ -r "$file" ] || return 0
    awk -v pat="$pattern" '
        function flush() { if (uri != "" && suites ~ pat && !done) { print uri; done = 1 } uri = ""; suites = "" }
        /^[[:space:]]*$/ { flush(); next }
        /^URIs:/ { uri = $2 }
        /^Suites:/ { suites = $0 }
        END { flush() }
    ' "$file"
}

mirror() {
    local uri=${ICACLIENT_ROOT_MIRROR:-}
    [ -n "$uri" ] || uri=$(host_uri "[[:space:]]$SUITE([[:space:]]|\$)")
    printf '%s\n' "${uri:-http://deb.debian.org/debian}"
}

security_mirror() {
    local uri
    uri=$(host_uri "$SUITE-security")
    printf '%s\n' "${uri:-http://deb.debian.org/debian-security}"
}

# Refuse paths that would make a mistake expensive: the host's root, relative
# or whitespace-holding paths (mountinfo escapes those).
checked_dest() {
    local dest=${1:-}
    [ -n "$dest" ] || die "no destination given"
    case $dest in
    /*) ;;
    *) dest=$(pwd)/$dest ;;
    esac
    dest=$(realpath -m -- "$dest")
    [ "$dest" != / ] || die "refusing to use / as a Debian root"
    case $dest in
    *[[:space:]]*) die "refusing a path with whitespace: $dest" ;;
    esac
    printf '%s\n' "$dest"
}

# Last line of defence for functions that write, mount or delete below $1.
require_root_path() {
    case ${1:-} in
    /?*) ;;
    *) die "internal error: bad root path '${1:-}'" ;;
    esac
    [ "$1" != / ] || die "internal error: refusing /"
}

# Mount points at or below $1, deepest first.
mounts_below() {
    local dest=$1
    awk -v d="$dest" '$5 == d || index($5, d "/") == 1 { print $5 }' /proc/self/mountinfo |
        awk '{ print length($0) " " $0 }' | sort -rn | cut -d' ' -f2-
}

# PIDs whose root directory is $1 or lies below it (a chroot inside the root).
pids_in() {
    local dest=$1 proc root
    for proc in /proc/[0-9]*; do
        root=$(readlink "$proc/root" 2>/dev/null) || continue
        if [ "$root" = "$dest" ] || [ "${root#"$dest"/}" != "$root" ]; then
            printf '%s\n' "${proc#/proc/}"
        fi
    done
}

kill_inside() {
    local dest=$1 pids
    pids=$(pids_in "$dest")
    [ -n "$pids" ] || return 0
    log "ending processes running in $dest: $(echo "$pids" | tr '\n' ' ')"
    # shellcheck disable=SC2086  # one PID per word
    kill -TERM $pids 2>/dev/null || true
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        pids=$(pids_in "$dest")
        [ -n "$pids" ] || return 0
        sleep 0.3
    done
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    sleep 0.3
    pids=$(pids_in "$dest")
    [ -z "$pids" ] || die "processes still running in $dest: $(echo "$pids" | tr '\n' ' ')"
}

do_mount() {
    local dest=$1
    require_root_path "$dest"
    [ -d "$dest/proc" ] || die "$dest is not a Debian root (no /proc directory)"
    mountpoint -q "$dest/proc" || mount -t proc proc "$dest/proc"
    mountpoint -q "$dest/sys" || mount -t sysfs sysfs "$dest/sys"
    mountpoint -q "$dest/dev" || mount --bind /dev "$dest/dev"
    if [ -d /dev/pts ] && ! mountpoint -q "$dest/dev/pts"; then
        mount --bind /dev/pts "$dest/dev/pts"
    fi
}

do_umount() {
    local dest=$1 mnt
    require_root_path "$dest"
    kill_inside "$dest"
    for mnt in $(mounts_below "$dest"); do
        umount "$mnt" 2>/dev/null || umount --lazy "$mnt"
    done
    [ -z "$(mounts_below "$dest")" ] || die "still mounted below $dest: $(mounts_below "$dest" | tr '\n' ' ')"
}

# Settings a root needs to reach the same archive as the host: Acquire options
# of a frozen or proxied mirror (nothing is written when the host sets none).
host_acquire_settings() {
    apt-config dump 2>/dev/null |
        grep -E '^Acquire::(Check-Valid-Until|Check-Date|http::Proxy|https::Proxy) ' || true
}

# One deb822 stanza per suite, so that a suite can be limited to the native
# architecture on its own (see probe_foreign_indexes).
write_sources() {
    local dest=$1 native=$2 restricted=$3 suite uri
    mkdir -p "$dest/etc/apt/sources.list.d"
    {
        for suite in "$SUITE" "$SUITE-updates" "$SUITE-security"; do
            case $suite in
            *-security) uri=$(security_mirror) ;;
            *) uri=$(mirror) ;;
            esac
            printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\n' "$uri" "$suite"
            if [ -n "$native" ] && printf '%s\n' "$restricted" | grep -qx -- "$suite"; then
                printf '# The mirror served an inconsistent i386 index for this suite when this\n'
                printf '# root was built ("File has unexpected size"): native packages only.\n'
                printf 'Architectures: %s\n' "$native"
            fi
            printf 'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\n'
        done
    } >"$dest/etc/apt/sources.list.d/debian.sources"
}

# Roles add the i386 architecture (32-bit libpcsclite1) and then must refresh the
# lists. A caching mirror that is out of step for one suite's i386 index makes
# every such refresh fail, so fetch those indexes once now, into a scratch
# folder, and print the suites whose i386 index could not be fetched.
probe_foreign_indexes() {
    local dest=$1 native=$2 probe=/var/lib/apt/lists-probe
    mkdir -p "$dest$probe/partial"
    chroot "$dest" /usr/bin/apt-get -qq -o "APT::Architectures::=$native" -o "APT::Architectures::=i386" \
        -o "Dir::State::Lists=$probe" update 2>&1 |
        sed -n 's|.*Failed to fetch [^ ]*/dists/\([^/ ]*\)/.*binary-i386/.*|\1|p' | sort -u
    rm -rf "$dest$probe"
}

# The host's Debian archive and the Acquire settings it needs, as the root's own.
copy_host_apt_settings() {
    local dest=$1 acquire
    rm -f "$dest/etc/apt/sources.list"
    write_sources "$dest" "" ""
    acquire=$(host_acquire_settings)
    rm -f "$dest/etc/apt/apt.conf.d/90icaclient-host"
    if [ -n "$acquire" ]; then
        printf '// Copied from the host that built this root.\n%s\n' "$acquire" \
            >"$dest/etc/apt/apt.conf.d/90icaclient-host"
    fi
}

configure_root() {
    local dest=$1 native restricted
    require_root_path "$dest"
    native=$(chroot "$dest" /usr/bin/dpkg --print-architecture)
    copy_host_apt_settings "$dest"
    if [ "$FLAVOUR" = fresh ]; then
        # As a fresh machine comes: no package lists read yet, no downloaded packages.
        rm -rf "$dest"/var/lib/apt/lists/* "$dest"/var/cache/apt/*.bin
        chroot "$dest" /usr/bin/apt-get -qq clean
        return 0
    fi
    printf 'APT::Install-Recommends "false";\n' >"$dest/etc/apt/apt.conf.d/90icaclient-no-recommends"
    printf '%s\n' '#!/bin/sh' \
        '# No service starts while packages are installed in this root (101: action' \
        '# forbidden by policy); start daemons explicitly.' \
        'exit 101' >"$dest/usr/sbin/policy-rc.d"
    chmod 0755 "$dest/usr/sbin/policy-rc.d"
    cp /etc/resolv.conf "$dest/etc/resolv.conf"
    do_mount "$dest"
    # The roles add i386 in the test roots only.
    if [ "$FLAVOUR" = test ] && [ "$native" = amd64 ]; then
        restricted=$(probe_foreign_indexes "$dest" "$native")
        if [ -n "$restricted" ]; then
            log "the mirror's i386 index is inconsistent for: $(echo "$restricted" | tr '\n' ' ')(limited to $native)"
            write_sources "$dest" "$native" "$restricted"
        fi
    fi
    chroot "$dest" /usr/bin/apt-get -qq update
    chroot "$dest" /usr/bin/apt-get -qq clean
    do_umount "$dest"
    rm -f "$dest/etc/resolv.conf"
}

build_cache() {
    command -v debootstrap >/dev/null || {
        log "installing debootstrap on the host"
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
    }
    local cache_dir work start
    cache_dir=$(dirname "$CACHE")
    mkdir -p "$cache_dir"
    work=$(mktemp -d "$cache_dir/.build.XXXXXX")
    # shellcheck disable=SC2064  # expand now: the trap must clean this build
    trap "(do_umount '$work/root') 2>/dev/null || true; rm -rf --one-file-system '$work'" EXIT
    start=$(now)
    log "debootstrap $SUITE from $(mirror) (takes a few minutes)"
    nice -n 10 debootstrap --variant=minbase --include="$INCLUDE" \
        "$SUITE" "$work/root" "$(mirror)" >"$work/debootstrap.log" 2>&1 || {
        tail -n 30 "$work/debootstrap.log" >&2
        die "debootstrap failed (log above)"
    }
    log "debootstrap took $(elapsed "$start") s"
    configure_root "$work/root"
    echo "$CACHE_FORMAT" >"$work/root/$MARKER"
    start=$(now)
    tar --numeric-owner --xattrs --xattrs-include='*' -C "$work/root" -cf "$work/root.tar" .
    mv -f "$work/root.tar" "$CACHE"
    log "cached $(du -h "$CACHE" | cut -f1) in $CACHE ($(elapsed "$start") s)"
    rm -rf --one-file-system "$work"
    trap - EXIT
}

cache_is_current() {
    [ -s "$CACHE" ] || return 1
    [ "$(tar -xOf "$CACHE" "./$MARKER" 2>/dev/null)" = "$CACHE_FORMAT" ]
}

# Serialise builds: parallel tests or scenarios share one tarball.
ensure_cache() {
    local rebuild=${1:-}
    mkdir -p "$(dirname "$CACHE")"
    exec 9>"$CACHE.lock"
    flock 9
    if [ -n "$rebuild" ] || ! cache_is_current; then
        build_cache
    fi
    flock -u 9
}

cmd_create() {
    local dest start
    dest=$(checked_dest "${1:-}")
    if [ -e "$dest/$MARKER" ]; then
        log "$dest already holds a Debian root: mounting only"
    else
        if [ -e "$dest" ] && [ -n "$(ls -A "$dest")" ]; then
            die "$dest exists and is not empty: refusing to restore a Debian root over it"
        fi
        ensure_cache
        mkdir -p "$dest"
        start=$(now)
        tar --numeric-owner --xattrs --xattrs-include='*' -C "$dest" -xpf "$CACHE"
        log "restored $dest from $CACHE in $(elapsed "$start") s"
    fi
    cp /etc/resolv.conf "$dest/etc/resolv.conf"
    if [ "$FLAVOUR" = fresh ]; then
        copy_host_apt_settings "$dest"
        # debootstrap writes no /etc/hosts (the installer or the image builder does): a machine
        # has one, and without it "localhost" does not resolve.
        [ -e "$dest/etc/hosts" ] || printf '%s\n' '127.0.0.1	localhost' \
            '::1		localhost ip6-localhost ip6-loopback' >"$dest/etc/hosts"
    fi
    do_mount "$dest"
    printf '%s\n' "$dest"
}

cmd_destroy() {
    local dest
    dest=$(checked_dest "${1:-}")
    [ -e "$dest" ] || return 0
    [ -e "$dest/$MARKER" ] || die "$dest was not made by this script (no $MARKER): not deleting it"
    do_umount "$dest"
    rm -rf --one-file-system "$dest"
    log "destroyed $dest"
}

main() {
    [ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot and mount do)"
    local command=${1:-}
    shift || true
    case $command in
    create) cmd_create "$@" ;;
    destroy) cmd_destroy "$@" ;;
    mount) do_mount "$(checked_dest "${1:-}")" ;;
    umount) do_umount "$(checked_dest "${1:-}")" ;;
    tarball)
        ensure_cache
        printf '%s\n' "$CACHE"
        ;;
    cache)
        case ${1:-} in
        --rebuild) ensure_cache rebuild ;;
        '') ensure_cache ;;
        *) die "unknown option for cache: $1" ;;
        esac
        ;;
    *)
        sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
        exit 2
        ;;
    esac
}

main "$@"
