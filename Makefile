# Everything a fresh clone needs: `make demo` (set up, then run the main job) and
# `make test` (set up, then run every check CI runs).  Needs python3 (>= 3.11) and a C compiler.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: setup demo test bench suite

setup: $(VENV)/.installed

# Reinstall (and so recompile the kernel) whenever the build inputs change.
# Not --quiet: pip's own lines show what the first install (about a minute) is doing.
$(VENV)/.installed: pyproject.toml setup.py MANIFEST.in src/seedstream/_kernel.c src/seedstream/_mtfill.c src/seedstream/_fastcall.c \
		$(wildcard src/seedstream/csrc/*.[ch])
	@echo "setting up $(VENV) (about a minute, once): numpy, dask, zarr and the C kernel..."
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade pip
	$(PY) -m pip install -e '.[test]'
	@echo "$(VENV) is ready"
	touch $@

demo: setup
	$(PY) -m seedstream

test: setup
	@echo "ruff, mypy, then pytest on every core: about 2-3 minutes on 2 cores"
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(PY) -m pytest -n auto --dist worksteal  # one worker per core (pytest-xdist)

bench: setup
	$(PY) benchmarks/bench_advance.py

# The classic seed table (benchmarks/results/): about 7-10 minutes on 2 cores.
# Budgets: make suite SUITE_ARGS="--max-n 1e10 --max-seconds 600 --disk-budget 100GB"
suite: setup
	$(PY) benchmarks/suite.py $(SUITE_ARGS)
