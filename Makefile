# Two commands for a fresh machine:
#   make ask    set up, build the store, answer a sample question offline
#   make test   set up and run the test suite
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin
QUESTION ?= Where did Biden and Kishida meet a day before the G7 summit?

.PHONY: setup ask test eval bench lint

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch==2.13.0 is the CPU build on this disk; an unpinned torch pulls CUDA
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[local,ui,test]'
	touch $@

setup: $(VENV)/.installed

ask: setup
	$(BIN)/assistant ask "$(QUESTION)"

test: setup
	$(BIN)/pytest

eval: setup
	$(BIN)/python -m evals

bench: setup
	$(BIN)/python -m benchmarks

lint: setup
	$(BIN)/ruff check assistant tests evals benchmarks
	$(BIN)/ruff format --check assistant tests evals benchmarks
