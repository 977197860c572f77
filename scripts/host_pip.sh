# shellcheck shell=bash
# How this host reaches the Python package index, for a root or an image that must reach it the
# same way: the host's pip configuration files, its PIP_* environment, and the local files and
# folders those settings name (a CA bundle, a constraints file, wheel folders, file:// indexes).
# Read at run time, never written into the repository.
#
# Sourced by scripts/fresh_machine.sh (a chroot: files copied in, folders bind-mounted) and
# scripts/build_ee.sh (an image: files copied into a layer, folders mounted into the builds).
# Each caller says what to do with a file and a folder by defining two functions before calling
# host_pip_share:
#   host_pip_file HOST_FILE DEST_FILE   a configuration file (DEST_FILE: its path in the target,
#                                       root's home as /root) or a file a setting names
#                                       (DEST_FILE = HOST_FILE)
#   host_pip_dir HOST_DIR               a folder a setting names (same path in the target)

# The pip configuration files pip reads for root, in the order pip reads them.
HOST_PIP_CONFIG_FILES=(/etc/pip.conf /etc/xdg/pip/pip.conf "$HOME/.config/pip/pip.conf" "$HOME/.pip/pip.conf")

# host_pip_environment: the host's PIP_* settings, one NAME=VALUE a line.
host_pip_environment() {
    env | grep '^PIP_' || true
}

# _host_pip_share_path VALUE: a file or folder a pip setting names (a path or a file:// URL), if local.
_host_pip_share_path() {
    local value path
    for value in $1; do
        path=${value#file://}
        case $path in
        /*) ;;
        *) continue ;;
        esac
        path=${path%/}
        # A file:// index in the simple-repository layout links its files from beside the
        # simple/ folder (../../files/...): share the repository's whole folder.
        if [ "$path" != "$value" ] && [ "${path##*/}" = simple ]; then
            path=${path%/simple}
        fi
        if [ -d "$path" ]; then
            host_pip_dir "$path"
        elif [ -f "$path" ]; then
            host_pip_file "$path" "$path"
        fi
    done
}

# host_pip_share: every configuration file (root's home as /root) and every local path the
# files' settings and the PIP_* environment name, through host_pip_file and host_pip_dir.
host_pip_share() {
    local file value
    for file in "${HOST_PIP_CONFIG_FILES[@]}"; do
        [ -f "$file" ] || continue
        host_pip_file "$file" "${file/#$HOME//root}"
        # "key = value" lines (continuation lines of a multi-line value start with blanks).
        while IFS= read -r value; do
            _host_pip_share_path "$value"
        done < <(sed -n -e 's/^[A-Za-z_-]*[[:space:]]*=[[:space:]]*//p' -e 's/^[[:space:]]\+//p' "$file")
    done
    while IFS='=' read -r _name value; do
        _host_pip_share_path "$value"
    done < <(host_pip_environment)
}
