#!/bin/sh
# Make an installed release the running one, as root: a new one, or an older one (a
# rollback):
#
#   activate.sh VERSION
#
# It installs that release's units and PAM file, repoints /opt/gov-kiosk/current at
# /opt/gov-kiosk/releases/VERSION (one rename: never half switched) and restarts the
# units that were running. It refuses a release whose kiosk store schema is older than
# the data folder's: a kiosk refuses a store written by a newer one, so going back across
# a store schema change goes through export-outbox (docs/deploy.md#rollback).
set -eu

OPT=${GOV_KIOSK_OPT:-/opt/gov-kiosk}
DATA=${GOV_KIOSK_DATA:-/var/lib/gov-kiosk}
UNITS="gov-kiosk-web gov-kiosk-screen gov-kiosk-terminal gov-kiosk-sync gov-platform"

if [ $# -ne 1 ]; then echo "usage: $0 VERSION" >&2; exit 2; fi
version=$1
release=$OPT/releases/$version
[ "$(id -u)" -eq 0 ] || { echo "error: run it as root" >&2; exit 2; }
[ -f "$release/.installed" ] || {
    echo "error: no installed release $version in $OPT/releases (deploy/install.sh first)" >&2
    exit 2; }
say() { echo "activate: $*"; }

# The kiosk store's schema only goes forward.
store=$DATA/kiosk.db
if [ -f "$store" ]; then
    found=$(python3 - "$store" <<'PY'
import sqlite3, sys
from pathlib import Path
db = sqlite3.connect(Path(sys.argv[1]).resolve().as_uri() + "?mode=ro", uri=True)
print(db.execute("PRAGMA user_version").fetchone()[0])
PY
)
    wanted=$(cat "$release/.store-schema")
    if [ "$found" -gt "$wanted" ]; then
        echo "error: $store has schema $found; release $version reads up to $wanted." >&2
        echo "  The kiosk refuses a store written by a newer kiosk. To go back anyway," >&2
        echo "  follow docs/deploy.md#rollback-across-a-store-schema-change." >&2
        exit 1
    fi
    say "kiosk store schema $found, release $version reads up to $wanted: fine"
fi

previous=$(readlink "$OPT/current" 2>/dev/null || echo none)
install -m 0644 "$release"/deploy/systemd/*.service /etc/systemd/system/
install -m 0644 "$release/deploy/pam/gov-kiosk-screen" /etc/pam.d/gov-kiosk-screen
ln -sfn "releases/$version" "$OPT/current.new"
mv -T "$OPT/current.new" "$OPT/current"
say "current: $previous -> releases/$version"

if [ -d /run/systemd/system ]; then
    systemctl daemon-reload
    # Only those that run; one transaction (the screen follows the web kiosk: PartOf).
    # shellcheck disable=SC2086
    systemctl try-restart $UNITS
    say "restarted what was running of: $UNITS"
else
    say "systemd is not running here: units installed, nothing restarted"
fi
