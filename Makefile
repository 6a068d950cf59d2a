# Two commands matter: `make run` (set up and start with demo data on SQLite) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1:8000

.PHONY: setup run demo worker beat test e2e lint fmt messages migrations check-deploy bench load clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

setup: $(STAMP)
	DEBUG=1 $(MANAGE) compile_translations

demo: setup
	DEBUG=1 $(MANAGE) migrate --noinput
	DEBUG=1 $(MANAGE) load_divisions
	DEBUG=1 $(MANAGE) load_demo

run: demo
	@echo "Serving on http://$(HOST)/  (Ctrl-C stops)"
	DEBUG=1 $(MANAGE) runserver $(HOST)

worker: setup
	$(BIN)/celery -A config worker --loglevel=INFO --concurrency=2 -Q $${CELERY_QUEUE:-fupin}

beat: setup
	$(BIN)/celery -A config beat --loglevel=INFO --schedule=var/celerybeat-schedule

# The suite runs on every core (pytest-xdist: PYTEST_WORKERS=0 for one process), each worker on a
# test database of its own, in a random order whose seed the header prints (README, "Tests: …").
PYTEST_WORKERS ?= auto
test: setup
	SECRET_KEY=$${SECRET_KEY:-test-only-secret-key} $(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# Only the browser journeys (also part of `make test`); screenshots in tests/e2e/screenshots/.
e2e: setup
	SECRET_KEY=$${SECRET_KEY:-test-only-secret-key} $(BIN)/pytest tests/e2e $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DEBUG=1 $(MANAGE) check
	DEBUG=1 $(MANAGE) makemigrations --check --dry-run
	mkdir -p var && DEBUG=1 $(MANAGE) spectacular --validate --fail-on-warn --file var/schema.yml

fmt: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

messages: setup
	DEBUG=1 $(MANAGE) makemessages -l zh_Hans --ignore=.venv --ignore=var --no-obsolete
	DEBUG=1 $(MANAGE) compile_translations

check-deploy: setup
	SECRET_KEY=$${SECRET_KEY:-$$(head -c 48 /dev/urandom | base64)} HTTPS=1 $(MANAGE) check --deploy --fail-level WARNING

# The benchmarks run on a generated province (docs/performance.md): DATABASE_URL names a PostgreSQL
# database of its own; the province is generated once (BENCH_HOUSEHOLDS, default 600,000) and reused.
BENCH_HOUSEHOLDS ?= 600000
bench: setup
	@test -n "$$DATABASE_URL" || (echo "set DATABASE_URL to a PostgreSQL database of its own, e.g. postgres://postgres@127.0.0.1:5432/fupin_bench"; exit 2)
	DEBUG=1 $(MANAGE) migrate --noinput -v0
	DEBUG=1 $(MANAGE) generate_province --households $(BENCH_HOUSEHOLDS) --if-missing
	SECRET_KEY=$${SECRET_KEY:-bench-only} $(BIN)/python bench/household_pages.py
	SECRET_KEY=$${SECRET_KEY:-bench-only} $(BIN)/python bench/export_households.py
	SECRET_KEY=$${SECRET_KEY:-bench-only} $(BIN)/python bench/export_detail.py
	SECRET_KEY=$${SECRET_KEY:-bench-only} $(BIN)/python bench/reports.py
	SECRET_KEY=$${SECRET_KEY:-bench-only} $(BIN)/python bench/import_households.py

# Load test: 100 simulated clerks for 60 s against gunicorn on PostgreSQL, loopback only (bench/load.sh).
load: setup
	$(BIN)/pip install --quiet -e ".[bench]"
	bench/load.sh

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
