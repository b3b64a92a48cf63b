#!/bin/sh
# Install one release of the kiosk (or, with --platform, of the platform) side by side
# with the others, as root:
#
#   install.sh [--platform] SOURCE_DIR VERSION
#
# SOURCE_DIR is the project's source tree (an unpacked release, `git archive` of a tag);
# VERSION names its folder: /opt/gov-kiosk/releases/VERSION, with its own venv. Then it
# makes what the units need if it is missing: the users and groups, /etc/gov-kiosk (or
# /etc/gov-platform) from the templates, the udev rules. It never overwrites a config,
# an env file or the udev rules, and it does not switch the running release:
# deploy/activate.sh VERSION does (docs/deploy.md). Running it again is harmless: a
# release already installed is left as it is.
#
# Offline (no PyPI at the branch): PIP_NO_INDEX=1 PIP_FIND_LINKS=/media/usb/wheels
# install.sh ..., with the wheels made on a machine with the same Debian and Python by
# `pip wheel -w wheels SOURCE_DIR`.
set -eu

OPT=${GOV_KIOSK_OPT:-/opt/gov-kiosk}
PYTHON=${GOV_KIOSK_PYTHON:-/usr/bin/python3}

role=kiosk
if [ "${1:-}" = "--platform" ]; then role=platform; shift; fi
if [ $# -ne 2 ]; then
    echo "usage: $0 [--platform] SOURCE_DIR VERSION" >&2
    exit 2
fi
src=$(cd "$1" && pwd)
version=$2
case $version in
    ""|*/*|.*) echo "error: VERSION must be a plain folder name (1.4.0), not '$version'" >&2
               exit 2 ;;
esac
[ "$(id -u)" -eq 0 ] || { echo "error: run it as root" >&2; exit 2; }
if [ ! -f "$src/main.py" ] || [ ! -d "$src/deploy" ]; then
    echo "error: $src is not the project's source tree (no main.py, no deploy/)" >&2
    exit 2
fi
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' || {
    echo "error: $PYTHON is older than Python 3.11" >&2; exit 2; }

say() { echo "install: $*"; }

# -- users and groups (system accounts, no login, no home of their own) ----------------
account() {  # NAME HOME [GROUP...]
    name=$1; home=$2; shift 2
    if ! getent group "$name" >/dev/null; then groupadd --system "$name"; say "group $name"; fi
    if ! getent passwd "$name" >/dev/null; then
        useradd --system --gid "$name" --home-dir "$home" --no-create-home \
            --shell /usr/sbin/nologin --comment "$name service" "$name"
        say "user $name"
    fi
}
if [ "$role" = kiosk ]; then
    if ! getent group gov-kiosk-dev >/dev/null; then
        groupadd --system gov-kiosk-dev; say "group gov-kiosk-dev (the kiosk's devices)"
    fi
    account gov-kiosk /var/lib/gov-kiosk
    account gov-kiosk-screen /var/lib/gov-kiosk-screen
else
    account gov-platform /var/lib/gov-platform
fi

# -- the release ------------------------------------------------------------------------
dest=$OPT/releases/$version
if [ -f "$dest/.installed" ]; then
    say "release $version is already installed in $dest"
else
    if [ -e "$dest" ]; then say "removing the unfinished $dest"; rm -rf "$dest"; fi
    install -d -m 0755 "$OPT" "$OPT/releases" "$dest"
    # The source without what a checkout may hold beside it.
    tar -C "$src" --exclude=./.venv --exclude=./.git --exclude='__pycache__' \
        --exclude=./.mypy_cache --exclude=./.ruff_cache --exclude=./.pytest_cache -cf - . \
        | tar -C "$dest" -xf -
    "$PYTHON" -m venv "$dest/.venv"
    "$dest/.venv/bin/python" -m pip install --quiet --no-cache-dir --disable-pip-version-check \
        "$dest"
    # The units run it read-only (ProtectSystem=strict): compile once now.
    "$dest/.venv/bin/python" -m compileall -q -x '/\.venv/' "$dest" >/dev/null
    (cd "$dest" && .venv/bin/python -c \
        'from offline_cache.store import SCHEMA_VERSION; print(SCHEMA_VERSION)') \
        > "$dest/.store-schema"
    chown -R root:root "$dest"
    chmod -R go-w "$dest"
    echo "$version" > "$dest/.installed"
    say "release $version installed in $dest (kiosk store schema $(cat "$dest/.store-schema"))"
fi

# -- configuration templates (never overwritten) -----------------------------------------
template() {  # FROM TO MODE OWNER
    if [ -e "$2" ]; then
        say "$2 exists: kept"
    else
        install -m "$3" -o root -g "$4" "$1" "$2"
        say "$2 (from $1): edit it"
    fi
}
if [ "$role" = kiosk ]; then
    install -d -m 0755 /etc/gov-kiosk
    template "$dest/deploy/config/kiosk.toml" /etc/gov-kiosk/kiosk.toml 0640 gov-kiosk
    template "$dest/deploy/config/kiosk.env" /etc/gov-kiosk/kiosk.env 0600 root
    template "$dest/deploy/config/screen.env" /etc/gov-kiosk/screen.env 0644 root
    install -d -m 0755 /etc/udev/rules.d
    template "$dest/deploy/udev/70-gov-kiosk.rules" /etc/udev/rules.d/70-gov-kiosk.rules 0644 root
    if [ -d /run/systemd/system ] && command -v udevadm >/dev/null; then
        udevadm control --reload
        udevadm trigger --action=add --subsystem-match=tty --subsystem-match=usb \
            --subsystem-match=usbmisc --subsystem-match=video4linux
        say "udev rules reloaded"
    fi
else
    install -d -m 0755 /etc/gov-platform
    install -d -m 0750 -g gov-platform /etc/gov-platform/tls
    template "$dest/deploy/config/platform.env" /etc/gov-platform/platform.env 0600 root
fi
say "done; next: edit the configuration, then $dest/deploy/activate.sh $version"
