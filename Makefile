# `make run` and `make test` set up everything they need on a fresh clone, then do the thing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Re-install when the dependencies change; the stamp lives inside .venv so `make .venv` stays the entry point.
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(VENV): $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=23.1"
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

run: $(VENV)
	$(BIN)/kiosk run

lint: $(VENV)
	$(BIN)/ruff check kiosk tests main.py $(wildcard bench)
	$(BIN)/ruff format --check kiosk tests main.py $(wildcard bench)
	$(BIN)/mypy

test: lint
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest

bench: $(VENV)
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
