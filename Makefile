# `make run` and `make test` set up everything they need on a fresh clone, then do the thing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Re-install when the dependencies change; the stamp lives inside .venv so `make .venv` stays the entry point.
STAMP := $(VENV)/.installed

.PHONY: run test lint bench screenshots clean

$(VENV): $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=23.1"
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)
	$(BIN)/python -m compileall -q kiosk

run: $(VENV)
	$(BIN)/kiosk run

lint: $(VENV)
	$(BIN)/ruff check kiosk tests main.py $(wildcard bench)
	$(BIN)/ruff format --check kiosk tests main.py $(wildcard bench)
	$(BIN)/mypy

test: lint
	QT_QPA_PLATFORM=offscreen $(BIN)/pytest -n auto

# Compiled first, as the installer leaves it: a start-up that compiles the code is not what a kiosk does.
bench: $(VENV)
	$(BIN)/python -m compileall -q kiosk
	$(BIN)/python bench/run.py

# The README's pictures, from `kiosk screenshot` (tests/e2e holds it to the real window) on a fresh database.
screenshots: $(VENV)
	set -e; db=$$(mktemp -d)/kiosk.sqlite3; shot="$(BIN)/kiosk --db $$db screenshot"; out=docs/screenshots; \
	$$shot home $$out/home.png; \
	$$shot reader $$out/reader.png --page how-it-works/glutamate-burst; \
	$$shot faq $$out/faq-search.png --query "can i drive"; \
	$$shot reader $$out/reader-portrait-es.png --page treatment-day/monitoring --lang es --size 1080x1920; \
	$$shot reader $$out/reader-largest-text.png --page side-effects-and-risks/who-should-not --text-size largest; \
	$$shot reader $$out/chapter-end.png --page treatment-day/end; \
	$$shot attract $$out/attract.png; \
	$$shot idle-warning $$out/idle-high-contrast.png --high-contrast --text-size large; \
	$$shot staff-editor $$out/staff-editor.png; \
	$$shot teach-back $$out/teach-back.png --page treatment-day --answer 1; \
	$$shot take-home $$out/take-home.png --page treatment-day; \
	rm -r "$$(dirname "$$db")"

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info
