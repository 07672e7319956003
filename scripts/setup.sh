#!/usr/bin/env bash
# Finds (or fetches) Odoo 19.0, builds .venv, finds or starts PostgreSQL. Idempotent.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
setup
say "ready: Odoo 19.0 in $ODOO_SRC, PostgreSQL at ${PGHOST:-the local socket}"
