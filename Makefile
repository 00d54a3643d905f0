# Svrazka: `make demo` runs the app with a demo workspace, `make test` runs every test.
SHELL := /bin/bash
PYTHON := $(shell scripts/find-python)
export UV_PYTHON := $(PYTHON)
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/.venv
UV := $(shell command -v uv 2>/dev/null || echo $(CURDIR)/.bootstrap/bin/uv)
MANAGE := .venv/bin/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup demo test lint run worker bench-seed

setup:
	@test -n "$(PYTHON)" || { echo "No Python >= 3.12 found (see above)."; exit 1; }
	@test -x "$(UV)" || { echo "Installing uv into .bootstrap/"; "$(PYTHON)" -m venv .bootstrap && .bootstrap/bin/pip install -q uv; }
	"$(UV)" sync --locked
	npm ci --no-audit --no-fund --loglevel=error
	$(MANAGE) compilemessages --ignore=.venv --ignore=node_modules -v 0
	$(MANAGE) migrate --noinput -v 0
	$(MANAGE) createcachetable

demo: setup
	$(MANAGE) load_demo
	@# The background worker (imports, digests) runs beside the server and stops with it.
	SVRAZKA_DEMO=1 $(MANAGE) db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	SVRAZKA_DEMO=1 $(MANAGE) runserver $(HOST):$(PORT)

run: setup
	$(MANAGE) db_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(MANAGE) runserver $(HOST):$(PORT)

worker: setup
	$(MANAGE) db_worker

test: setup
	.venv/bin/ruff check .
	$(MANAGE) makemigrations --check --dry-run -v 1
	.venv/bin/python -m pytest -n 2 $(PYTEST_ARGS)

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .
