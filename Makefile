# The two commands of the README: `make run` and `make test`. Both set up what is missing first.
PY := .venv/bin/python
DB ?= $(or $(RISK_WAREHOUSE),data/warehouse.duckdb)

.PHONY: setup run test test-fast e2e lint bench demo

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
