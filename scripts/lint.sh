#!/usr/bin/env bash
# Lints the addon as OCA's 19.0 template does: ruff (rules in .ruff.toml, then the formatter's
# check) and pylint-odoo's mandatory checks (.pylintrc). Runs all three, fails if any finds
# something. Needs no database.
#   scripts/lint.sh --fix    lets ruff fix what it can and reformat, then checks
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
ensure_odoo
ensure_venv
cd "$ROOT"

if [ "${1:-}" = "--fix" ]; then
    say "ruff: fixing and formatting $ADDON"
    "$VENV/bin/ruff" check --fix --quiet "$ADDON" || true
    "$VENV/bin/ruff" format --quiet "$ADDON"
fi

failed=()
say "ruff check $ADDON"
"$VENV/bin/ruff" check --no-fix --output-format=concise "$ADDON" || failed+=("ruff check")
say "ruff format --check $ADDON"
"$VENV/bin/ruff" format --check "$ADDON" || failed+=("ruff format (see: .venv/bin/ruff format --diff $ADDON)")
say "pylint-odoo (OCA mandatory checks, Odoo 19.0) $ADDON"
"$PY" -m pylint --rcfile="$ROOT/.pylintrc" "$ADDON" || failed+=("pylint-odoo")

[ ${#failed[@]} -eq 0 ] || die "lint found problems (above): $(IFS=,; echo "${failed[*]}" | sed "s/,/; /g"). scripts/lint.sh --fix fixes what ruff can."
say "lint: clean"
