#!/usr/bin/env bash
# Serves the addon with its demo data at http://127.0.0.1:8069 (login admin, password admin).
# The database crm_demo is created with the addon and its demo data on the first run and
# upgraded on later ones. Extra arguments go to Odoo (e.g. --dev=xml); Ctrl-C stops it.
#   scripts/run.sh --drop    drops crm_demo and its filestore instead (make clean-db)
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

DB=${CRM_DEMO_DB:-crm_demo}
DASHBOARD=${ADDON}_spreadsheet_dashboard  # the supervisors' dashboard, in the Dashboards app
HTTP_HOST=127.0.0.1
HTTP_PORT=${CRM_HTTP_PORT:-8069}

# Prints the addon's state in $DB: absent (no database), installed, missing (an Odoo database
# without the addon) or foreign (not an Odoo database).
addon_state() {
    "$PY" - "$DB" "$ADDON" <<'EOF'
import sys

import psycopg2


def state(db, addon):
    with psycopg2.connect(dbname="postgres") as conn, conn.cursor() as cr:
        cr.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db])
        exists = cr.fetchone()
    conn.close()
    if not exists:
        return "absent"
    with psycopg2.connect(dbname=db) as conn, conn.cursor() as cr:
        cr.execute("SELECT to_regclass('ir_module_module') IS NOT NULL")
        if not cr.fetchone()[0]:
            return "foreign"
        cr.execute("SELECT state FROM ir_module_module WHERE name = %s", [addon])
        row = cr.fetchone()
    conn.close()
    return "installed" if row and row[0] in ("installed", "to upgrade") else "missing"


print(state(*sys.argv[1:]))
EOF
}

drop() {
    say "dropping the database $DB and its filestore"
    "$PY" "$ROOT/scripts/dropdb.py" "$DB"
    rm -rf "$CACHE/data/filestore/$DB"
}

say "setting up Odoo 19.0, .venv and PostgreSQL"
setup
if [ "${1:-}" = "--drop" ]; then
    drop
    exit
fi
if "$PY" -c 'import socket, sys; socket.create_connection((sys.argv[1], int(sys.argv[2])), 1)' \
    "$HTTP_HOST" "$HTTP_PORT" 2>/dev/null; then
    die "something already listens on $HTTP_HOST:$HTTP_PORT (another make run?); stop it or set CRM_HTTP_PORT."
fi

state=$(addon_state) || die "could not look at the database $DB (PostgreSQL said why above)."
case $state in
    absent)
        say "creating the database $DB with $ADDON, its dashboard and its demo data (once; a few minutes)"
        odoo -d "$DB" -i "$ADDON,$DASHBOARD" --with-demo --stop-after-init --no-http --log-level=warn \
            || die "creating $DB failed (Odoo's log above); fix it and rerun, or start over with make clean-db."
        ;;
    missing)
        say "installing $ADDON in the existing database $DB"
        odoo -d "$DB" -i "$ADDON,$DASHBOARD" --stop-after-init --no-http --log-level=warn \
            || die "installing $ADDON in $DB failed (Odoo's log above); fix it and rerun, or start over with make clean-db."
        ;;
    installed)
        say "upgrading $ADDON in the database $DB"
        odoo -d "$DB" -u "$ADDON" -i "$DASHBOARD" --stop-after-init --no-http --log-level=warn \
            || die "upgrading $ADDON in $DB failed (Odoo's log above); fix it and rerun, or start over with make clean-db."
        ;;
    *)
        die "the database $DB exists but is not an Odoo database; drop it (make clean-db) or set CRM_DEMO_DB."
        ;;
esac

say "running the nightly metrics pass and warning rules on $DB (stages, grades, warnings)"
printf '%s\n' "env['crm.customer.metrics']._cron_refresh()" \
    "env['crm.customer.warning.rule']._cron_evaluate()" \
    | "$PY" "$ODOO_SRC/odoo-bin" shell -c "$(odoo_conf)" -d "$DB" --no-http --log-level=warn >/dev/null \
    || die "the nightly pass failed on $DB (Odoo's log above)."

say "serving http://$HTTP_HOST:$HTTP_PORT (database $DB, login admin / admin); Ctrl-C stops it"
odoo -d "$DB" --db-filter="^$DB\$" --http-interface="$HTTP_HOST" --http-port="$HTTP_PORT" "$@"
