# Two commands on a fresh machine: `make run` (the bot) and `make test` (the suite).
# Both create the virtual environment in .venv first if it is missing or out of date.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# What running needs, and on top of it what the tests and linters need (make run installs
# only the first).
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test lint migrate migration clean

ICALJS := tests/js/node_modules/ical.js/dist/ical.js

$(RUN_STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUN_STAMP)

$(DEV_STAMP): $(RUN_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(DEV_STAMP)

# Mozilla's ical.js, an independent reader of our calendar files in the tests (needs Node.js).
$(ICALJS): tests/js/package-lock.json
	npm ci --prefix tests/js --no-audit --no-fund --silent
	touch $(ICALJS)

run: $(RUN_STAMP)
	$(BIN)/forumbot run

test: $(DEV_STAMP) $(ICALJS)
	$(BIN)/pytest

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

migrate: $(RUN_STAMP)
	$(BIN)/forumbot migrate

migration: $(DEV_STAMP)
	$(BIN)/python -m storage.migrate "$(MESSAGE)"

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
