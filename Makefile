# chatmedia — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
S3_STAMP := tools/s3/node_modules/.package-lock.json
PORT ?= 8000
export PORT

.PHONY: run test install lint format clean

# Install (or refresh) the virtualenv when pyproject.toml or constraints.txt change.
$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

# The S3 test server (npm @20minutes/s3rver, pinned in tools/s3/package-lock.json).
$(S3_STAMP): tools/s3/package.json tools/s3/package-lock.json
	cd tools/s3 && npm ci --no-audit --no-fund --silent

install: $(STAMP) $(S3_STAMP)

## make run: the whole system on embedded defaults (SQLite, local disk, in-process cache/queue/channels).
run: $(STAMP)
	@mkdir -p var
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py collectstatic --noinput -v0
	@$(PY) manage.py ensure_demo
	exec $(VENV)/bin/uvicorn chatmedia.asgi:application --host 127.0.0.1 --port $(PORT) --no-server-header

## make test: lint, then every test on the real stack (PostgreSQL, Redis, RabbitMQ, S3) and embedded.
test: $(STAMP) $(S3_STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) tools/run_tests.py $(ARGS)

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: $(STAMP)
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

clean:
	rm -rf $(VENV) tools/s3/node_modules
