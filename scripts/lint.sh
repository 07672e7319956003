#!/usr/bin/env bash
# Lints the addon and its bridge modules as OCA's 19.0 template does: ruff (rules in .ruff.toml,
# then the formatter's check) and pylint-odoo's mandatory checks (.pylintrc). Runs all three,
# fails if any finds something. Needs no database.
#   scripts/lint.sh --fix    lets ruff fix what it can and reformat, then checks
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ensure_odoo
ensure_venv
cd "$ROOT"
MODULES=("$ADDON" "${ADDON}_stock" "${ADDON}_crm" "${ADDON}_spreadsheet_dashboard")

if [ "${1:-}" = "--fix" ]; then
    say "ruff: fixing and formatting ${MODULES[*]}"
    "$VENV/bin/ruff" check --fix --quiet "${MODULES[@]}" || true
    "$VENV/bin/ruff" format --quiet "${MODULES[@]}"
fi

failed=()
say "ruff check ${MODULES[*]}"
"$VENV/bin/ruff" check --no-fix --output-format=concise "${MODULES[@]}" || failed+=("ruff check")
say "ruff format --check ${MODULES[*]}"
"$VENV/bin/ruff" format --check "${MODULES[@]}" \
    || failed+=("ruff format (see: .venv/bin/ruff format --diff ${MODULES[*]})")
say "pylint-odoo (OCA mandatory checks, Odoo 19.0) ${MODULES[*]}"
"$PY" -m pylint --rcfile="$ROOT/.pylintrc" "${MODULES[@]}" || failed+=("pylint-odoo")

[ ${#failed[@]} -eq 0 ] || die "lint found problems (above): $(IFS=,; echo "${failed[*]}" | sed "s/,/; /g"). scripts/lint.sh --fix fixes what ruff can."
say "lint: clean"
