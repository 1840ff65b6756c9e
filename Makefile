# 招商项目台账 — every command a developer or CI needs.
# `make run` and `make test` are all a fresh machine needs (Python >= 3.11 and make).

PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run serve worker test test-fast check lint format migrate fixtures bench-import bench-pages bench-serve loadtest clean

install: $(STAMP)

# Reinstall only when the dependency list changes, so a second run is quick.
$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python >= 3.11 is required"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable

fixtures: migrate
	$(BIN)/python manage.py load_articles

# The dev server and a background worker (jobs and the daily timetable) together;
# Ctrl-C stops both.
run: fixtures
	$(BIN)/python manage.py ensure_dev_staff
	@trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/python manage.py jobs_worker & worker=$$!; \
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Production settings under gunicorn, with one background worker beside it (more
# workers, on this machine or others, may share the queue: docs/deploy.md). Locally it serves plain HTTP; behind a TLS
# proxy set SECURE_SSL_REDIRECT=1 SECURE_COOKIES=1 (see docs/deploy.md).
SERVE_ENV = DJANGO_SETTINGS_MODULE=config.settings.production \
	SECRET_KEY="$${SECRET_KEY:-$$(cat .secret_key)}" \
	ALLOWED_HOSTS="$${ALLOWED_HOSTS:-localhost,127.0.0.1}" \
	SECURE_SSL_REDIRECT="$${SECURE_SSL_REDIRECT:-0}" SECURE_COOKIES="$${SECURE_COOKIES:-0}"

.secret_key:
	$(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))' > $@
	chmod 600 $@

serve: install .secret_key
	$(SERVE_ENV) $(BIN)/python manage.py migrate --noinput
	$(SERVE_ENV) $(BIN)/python manage.py createcachetable
	$(SERVE_ENV) $(BIN)/python manage.py collectstatic --noinput -v0
	@trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(SERVE_ENV) $(BIN)/python manage.py jobs_worker & worker=$$!; \
	$(SERVE_ENV) BIND=$(HOST):$(PORT) $(BIN)/gunicorn -c config/gunicorn.py config.wsgi

# A background worker alone (e.g. a second one, or beside a server started elsewhere).
worker: install
	$(BIN)/python manage.py jobs_worker

# Every test, on every core (PYTEST_WORKERS=0 runs them in this process, e.g. for -x or pdb).
# A module's tests stay on one worker, so module-scoped fixtures load once; the long
# modules go first (tests/conftest.py).
PYTEST_WORKERS ?= auto
PYTEST_XDIST = $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadscope --no-loadscope-reorder)

# Bytecode caches (gitignored) even where the environment turns them off, as some CI
# images do: otherwise each test process compiles the project and pytest rewrites the
# asserts of every test module again, seconds per run.
test test-fast: export PYTHONDONTWRITEBYTECODE =

test: lint
	$(BIN)/python -m pytest $(PYTEST_XDIST) $(PYTEST_ARGS)

# The quick loop while coding: no browser, no subprocess or large-data tests.
test-fast: install
	$(BIN)/python -m pytest $(PYTEST_XDIST) -m "not browser and not slow" $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Everything CI checks besides the tests: lint, no model change without its migration,
# Django's system checks, and the production settings' deploy checks (dummy secret and
# host: the checks read them but nothing is served). Warnings fail, as in docs/deploy.md.
CHECK_DEPLOY_ENV = SECRET_KEY=check-deploy-only-dummy-secret-key-0123456789-abcdefghijkl \
	ALLOWED_HOSTS=example.invalid

check: lint
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check
	$(CHECK_DEPLOY_ENV) $(BIN)/python manage.py check --deploy \
		--settings=config.settings.production --fail-level WARNING

# The API against its own OpenAPI schema, live: a throw-away database with the fixtures,
# served by gunicorn, checked by schemathesis with every check (tests/api/live_check.py).
.PHONY: api-check
api-check: install
	$(BIN)/python tests/api/live_check.py $(API_CHECK_ARGS)

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Benchmarks print ratios measured side by side in one run; they generate their own data.
bench-import: install
	$(BIN)/python manage.py bench_import $(BENCH_ARGS)

bench-pages: install
	$(BIN)/python manage.py bench_pages $(BENCH_ARGS)

# Under gunicorn with production settings, ours against a minimal Django project on the
# same database, with wrk; SQLite and PostgreSQL (BENCH_PG_URL). E.g. BENCH_ARGS="--seconds 20".
bench-serve: install
	command -v wrk >/dev/null || apt-get install -y -qq wrk
	$(BIN)/python manage.py bench_serve $(BENCH_ARGS)

# Load and fault tests on 127.0.0.1 (restarts the local PostgreSQL); see tests/load/run.py.
loadtest: install
	command -v wrk >/dev/null || apt-get install -y -qq wrk
	$(BIN)/python tests/load/run.py $(LOAD_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3* staticfiles .pytest_cache var
