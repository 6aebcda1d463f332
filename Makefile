# Two commands on a fresh machine: `make run` and `make test`. Both create .venv if missing.
SHELL := /bin/bash
VENV  ?= .venv
BIN   := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint bench dashboard explore setup clean

run: $(STAMP)
	$(BIN)/ceasefire-sim +experiment=baseline

test: $(STAMP) lint
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python -m benchmarks

# The dashboard on http://127.0.0.1:$(PORT) (docs/dashboard.md); not needed by `make run` or `make test`
PORT ?= 8765
dashboard: $(STAMP)
	$(BIN)/solara run sim/dashboard/app.py --host 127.0.0.1 --port $(PORT) --production

# The default exploration: Sobol indices and PRIM boxes (docs/explore.md), about 15 min on 2 cores
explore: $(STAMP)
	$(BIN)/ceasefire-explore

setup: $(STAMP)

$(BIN)/python:
	@py=$$(scripts/find-python) || exit 1; \
	echo "creating $(VENV) with $$py"; \
	"$$py" -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,cluster]'
	@touch $@

clean:
	rm -rf $(VENV) outputs multirun
