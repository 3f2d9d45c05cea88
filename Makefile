# Developer entry points. Only Python 3.11 is needed: SQLite and kombu's filesystem broker
# under var/ stand in for PostgreSQL and Redis unless DATABASE_URL / CELERY_BROKER_URL are set.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Reinstall only when pyproject.toml is newer than the last install. `make run` installs what
# serving needs (the runtime dependencies); test and lint add the dev extras.
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.DEFAULT_GOAL := help
.PHONY: help install run test lint check bench load

help:
	@echo "make run      migrate, seed demo data, serve http://127.0.0.1:$${PORT:-8000} with a Celery worker"
	@echo "make test     ruff + the whole pytest suite (SQLite and in-memory broker by default)"
	@echo "make lint     ruff check and ruff format --check"
	@echo "make check    Django system checks and a missing-migrations check"
	@echo "make install  create $(VENV) and install the project with its dev extras (make run: runtime only)"
	@echo "make bench    seed 100,000 suggestions into BENCH_DATABASE_URL (PostgreSQL) and print every benchmark ratio"
	@echo "make load     the load test alone on BENCH_DATABASE_URL: gunicorn, the floor and the mix, per-page figures"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e .
	touch $(STAMP)

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -e ".[dev]"
	touch $(DEV_STAMP) $(STAMP)

install: $(DEV_STAMP)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The suite needs no broker server: memory:// unless CELERY_BROKER_URL is given (Redis in CI).
test: lint
	CELERY_BROKER_URL="$${CELERY_BROKER_URL:-memory://}" $(BIN)/pytest tests/

check: $(DEV_STAMP)
	$(BIN)/python manage.py check
	$(BIN)/python manage.py makemigrations --check --dry-run

run: $(STAMP)
	$(BIN)/python scripts/run_dev.py

# Needs PostgreSQL: BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/portal_bench
# (created and seeded on the first run, 3-5 minutes; later runs reuse it).
bench: $(DEV_STAMP)
	$(BIN)/python scripts/bench.py

# The load test alone (make bench runs it too, summed up): gunicorn on a free loopback port,
# the floor and the mix, every page's p50/p95/p99. Redis at CELERY_BROKER_URL or 127.0.0.1.
load: $(DEV_STAMP)
	$(BIN)/python scripts/load_test.py
