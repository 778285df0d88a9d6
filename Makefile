# Cobudget des communs: `make run` starts the app with demo data, `make test` runs every test.
# Both set up what they need first: a virtual environment, the Python packages, the front-end
# packages from npm (into the git-ignored node_modules/), and Debian's Chromium for browser tests.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup run test test-sqlite test-postgresql test-slow lint bench proof chromium clean

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

chromium:
	@command -v chromium >/dev/null || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium >/dev/null)

run: setup
	$(BIN)/cobudget run --demo --mail-debug

# The whole suite on SQLite and, at the same time, the database-facing tests again on
# PostgreSQL when COBUDGET_TEST_DATABASE_URL is set (e.g. postgresql://postgres@127.0.0.1:5432/test).
# The two runs share nothing (each its own databases) and each prints its output when it ends.
test: setup chromium lint
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgresql

# Tests marked slow (equal-shares parity on the largest pabulib instances, minutes each) run
# with `make test-slow`; `make bench` compares every instance with pabutools as well.
test-sqlite:
	$(BIN)/pytest -m "not slow"

test-slow: setup
	$(BIN)/pytest -m slow

test-postgresql:
	@if [ -n "$$COBUDGET_TEST_DATABASE_URL" ]; then \
	  COBUDGET_TEST_BACKEND=postgresql $(BIN)/pytest tests/integration tests/e2e; \
	else echo "COBUDGET_TEST_DATABASE_URL is not set: PostgreSQL run skipped."; fi

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy src

bench: setup
	$(BIN)/python benchmarks/engine_vs_pabutools.py
	$(BIN)/python benchmarks/engine_scale.py
	$(BIN)/python benchmarks/projection.py
	$(BIN)/python benchmarks/search.py
	@command -v wrk >/dev/null || ($(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq wrk >/dev/null)
	$(BIN)/python benchmarks/pages.py

# The service under abuse and faults, from outside (docs/reliability.md): two app processes and
# two outbox workers on a fresh PostgreSQL database, then the SQLite default alone. A few minutes.
proof: setup
	$(BIN)/python -m tests.proof

clean:
	rm -rf $(VENV) node_modules var test-artifacts .pytest_cache .hypothesis .mypy_cache .ruff_cache
