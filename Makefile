# Two commands do all the set-up on a machine with Python 3.11+ and pip:
#   make run    build .venv from requirements.lock, then build the warehouse from seeds/
#   make test   the same set-up, then every test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

export PAPERS_DUMPS_DIR ?= $(CURDIR)/seeds
export PAPERS_WAREHOUSE ?= $(CURDIR)/warehouse/papers.duckdb
export DAGSTER_HOME ?= $(CURDIR)/.dagster
# For every process that creates or runs a run (make run, dagster dev and its daemon): one
# planned event per asset instead of one per dump, and the dumps' materializations stored in
# batches. Same values as RUN_ENV in orchestration/dagster_home.py, which says what the UI
# shows differently.
export DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS ?= 1
export DAGSTER_EVENT_BATCH_SIZE ?= 1000
# Nothing phones home: there is no network here, and users' runs are their own.
export GX_ANALYTICS_ENABLED := False
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export DO_NOT_TRACK := 1

CHROMIUM ?= /usr/bin/chromium

.PHONY: run test dev lint bench clean venv browser

venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

# dbt's manifest, from which Dagster defines the dbt assets, and dbt's partial-parse state for
# this warehouse: made with the environment (importing the module parses when they are stale),
# so that a first `make run` does not parse the whole project twice (~5 s).
DBT_FILES := $(shell find dbt_project/models dbt_project/seeds dbt_project/macros dbt_project/tests -type f 2>/dev/null) dbt_project/dbt_project.yml dbt_project/profiles.yml
DBT_MANIFEST := dbt_project/target/manifest.json
$(DBT_MANIFEST): $(DBT_FILES) | $(STAMP)
	$(BIN)/python -c "import orchestration.defs.transform"

# Written again whenever the module that writes it changes.
$(DAGSTER_HOME)/dagster.yaml: orchestration/dagster_home.py | $(STAMP)
	$(BIN)/python -m orchestration.dagster_home $(DAGSTER_HOME)

run: venv $(DBT_MANIFEST) $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/python -m orchestration.run

test: venv browser
	$(BIN)/pytest

# The UI test drives Debian's Chromium through Playwright (in requirements.lock); Playwright's
# own browser download does not work offline, so the system package is used.
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Chromium is missing: run 'sudo apt-get install chromium' (or set CHROMIUM=/path/to/chromium)"; exit 1; \
	  fi; \
	fi

bench: venv $(DBT_MANIFEST) $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/python -m benchmarks.run

dev: venv $(DBT_MANIFEST) $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/dagster dev -m orchestration.definitions

lint: venv
	$(BIN)/ruff check orchestration tests
	$(BIN)/ruff format --check orchestration tests

clean:
	rm -rf $(VENV) $(DAGSTER_HOME) dbt_project/target dbt_project/logs
	find warehouse -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
