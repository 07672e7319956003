#!/usr/bin/env bash
# Upgrade test: installs the previous release (git commit PREVIOUS, 19.0.1.0.0) with demo data
# in a throwaway database, runs its nightly pass and warning rules, records every customer's
# stage, grade, score, share, history and live warnings, upgrades to this checkout's code and
# checks that the upgrade logs no warning or error, that the customers are as recorded and that
# the migrations did what they say (scripts/upgrade_check.py). Drops the database.
#   UPGRADE_DB=name scripts/test_upgrade.sh    uses that database (dropped first), keeps it
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

PREVIOUS=$PREVIOUS_RELEASE
git -C "$ROOT" cat-file -e "$PREVIOUS^{commit}" 2>/dev/null \
    || die "the previous release (commit $PREVIOUS, 19.0.1.0.0) is not in this clone; the upgrade test needs the full history: git fetch --unshallow (CI: clone with fetch-depth 0)."
setup

DB=${UPGRADE_DB:-crm_upgrade_$$}
WORK=$(mktemp -d -t crm_upgrade.XXXXXX)
cleanup() {
    [ -n "${UPGRADE_DB:-}" ] || "$PY" "$ROOT/scripts/dropdb.py" "$DB" "$CACHE/data/filestore" || true
    rm -rf "$WORK"
}
trap cleanup EXIT
mkdir "$WORK/addons"
git -C "$ROOT" archive "$PREVIOUS" "$ADDON" | tar -x -C "$WORK/addons"

# odoo_at ADDONS_DIR [COMMAND] ARGS...: Odoo with that folder instead of this checkout on its
# addons_path
odoo_at() {
    local addons=$1 command=()
    shift
    [[ ${1:-} == -* ]] || { command=("$1"); shift; }
    "$PY" "$ODOO_SRC/odoo-bin" "${command[@]}" -c "$(odoo_conf "$addons")" "$@"
}
shell_step() {  # shell_step ADDONS_DIR fill|check
    UPGRADE_STEP=$2 UPGRADE_FINGERPRINT=$WORK/fingerprint.json \
        odoo_at "$1" shell -d "$DB" --no-http --log-level=warn < "$ROOT/scripts/upgrade_check.py"
}

"$PY" "$ROOT/scripts/dropdb.py" "$DB" "$CACHE/data/filestore"
say "installing $ADDON at $PREVIOUS (19.0.1.0.0) with demo data in $DB"
odoo_at "$WORK/addons" -d "$DB" -i "$ADDON" --with-demo --stop-after-init --no-http \
    --log-level=warn --logfile="$WORK/install.log" \
    || { cat "$WORK/install.log"; die "installing the previous release failed (log above)."; }
say "running its nightly pass and warning rules, recording the customers"
shell_step "$WORK/addons" fill || die "filling the previous release's database failed (above)."

# ${ADDON}_stock, ${ADDON}_crm and ${ADDON}_spreadsheet_dashboard stay uninstalled: they wait
# for sale_stock, crm and spreadsheet_dashboard, which that database lacks
say "upgrading $DB to this checkout's $ADDON"
odoo -d "$DB" -u "$ADDON" --stop-after-init --no-http --log-level=warn --logfile="$WORK/upgrade.log" \
    || { cat "$WORK/upgrade.log"; die "the upgrade failed (log above)."; }
if grep -E " (WARNING|ERROR|CRITICAL) " "$WORK/upgrade.log"; then
    die "the upgrade logged the warnings or errors above."
fi
say "checking the customers and the migrations"
shell_step "$ROOT" check || die "the upgraded database is not what it should be (above)."
say "upgrade test: passed"
