# chaingrad — `make demo` and `make test` each create .venv themselves.
# GNU make 3.81 compatible: no .ONESHELL, no grouped targets, no newer functions.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check -q

.PHONY: demo test lint bench notebooks clean venv

# chaingrad needs Python 3.11+: refuse an older interpreter before making a venv with it.
$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || { \
	  echo "error: chaingrad needs Python 3.11 or newer, but PYTHON=$(PYTHON) is" \
	    "$$($(PYTHON) --version 2>/dev/null || echo 'not found')." >&2; \
	  echo "Install Python 3.11+ and run: make PYTHON=python3.11 (or python3.12, ...)" >&2; \
	  exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.demo-installed: $(VENV)/bin/python pyproject.toml
	$(PIP) install -e '.[plot]'
	touch $@

$(VENV)/.dev-installed: $(VENV)/bin/python pyproject.toml
	$(PIP) install -e '.[dev,plot]'
	touch $@

demo: $(VENV)/.demo-installed
	$(VENV)/bin/chaingrad demo

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .

# The tests in parallel, one pytest-xdist worker per core, each test file kept on one worker (its
# module fixtures, a browser or a checked engine, are set up once), the files in the order pytest
# collects them: the ones holding the slowest tests first (tests/conftest.py).
# `python -m pytest` alone runs the same tests in one process.
test: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -n auto --dist loadfile --no-loadscope-reorder; rc=$$?; if [ $$rc -eq 5 ]; then echo "error: pytest collected no tests" >&2; exit 1; fi; exit $$rc

# Re-execute every notebook in place from a clean kernel (outputs are seeded: a clean diff).
notebooks: $(VENV)/.dev-installed
	$(PY) notebooks/run.py

bench: $(VENV)/.dev-installed
	$(PY) bench/engine.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis build *.egg-info
