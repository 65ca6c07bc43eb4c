# Credits: `make run` sets up and serves the site locally, `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
# Local development runs with debug on; `make serve` runs production settings.
LOCAL := CREDITS_DEBUG=1
# Tests run in one process per core (pytest-xdist), each on its own test database.
TEST_WORKERS ?= auto

.PHONY: help setup run test test-all lint format bench serve worker clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(BIN)/.installed ## Install, migrate, load the GPT-4V page, create a local admin login
	$(LOCAL) $(MANAGE) migrate --no-input --verbosity 0
	$(LOCAL) $(MANAGE) load_gpt4v
	$(LOCAL) $(MANAGE) ensure_local_admin

run: setup ## Set up everything and serve the GPT-4V credits at http://127.0.0.1:8000
	$(LOCAL) $(MANAGE) runserver 127.0.0.1:8000

test: $(BIN)/.installed ## Run the tests: all on DATABASE_URL; without it, on SQLite, those marked sqlite
	$(if $(DATABASE_URL),,@echo "SQLite: the tests marked sqlite (make test-all runs them all)")
	$(BIN)/pytest -n $(TEST_WORKERS) $(if $(DATABASE_URL),,-m sqlite)

test-all: $(BIN)/.installed ## Run every test, also on SQLite
	$(BIN)/pytest -n $(TEST_WORKERS)

lint: $(BIN)/.installed ## ruff, missing migrations, system checks
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(LOCAL) $(MANAGE) makemigrations --check --dry-run
	$(LOCAL) $(MANAGE) check

format: $(BIN)/.installed ## Format and fix what ruff can
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: $(BIN)/.installed ## Run the benchmarks in bench/ and print their figures
	for script in bench/bench_*.py; do $(BIN)/python $$script || exit 1; done

serve: $(BIN)/.installed ## Serve with production settings: gunicorn, whitenoise, debug off (needs CREDITS_SECRET_KEY)
	$(MANAGE) check --deploy
	$(MANAGE) collectstatic --no-input --verbosity 0
	$(MANAGE) migrate --no-input
	$(BIN)/gunicorn creditsite.wsgi --config creditsite/gunicorn.conf.py

worker: $(BIN)/.installed ## Run a background worker: review emails and large imports (production settings)
	$(MANAGE) db_worker --no-reload

clean: ## Remove the virtual environment and the local database
	rm -rf $(VENV) db.sqlite3 staticfiles
