# make demo   run the product on the example calendar (creates .venv on first use)
# make test   run the whole test suite (installs the dev tools on first use)
# make lint   ruff (format and lint), mypy and the dependency rules
# make package  the Lambda functions' zips and their dependency layer, under build/lambda/

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q

.PHONY: demo test lint format bench package clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(PIP) install -e .
	@touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[dev]'
	@touch $(VENV)/.installed $@

demo: $(VENV)/.installed
	$(BIN)/exec-assistant demo

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -n 2 -q

lint: $(VENV)/.installed-dev
	$(BIN)/ruff format --check src tests bench tools infra
	$(BIN)/ruff check src tests bench tools infra
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(VENV)/.installed-dev
	$(BIN)/ruff format src tests bench tools infra
	$(BIN)/ruff check --fix src tests bench tools infra

bench: $(VENV)/.installed
	$(BIN)/python bench/sync.py; $(BIN)/python bench/workflow.py; $(BIN)/python bench/prompt_budget.py; $(BIN)/python bench/slack_ack.py; $(BIN)/python bench/lambda_cold_import.py

package: $(VENV)/.installed
	$(BIN)/python tools/package_lambdas.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
