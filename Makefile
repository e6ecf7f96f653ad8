# kexpwa task runner. `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint fmt bench migrations clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)  ## Create the venv, install, init SQLite data with two demo authorities, serve.
	$(BIN)/kexpwa init
	$(BIN)/kexpwa demo
	$(BIN)/kexpwa serve

test: $(STAMP) lint  ## The whole suite: SQLite always, PostgreSQL and Chromium when present (required in CI).
	$(BIN)/python -m pytest

lint: $(STAMP)  ## ruff format check, ruff lint, mypy.
	$(BIN)/ruff format --check kexpwa sync tests bench
	$(BIN)/ruff check kexpwa sync tests bench
	$(BIN)/mypy kexpwa sync

fmt: $(STAMP)
	$(BIN)/ruff format kexpwa sync tests bench
	$(BIN)/ruff check --fix kexpwa sync tests bench

bench: $(STAMP)  ## Benchmarks, reported as ratios against a baseline measured in the same run.
	$(BIN)/python -m bench

migrations: $(STAMP)  ## Write a migration after changing models.
	$(BIN)/tortoise -c kexpwa.migrations.TORTOISE_ORM makemigrations

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
