# Jobwizard: `make run` serves the app on local defaults, `make test` runs the suite.
SHELL := /bin/bash
PORT ?= 8000
UV_VERSION := 0.13.9
VENV := .venv
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)

# The first Python >= 3.12 on PATH, else the newest under pyenv's versions folder.
PYTHON ?= $(shell scripts/find-python)

.PHONY: run test lint install migrate browser clean

install: $(VENV)/.synced

$(VENV)/.synced: pyproject.toml uv.lock
	@test -n "$(PYTHON)" || { echo "No Python >= 3.12 found on PATH or under ~/.pyenv/versions." >&2; exit 1; }
	@test -x .uv/bin/uv || { $(PYTHON) -m venv .uv && .uv/bin/python -m pip install --quiet "uv==$(UV_VERSION)"; }
	.uv/bin/uv sync --frozen --python $(PYTHON)
	@touch $@

migrate: install
	$(VENV)/bin/python manage.py migrate --no-input

run: migrate
	@PORT=$(PORT) scripts/run-dev

browser: install
	@scripts/ensure-browser

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: install browser lint
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .uv var media staticfiles db.sqlite3
