# kexpwa task runner. `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Two stamps: `make run` installs what the app needs; test, lint and bench add the dev tools
# (pytest, Playwright, ruff, mypy: several hundred MB a first run does not need).
STAMP := $(VENV)/.installed-runtime
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test lint fmt bench migrations clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $(STAMP)

$(DEV_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(DEV_STAMP)

run: $(STAMP)  ## Create the venv, install the runtime only, init SQLite data with two demo authorities, serve.
	$(BIN)/kexpwa init
	$(BIN)/kexpwa demo
	$(BIN)/kexpwa serve

# Two processes (pytest-xdist): the Chromium tests stay together in one, in turn (group
# "browsers"), while the other takes the database tests. Then the WebKit tests, alone: under
# an xdist worker, WebKitGTK's and WPE's offline navigations (server stopped) came back empty
# in every run, and pass every time in a plain process. A plain `pytest` runs it all serially.
test: $(DEV_STAMP) lint  ## The whole suite: SQLite always, PostgreSQL, Chromium and WebKit when present (required in CI).
	$(BIN)/python -m pytest -n 2 --dist loadgroup --ignore=tests/webkit
	$(BIN)/python -m pytest tests/webkit

lint: $(DEV_STAMP)  ## ruff format check, ruff lint, mypy.
	$(BIN)/ruff format --check kexpwa sync tests bench
	$(BIN)/ruff check kexpwa sync tests bench
	$(BIN)/mypy kexpwa sync

fmt: $(DEV_STAMP)
	$(BIN)/ruff format kexpwa sync tests bench
	$(BIN)/ruff check --fix kexpwa sync tests bench

bench: $(DEV_STAMP)  ## Benchmarks, reported as ratios against a baseline measured in the same run.
	$(BIN)/python -m bench

migrations: $(STAMP)  ## Write a migration after changing models.
	$(BIN)/tortoise -c kexpwa.migrations.TORTOISE_ORM makemigrations

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
