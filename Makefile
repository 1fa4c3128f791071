# Two commands for a newcomer: `make demo` (the station on simulated chips) and `make test`.
# Every target creates .venv and installs into it first, so nothing else is needed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: setup demo demo-headless test lint test-only bench soak installer screenshots clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

# The window on 8 simulated chips; with no display (a server, CI) the same run, headless.
demo: $(STAMP)
	$(BIN)/prodtool demo --ports 8

demo-headless: $(STAMP)
	$(BIN)/prodtool demo --ports 8 --headless

lint: $(STAMP)
	$(BIN)/ruff check prodtool tests bench installer
	$(BIN)/mypy
	$(BIN)/lint-imports

test-only: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

test: lint test-only

bench: $(STAMP)
	$(BIN)/python -m bench

soak: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -m slow --soak

installer: $(STAMP)
	$(BIN)/python installer/build.py

screenshots: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(BIN)/python docs/make_screenshots.py

clean:
	rm -rf build dist .mypy_cache .ruff_cache
