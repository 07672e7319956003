# Thin wrappers over scripts/; each script sets up what it needs (Odoo 19.0, .venv, PostgreSQL).
# Odoo's tree: ODOO_SRC (default ~/.cache/crm_customer_mgmt/odoo-19.0); database: PGHOST etc.
# ARGS go to the script: make test ARGS="-k stage", make run ARGS=--dev=xml.
ARGS ?=
.PHONY: help setup run test test-upgrade lint fix bench i18n clean-db

help:
	@echo "make setup     find or fetch Odoo 19.0, build .venv, find or start PostgreSQL"
	@echo "make run       serve crm_demo (addon + demo data) at http://127.0.0.1:8069, admin/admin"
	@echo "make test      install the addon in a throwaway database, run its tests, then test-upgrade"
	@echo "make test-upgrade  upgrade a database of the previous release (19.0.1.0.0) and check it"
	@echo "make lint      ruff and pylint-odoo (OCA's mandatory checks) over the addon"
	@echo "make fix       let ruff fix and reformat the addon, then lint"
	@echo "make bench     run scripts/bench.sh"
	@echo "make i18n      regenerate the .pot from the code and merge it into each .po"
	@echo "make clean-db  drop crm_demo and its filestore (the next make run recreates it)"

setup:
	bash scripts/setup.sh

run:
	bash scripts/run.sh $(ARGS)

test:
	bash scripts/test.sh $(ARGS)

test-upgrade:
	bash scripts/test_upgrade.sh

lint:
	bash scripts/lint.sh

fix:
	bash scripts/lint.sh --fix

bench:
	@test -f scripts/bench.sh || { echo "error: scripts/bench.sh does not exist yet." >&2; exit 1; }
	bash scripts/bench.sh $(ARGS)

i18n:
	bash scripts/i18n.sh

clean-db:
	bash scripts/run.sh --drop
