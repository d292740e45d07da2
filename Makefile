# The two commands of the README: `make run` and `make test`. Both set up what is missing first.
PY := .venv/bin/python
DB ?= $(or $(RISK_WAREHOUSE),data/warehouse.duckdb)

.PHONY: setup run test test-fast e2e lint bench demo i18n-extract i18n-sync fuzz

setup:
	@bash scripts/setup.sh

demo: setup
	@test -f "$(DB)" || $(PY) -m indicators build --demo --db "$(DB)"

run: demo
	RISK_WAREHOUSE="$(DB)" $(PY) -m ui.serve

lint: setup
	$(PY) -m ruff check .

test: setup
	$(PY) -m ruff check .
	$(PY) -m pytest -q

test-fast: setup
	$(PY) -m pytest -q -m "not e2e"

e2e: setup
	$(PY) -m pytest -q -m e2e

bench: setup
	$(PY) bench/run_all.py

# Property-based fuzzing of the importer with a large random budget (CI runs 100 per property).
FUZZ_EXAMPLES ?= 5000
fuzz: setup
	RISK_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) RISK_FUZZ_SEED=random $(PY) -m pytest -q -p no:cacheprovider tests/test_hardening_fuzz.py

# Translations (indicators/i18n/README.md): keys used in the code -> data/cache/messages-extracted.pot,
# then bring every catalog in line with the English source catalog.
i18n-extract:
	@mkdir -p data/cache
	.venv/bin/pybabel extract -F babel.cfg -k t -k n:1,1 --no-default-keywords \
		--project atrocity-risk-dashboard -o data/cache/messages-extracted.pot . 2>/dev/null
	@grep -c "^msgid \"[a-z]" data/cache/messages-extracted.pot | xargs echo "keys extracted to data/cache/messages-extracted.pot:"

i18n-sync:
	$(PY) -m indicators.i18n.sync
