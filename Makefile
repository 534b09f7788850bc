# The two commands: `make run` (the console with embedded defaults) and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
VPY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed
# axe-core for the browser tests' accessibility checks, pinned in package-lock.json.
AXE := node_modules/axe-core/axe.min.js

# A Python >= 3.12 that really runs: $(PYTHON) if given, then python3.13 / python3.12
# on PATH (pyenv shims that point nowhere are skipped), then pyenv's installed versions.
define FIND_PYTHON
ok() { "$$1" -c 'import sys, venv; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }; \
if [ -n "$(PYTHON)" ]; then \
  if ok "$(PYTHON)"; then echo "$(PYTHON)"; exit 0; fi; \
  echo "PYTHON=$(PYTHON) is not a working Python 3.12 or newer." >&2; exit 1; \
fi; \
for c in python3.13 python3.12; do \
  if command -v "$$c" >/dev/null 2>&1 && ok "$$c"; then command -v "$$c"; exit 0; fi; \
done; \
root=$$(pyenv root 2>/dev/null || echo "$$HOME/.pyenv"); \
for c in $$(ls -d "$$root"/versions/3.1[3-9]*/bin/python3 "$$root"/versions/3.12*/bin/python3 2>/dev/null | sort -rV); do \
  if ok "$$c"; then echo "$$c"; exit 0; fi; \
done; \
echo "No Python 3.12 or newer found. Install Python 3.12+ (or pyenv install 3.13) or run: make PYTHON=/path/to/python3.13 ..." >&2; \
exit 1
endef

.PHONY: help venv run test lint fmt bench bench-scale bench-workers catalog clean

help:
	@echo "make run    start the console at http://127.0.0.1:$(PORT) with a worker and beat"
	@echo "make test   run the whole test suite (ruff included)"
	@echo "make bench  run the benchmarks in bench/"
	@echo "make catalog  collect new strings into locale/*.po and compile them (needs GNU gettext)"

$(STAMP): pyproject.toml
	@py=$$( $(FIND_PYTHON) ) || exit 1; \
	if [ ! -x $(VPY) ] || ! $(VPY) -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	  echo "Creating $(VENV) with $$py"; rm -rf $(VENV); "$$py" -m venv $(VENV) || exit 1; \
	fi
	$(VPY) -m pip install --quiet --upgrade pip
	$(VPY) -m pip install --quiet ".[dev]"
	@touch $(STAMP)

venv: $(STAMP) $(AXE)

# The registry install step of the test tools; without npm the accessibility checks are
# skipped (and fail in a strict run), as the browser tests are without Chromium.
$(AXE): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --ignore-scripts --silent && touch $(AXE); \
	else echo "npm not found: the accessibility checks of the browser tests will not run"; fi

# Production-like on one machine: DEBUG off unless DEBUG=true is given, gunicorn serving
# the collected static files (whitenoise), plain http on 127.0.0.1.
run: $(STAMP)
	$(VPY) manage.py migrate --no-input
	$(VPY) manage.py collectstatic --no-input --verbosity 0
	$(VPY) manage.py seed_demo --known-passwords
	@echo "Console: http://127.0.0.1:$(PORT)  (Ctrl-C stops the web server, worker and beat)"
	CONSOLE_PORT=$(PORT) PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho -f Procfile start

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

fmt: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: lint $(AXE)
	$(VENV)/bin/pytest $(PYTEST_ARGS)

catalog: $(STAMP)
	$(VPY) manage.py catalog

bench: $(STAMP)
	$(VPY) bench/import_throughput.py
	$(VPY) bench/upload_memory.py
	$(VPY) bench/faults.py

# PostgreSQL at 127.0.0.1:5432 (user postgres); the data set stays in scale_bench.
bench-scale: $(STAMP)
	$(VPY) bench/scale.py

bench-workers: $(STAMP)
	$(VPY) bench/worker_concurrency.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache node_modules
