#!/usr/bin/env bash
# Regenerates the translation template i18n/<module>.pot of every module in the repository
# (the addon and its bridge modules) from the code and data, in a throwaway database with
# them installed, then merges each template into its module's i18n/*.po: new terms arrive
# untranslated, vanished ones are dropped. A module without a .po gets a zh_CN.po to fill.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
setup
command -v msgmerge >/dev/null || die "msgmerge is missing: install Debian's gettext package."

DB=crm_i18n_$$
cleanup() { "$PY" "$ROOT/scripts/dropdb.py" "$DB" "$CACHE/data/filestore" || true; }
trap cleanup EXIT

MODULES=()
for manifest in "$ROOT"/*/__manifest__.py; do
    MODULES+=("$(basename "$(dirname "$manifest")")")
done
say "installing ${MODULES[*]} in the throwaway database $DB"
odoo -d "$DB" -i "$(IFS=,; echo "${MODULES[*]}")" --stop-after-init --log-level=warn --no-http
for module in "${MODULES[@]}"; do
    i18n=$ROOT/$module/i18n
    mkdir -p "$i18n"
    say "exporting $i18n/$module.pot"
    "$PY" "$ODOO_SRC/odoo-bin" i18n export -c "$(odoo_conf)" -d "$DB" -o "$i18n/$module.pot" "$module"
    [ -n "$(ls "$i18n"/*.po 2>/dev/null)" ] \
        || msginit --no-translator --locale=zh_CN.UTF-8 --input="$i18n/$module.pot" --output-file="$i18n/zh_CN.po"
    for po in "$i18n"/*.po; do
        say "merging into $module/i18n/$(basename "$po")"
        msgmerge --quiet --update --backup=none --no-fuzzy-matching "$po" "$i18n/$module.pot"
    done
done
