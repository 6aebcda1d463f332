# Two commands on a fresh machine: `make run` and `make test`. Both create .venv if missing.
SHELL := /bin/bash
VENV  ?= .venv
BIN   := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test test-all verify-calibration verify-rolling identifiability fuzz lint bench dashboard explore setup lock clean

run: $(STAMP)
	$(BIN)/ceasefire-sim +experiment=baseline

# The suite on TEST_WORKERS processes (pytest-xdist; tests are independent: each writes under its own tmp_path)
TEST_WORKERS ?= 2

test: $(STAMP) lint
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS)

# The default suite and the slow checks (marked `slow`: e.g. the committed calibration on the single-core sampler)
test-all: $(STAMP) lint
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) -m ""

# The committed rolling validation (validation/results/rolling/) regenerated and compared (under a minute)
verify-rolling: $(STAMP)
	$(BIN)/python -m pytest -q -m slow tests/validation/test_rolling.py

# The committed calibration (calibration/results/) rerun at its settings and compared byte for byte, on two
# cores (about 10 minutes on an idle 2-core machine; make test checks its first generation only), and the
# published identifiability check (4.5 minutes)
verify-calibration: $(STAMP)
	$(BIN)/python -m pytest -q -m "" "tests/calibration/test_abc.py::test_committed_set_is_what_the_code_produces[parallel]" \
		tests/calibration/test_identifiability.py::test_committed_check_is_what_the_code_produces

# What the record can identify at all, whatever the ABC run (calibration/results/identifiability.md; 4.5 min)
identifiability: $(STAMP)
	$(BIN)/python -m calibration.identifiability --publish

# The fuzz tests with ten times the generated inputs of make test, new ones each run (tests/conftest.py)
fuzz: $(STAMP)
	CEASEFIRE_FUZZ=1 $(BIN)/python -m pytest -q -m fuzz

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

# Installs the pinned set (constraints.txt: every package at an exact version) within pyproject's ranges
$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test,cluster]'
	@touch $@

# Re-resolve the pinned set from pyproject's ranges (docs/reproducibility.md); then `make test`
lock:
	scripts/lock

clean:
	rm -rf $(VENV) outputs multirun
