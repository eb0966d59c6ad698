# Two commands do all the set-up on a machine with Python 3.11+ and pip:
#   make run    build .venv from requirements.lock, then build the warehouse from seeds/
#   make test   the same set-up, then every test
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# The environment's own commands first: dagster-dbt runs `dbt` from PATH when it prepares the
# project (`dagster dev` prepares it again on load).
export PATH := $(CURDIR)/$(BIN):$(PATH)
export PAPERS_DUMPS_DIR ?= $(CURDIR)/seeds
export PAPERS_WAREHOUSE ?= $(CURDIR)/warehouse/papers.duckdb
export DAGSTER_HOME ?= $(CURDIR)/.dagster
# Nothing phones home: there is no network here, and users' runs are their own.
export GX_ANALYTICS_ENABLED := False
export DBT_SEND_ANONYMOUS_USAGE_STATS := False
export DO_NOT_TRACK := 1

CHROMIUM ?= /usr/bin/chromium

.PHONY: run test test-fast dev lint bench clean venv browser fetch

venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

# dbt's manifest, from which Dagster defines the dbt assets: made by dagster-dbt's own
# preparation whenever a dbt file changed, with the working database the runs use, so that
# dbt's partial-parse state made here serves the first run too.
DBT_FILES := $(shell find dbt_project/models dbt_project/seeds dbt_project/macros dbt_project/tests -type f 2>/dev/null) dbt_project/dbt_project.yml dbt_project/profiles.yml
DBT_MANIFEST := dbt_project/target/manifest.json
$(DBT_MANIFEST): $(DBT_FILES) | $(STAMP)
	PAPERS_WORK_DATABASE="$$($(BIN)/python -c 'from orchestration import settings; print(settings.work_database_path())')" \
	  $(BIN)/dagster-dbt project prepare-and-package --file orchestration/transform/project.py
	touch $(DBT_MANIFEST)

# Written again whenever the module that writes it changes.
$(DAGSTER_HOME)/dagster.yaml: orchestration/dagster_home.py | $(STAMP)
	$(BIN)/python -m orchestration.dagster_home $(DAGSTER_HOME)

run: venv $(DBT_MANIFEST) $(DAGSTER_HOME)/dagster.yaml
	$(BIN)/python -m orchestration.run

# The only target that uses the network: Hugging Face's daily lists of SINCE..UNTIL (UNTIL
# defaults to today) saved as dumps in PAPERS_DUMPS_DIR, which must then not be seeds/
# (docs/fetching.md). `make fetch SINCE=2025-03-01 UNTIL=2025-03-05`
fetch: venv
	@test -n "$(SINCE)" || { echo "usage: make fetch SINCE=YYYY-MM-DD [UNTIL=YYYY-MM-DD]"; exit 2; }
	$(BIN)/python -m orchestration.fetch --since $(SINCE) $(if $(UNTIL),--until $(UNTIL))

test: venv browser $(DBT_MANIFEST)
	$(BIN)/pytest

# The fast loop, under a minute: every test not marked slow (dbt builds, whole runs, the browser).
test-fast: venv $(DBT_MANIFEST)
	$(BIN)/pytest -m "not slow"

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
