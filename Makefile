# Two commands do all set-up: `make run` and `make test`. Both create or refresh .venv themselves.
PYTHON ?= python3
# The dashboard's port (`make run PORT=8600` when 8501 is taken).
PORT ?= 8501
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean venv

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Lynchpin needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

run: $(STAMP)
	$(BIN)/python -m risk.dashboard.preflight
	$(BIN)/python -m risk.dashboard.serve app.py --server.port $(PORT)

test: $(STAMP)
	$(BIN)/ruff check risk tests bench app.py tools
	$(BIN)/ruff format --check risk tests bench app.py tools
	$(BIN)/python -m mypy
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/bench_load.py
	$(BIN)/python bench/bench_assess.py
	LYNCHPIN_MAX_SIMULATED_OUTAGES=100000000 LYNCHPIN_MAX_SERVICE_YEARS=300000000 $(BIN)/python bench/bench_assess.py 100000
	$(BIN)/python bench/bench_cli.py
	$(BIN)/python bench/bench_scram.py
	$(BIN)/python bench/bench_firstlook.py
	$(BIN)/python bench/bench_dashboard.py
	$(BIN)/python bench/bench_aralia.py $(ARALIA)
	$(BIN)/python bench/bench_hostile.py
	$(BIN)/python bench/bench_team.py
	$(BIN)/python bench/calibrate.py
	$(BIN)/python bench/calibrate.py --world stationary

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .hypothesis build *.egg-info
