#!/usr/bin/env bash
# Installs the addon in a throwaway database, runs every test (the browser tours in Chromium
# included), drops the database. Fails on any test failure and on any error or warning logged
# while installing. The same tests also run under Odoo's own runner:
#   odoo-bin -d DB --test-enable --test-tags /crm_customer_mgmt --stop-after-init
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
setup

DB=crm_test_$$
LOG=$(mktemp -t crm_install.XXXXXX.log)
cleanup() { "$PY" "$ROOT/scripts/dropdb.py" "$DB" "$CACHE/data/filestore" || true; }
trap cleanup EXIT

say "installing $ADDON with demo data in the throwaway database $DB"
odoo -d "$DB" -i "$ADDON" --with-demo --stop-after-init --log-level=warn --logfile="$LOG" --no-http \
    || { cat "$LOG"; die "installing $ADDON failed (log above)."; }
if grep -E " (WARNING|ERROR|CRITICAL) " "$LOG"; then
    die "installing $ADDON logged the warnings or errors above."
fi

if missing_packages | grep -qx chromium; then
    die "Chromium is not installed, so the browser tours cannot run; install it (apt-get install chromium) and rerun."
fi

# --odoo-http serves Odoo on a free port for the browser tours (HttpCase), so one pytest run
# covers the Odoo cases, the tours and the plain engine tests (test_engine_*).
say "running the tests: Odoo cases, browser tours and plain engine tests"
cd "$ROOT"
"$PY" -m pytest -p no:cacheprovider --odoo-config="$(odoo_conf)" --odoo-database="$DB" --odoo-http \
    "$@" "$ADDON/tests"
