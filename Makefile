# Two commands for a fresh machine:
#   make ask    set up, build the store, answer a sample question offline
#   make test   set up and run the test suite
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin
QUESTION ?= Where did Biden and Kishida meet a day before the G7 summit?
# PORTABLE=1 builds llama.cpp for any AVX2 CPU instead of this one (same numbers on
# every AVX2 machine; slower where the CPU has more, e.g. AVX-512: see evals/README.md)
PORTABLE ?=
PORTABLE_CMAKE = -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF

.PHONY: setup ask test eval bench lint

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch==2.13.0 is the CPU build on this disk; an unpinned torch pulls CUDA
	$(BIN)/pip install --quiet torch==2.13.0
	$(if $(PORTABLE),CMAKE_ARGS="$(PORTABLE_CMAKE)" $(BIN)/pip install --quiet --no-cache-dir --no-deps llama-cpp-python==0.3.36)
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
