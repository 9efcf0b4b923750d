# Jixiao developer commands. `make run` and `make test` work on a fresh machine (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
DEMO_ENV := JIXIAO_DEMO=1
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup install run test lint test-sqlite test-postgres test-browser seed clean-demo docs audit-deps

## setup: install, then apply the migrations to the demo database (idempotent)
setup: install
	$(DEMO_ENV) $(PY) manage.py migrate --noinput -v 0

## install: Python deps into .venv, npm assets into node_modules (the tests build their own databases)
install: $(VENV)/.installed node_modules/.installed
	@mkdir -p var/staticfiles var/media

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## run: start Jixiao on SQLite with the seeded demo county at http://127.0.0.1:8000/ (plus a background-task worker)
# The worker (imports, exports) runs in the background of the same shell; the trap stops it with runserver.
run: setup
	$(DEMO_ENV) $(PY) manage.py seed_demo --print-logins
	trap 'kill 0' EXIT; \
	$(DEMO_ENV) $(PY) manage.py db_worker --interval 1 & \
	$(DEMO_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

## seed: (re)build the demo county from scratch
seed: setup
	$(DEMO_ENV) $(PY) manage.py seed_demo --reset --print-logins

## lint: ruff, mypy (django-stubs), import-linter layer contracts, house-style pattern checks
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	JIXIAO_TESTING=1 $(VENV)/bin/mypy config jixiao
	JIXIAO_TESTING=1 $(VENV)/bin/lint-imports
	$(PY) scripts/check_patterns.py
	JIXIAO_TESTING=1 $(PY) manage.py makemigrations --check --dry-run -v 0

## audit-deps: pip-audit of requirements.txt against the PyPI/OSV advisory database (needs internet; not part of
## `make test`: an offline CI machine cannot reach the advisories; see docs/security.md, checklist H03)
audit-deps: $(VENV)/.installed
	$(PIP) install -q pip-audit
	$(VENV)/bin/pip-audit --strict -r requirements.txt

## test: the whole suite: lint, SQLite (incl. Playwright browser tests), and PostgreSQL when configured
test: install lint test-sqlite test-postgres

test-sqlite:
	$(VENV)/bin/pytest -q -n 2 --durations=25

# PostgreSQL: set JIXIAO_TEST_PG_URL (e.g. postgres://user:pass@127.0.0.1:5432/jixiao). CI always sets it.
test-postgres:
	@if [ -n "$$JIXIAO_TEST_PG_URL" ]; then \
		echo "== PostgreSQL suite =="; \
		DATABASE_URL="$$JIXIAO_TEST_PG_URL" $(VENV)/bin/pytest -q -n 2 -m "not browser and not nodb and not sqlite_only" --durations=25; \
	elif [ "$$CI" = "true" ]; then \
		echo "CI requires PostgreSQL: JIXIAO_TEST_PG_URL is not set" >&2; exit 1; \
	else \
		echo "(PostgreSQL suite skipped: set JIXIAO_TEST_PG_URL to run it)"; \
	fi

test-browser:
	$(VENV)/bin/pytest -q -m browser

## docs: regenerate docs/workflows.md from the workflow tables
docs:
	JIXIAO_TESTING=1 $(PY) manage.py workflow_docs > docs/workflows.md

## bench: issue 8 benchmark suite (bench/run.py): county scale on SQLite; `make bench SCALE=province` on a local PostgreSQL
SCALE ?= county
.PHONY: bench
bench: $(VENV)/.installed
	$(DEMO_ENV) nice -n 10 $(PY) bench/run.py --scale $(SCALE) $(BENCH_ARGS)
