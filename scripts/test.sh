#!/usr/bin/env bash
# Installs the addon and its bridge modules in a throwaway database, runs every test (the
# browser tours in Chromium included), drops the database, then upgrades a database of the
# previous release (scripts/test_upgrade.sh; not when ARGS select tests). Fails on any test
# failure and on any error or warning logged while installing. The same tests also run under
# Odoo's own runner:
#   odoo-bin -d DB --test-enable --test-tags /crm_customer_mgmt --stop-after-init
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
setup

MODULES=("$ADDON" "${ADDON}_stock" "${ADDON}_crm" "${ADDON}_spreadsheet_dashboard")

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

if missing_packages | grep -qx chromium; then
    die "Chromium is not installed, so the browser tours cannot run; install it (apt-get install chromium) and rerun."
fi

# --odoo-http serves Odoo on a free port for the browser tours and the portal routes
# (HttpCase), so one pytest run covers the Odoo cases, the tours and the engine's tests.
say "running the tests: Odoo test cases (the engine's included), portal routes and browser tours"
cd "$ROOT"
"$PY" -m pytest -p no:cacheprovider --odoo-config="$(odoo_conf)" --odoo-database="$DB" --odoo-http \
    "$@" "${MODULES[@]/%//tests}"

if [ $# -eq 0 ]; then
    cleanup
    if git -C "$ROOT" cat-file -e "$PREVIOUS_RELEASE^{commit}" 2>/dev/null; then
        bash "$ROOT/scripts/test_upgrade.sh"
    else
        say "warning: no upgrade test: this clone lacks the previous release ($PREVIOUS_RELEASE); git fetch --unshallow, then make test-upgrade"
    fi
fi
