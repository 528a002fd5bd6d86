# Jobwizard: `make run` serves the app on local defaults, `make test` runs the suite,
# `make soak` soaks the production shape under faults (minutes; see docs/soak.md),
# `make bench` measures it under load (docs/performance.md), `make fuzz` fuzzes every public
# endpoint with crafted requests at length (docs/deploying.md, "Crafted input").
SHELL := /bin/bash
PORT ?= 8000
UV_VERSION := 0.13.9
VENV := .venv
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)

# The first Python >= 3.12 on PATH, else the newest under pyenv's versions folder.
PYTHON ?= $(shell scripts/find-python)

.PHONY: run test lint install install-app migrate browser soak bench fuzz clean

UV := .uv/bin/uv
define ensure-uv
	@test -n "$(PYTHON)" || { echo "No Python >= 3.12 found on PATH or under ~/.pyenv/versions." >&2; exit 1; }
	@test -x $(UV) || { $(PYTHON) -m venv .uv && .uv/bin/python -m pip install --quiet "uv==$(UV_VERSION)"; }
endef

# The app's dependencies only (make run); --inexact keeps the test tools if present.
install-app: $(VENV)/.synced-app

$(VENV)/.synced-app: pyproject.toml uv.lock
	$(ensure-uv)
	$(UV) sync --frozen --no-dev --inexact --python $(PYTHON)
	@touch $@

# Everything, test tools included (make test).
install: $(VENV)/.synced

$(VENV)/.synced: pyproject.toml uv.lock
	$(ensure-uv)
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@ $(VENV)/.synced-app

# DEBUG defaults to off (a deployment that forgets it runs without): local commands ask for it.
migrate: install-app
	DEBUG=$${DEBUG:-true} $(VENV)/bin/python manage.py migrate --no-input

run: migrate
	@PORT=$(PORT) scripts/run-dev

browser: install
	@scripts/ensure-browser

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: install browser lint
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

# The fuzz test of crafted input (tests/integration/test_fuzz.py) at length: `make test` runs
# it with a fixed sample of 15 examples per endpoint. Knobs: FUZZ_EXAMPLES (per endpoint),
# FUZZ_SEED (0: Hypothesis's fixed sample; any other number: another sample, as fixed).
FUZZ_EXAMPLES ?= 200
FUZZ_SEED ?= 0
fuzz: install
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FUZZ_SEED=$(FUZZ_SEED) $(VENV)/bin/python -m pytest tests/integration/test_fuzz.py $(PYTEST_ARGS)

# Not part of `make test`: it needs PostgreSQL (SOAK_DATABASE_URL) and takes minutes. Its
# first step, the walk (soak/walk.py), starts moto's S3 server: a test tool, so `install`.
soak: install
	$(VENV)/bin/python -m soak

# The benchmark of issue 11 (not part of make test): gunicorn and a bare view under wrk,
# queries and bytes per request, the task worker's drain rates. Knobs: BENCH_SECONDS,
# BENCH_ROUNDS, BENCH_ONLY and others (bench/__main__.py).
bench: install
	@scripts/ensure-wrk
	$(VENV)/bin/python -m bench

clean:
	rm -rf $(VENV) .uv var media staticfiles db.sqlite3
