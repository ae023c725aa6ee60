# Two commands on a fresh machine: `make run` (the bot) and `make test` (the suite).
# Both create the virtual environment in .venv first if it is missing or out of date.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint migrate migration clean

ICALJS := tests/js/node_modules/ical.js/dist/ical.js

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Mozilla's ical.js, an independent reader of our calendar files in the tests (needs Node.js).
$(ICALJS): tests/js/package-lock.json
	npm ci --prefix tests/js --no-audit --no-fund --silent
	touch $(ICALJS)

run: $(STAMP)
	$(BIN)/forumbot run

test: $(STAMP) $(ICALJS)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

migrate: $(STAMP)
	$(BIN)/forumbot migrate

migration: $(STAMP)
	$(BIN)/python -m storage.migrate "$(MESSAGE)"

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
