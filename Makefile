# Two commands on a fresh machine (Python 3.11+ and make):
#   make run    set up or refresh .venv, then start the kiosk in demo mode
#   make test   set up or refresh .venv, install libzbar0, chromium, fonts-noto-cjk and
#               espeak-ng when it can and fetch the real QR photos (scripts/test-deps:
#               as root or with passwordless sudo; NO_APT=1 skips apt), then run the
#               whole test suite, a worker per core (a file's tests stay together).
#               PostgreSQL: the running server, else a throwaway one
#               from the dev extra's binaries (tests/support/databases.py).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test check venv clean

run: $(STAMP)
	$(PY) main.py $(ARGS)

test: $(STAMP)
	@sh scripts/test-deps $(PY)
	$(PY) -m pytest -n auto --dist loadfile $(PYTEST_ARGS)

# The habits CI holds the code to: the layers (import-linter), ruff, strict mypy.
check: $(STAMP)
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

venv: $(STAMP)

# Reinstalled whenever pyproject.toml changes.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) .pytest_cache
