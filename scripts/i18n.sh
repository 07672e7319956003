#!/usr/bin/env bash
# Regenerates the translation template i18n/crm_customer_mgmt.pot from the code and data
# (in a throwaway database with the addon installed), then merges it into every
# i18n/*.po: new terms arrive untranslated, vanished ones are dropped.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
setup
command -v msgmerge >/dev/null || die "msgmerge is missing: install Debian's gettext package."

DB=crm_i18n_$$
cleanup() { "$PY" "$ROOT/scripts/dropdb.py" "$DB" "$CACHE/data/filestore" || true; }
trap cleanup EXIT

I18N=$ROOT/$ADDON/i18n
say "installing $ADDON in the throwaway database $DB"
odoo -d "$DB" -i "$ADDON" --stop-after-init --log-level=warn --no-http
say "exporting $I18N/$ADDON.pot"
"$PY" "$ODOO_SRC/odoo-bin" i18n export -c "$(odoo_conf)" -d "$DB" -o "$I18N/$ADDON.pot" "$ADDON"
for po in "$I18N"/*.po; do
    say "merging into $(basename "$po")"
    msgmerge --quiet --update --backup=none --no-fuzzy-matching "$po" "$I18N/$ADDON.pot"
done
