#!/usr/bin/env bash
# Installs the addon and its bridge modules in a throwaway database, runs every test, drops
# the database. Fails on any test failure and on any error or warning logged while installing.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
setup

MODULES=("$ADDON" "${ADDON}_stock")

DB=crm_test_$$
LOG=$(mktemp -t crm_install.XXXXXX.log)
cleanup() { "$PY" "$ROOT/scripts/dropdb.py" "$DB" "$CACHE/data/filestore" || true; }
trap cleanup EXIT

say "installing ${MODULES[*]} with demo data in the throwaway database $DB"
odoo -d "$DB" -i "$(IFS=,; echo "${MODULES[*]}")" --with-demo --stop-after-init --log-level=warn \
    --logfile="$LOG" --no-http \
    || { cat "$LOG"; die "installing ${MODULES[*]} failed (log above)."; }
if grep -E " (WARNING|ERROR|CRITICAL) " "$LOG"; then
    die "installing ${MODULES[*]} logged the warnings or errors above."
fi

say "running the tests: Odoo test cases (the DB-less engine ones included) and portal routes (HTTP)"
cd "$ROOT"
"$PY" -m pytest -p no:cacheprovider --odoo-config="$(odoo_conf)" --odoo-database="$DB" --odoo-http \
    "$@" "${MODULES[@]/%//tests}"
