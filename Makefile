# Two commands for a newcomer: `make run` and `make test`. Everything else is a step of those.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=
# The storage tests run on SQLite and on this local PostgreSQL server (see .ci/postgres.sh).
TEST_POSTGRES_PORT ?= 5433
export TEST_POSTGRES_PORT
export TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:$(TEST_POSTGRES_PORT)/postgres
# The Celery (/distill scale-out) tests use this local Redis server (see .ci/redis.sh).
TEST_REDIS_PORT ?= 6380
export TEST_REDIS_PORT

.PHONY: setup run migrate test lint imports typecheck dockerlint composecheck pytest postgres chromium redis bench content-check figures clean

# torch first, from this machine's CPU build, then the project with its dev tools.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

migrate: setup
	$(PY) -m bot migrate

run: migrate
	$(PY) -m bot run

test: setup lint imports typecheck dockerlint composecheck pytest

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The layers and boundaries of DESIGN.md, as import-linter contracts in pyproject.toml.
imports: setup
	$(VENV)/bin/lint-imports

typecheck: setup
	$(VENV)/bin/mypy bot drops quizzes kd_sandbox

dockerlint: setup
	$(VENV)/bin/hadolint Dockerfile

# deploy/compose.yaml against the Compose Specification's JSON schema (the copy that
# check-jsonschema ships); no Docker engine needed.
composecheck: setup
	$(VENV)/bin/check-jsonschema --builtin-schema vendor.compose-spec deploy/compose.yaml

# Installs and starts PostgreSQL when it can; when it cannot, the tests skip it loudly.
postgres:
	@bash .ci/postgres.sh || echo "!!! PostgreSQL is unavailable: the PostgreSQL tests will be SKIPPED"

# Installs Debian's chromium and chromium-driver for the Mini App's browser tests when it
# can; when it cannot, those tests are skipped with the reason.
chromium:
	@bash .ci/chromium.sh || echo "!!! Chromium is unavailable: the Mini App's browser tests will be SKIPPED"

# Installs and starts Redis when it can; when it cannot, the tests skip it loudly.
redis:
	@bash .ci/redis.sh || echo "!!! Redis is unavailable: the Redis tests will be SKIPPED"

pytest: setup postgres chromium redis
	$(VENV)/bin/pytest -q $(PYTEST_ARGS)

bench: setup
	@for script in bench/bench_*.py; do echo "== $$script"; PYTHONPATH=. $(PY) $$script || exit 1; done

content-check: setup
	$(PY) -m bot content check

figures: setup
	$(PY) -m bot content figures

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
