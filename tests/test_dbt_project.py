"""The dbt project on its own: it parses without warnings and its unit tests pass; the
dagster-dbt hooks our resource overrides still exist.

Pipeline runs build the models and their data tests (see test_pipeline.py); the unit tests
check the SQL's logic on fixed inputs, so they run here, once, against an empty database.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration import settings

DBT = str(Path(sys.executable).with_name("dbt"))


def dbt(*args: str, work_db: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PAPERS_WORK_DATABASE": str(work_db)}
    env["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "False"
    return subprocess.run(
        [
            DBT,
            *args,
            "--profiles-dir",
            str(settings.DBT_PROJECT_DIR),
            "--target-path",
            str(work_db.parent / "target"),
            "--log-path",
            str(work_db.parent),
        ],
        cwd=settings.DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.mark.slow  # dbt parses the whole project in a subprocess: ~5 s
def test_parse_has_no_warnings(tmp_path):
    result = dbt("parse", "--warn-error", work_db=tmp_path / "w.duckdb")
    assert result.returncode == 0, result.stdout + result.stderr


def test_unit_tests_pass(tmp_path):
    """One dbt build, empty: every model (unit tests need their parents to exist) and every
    unit test, in dependency order; data tests are left to the pipeline's builds."""
    work_db = tmp_path / "w.duckdb"
    from orchestration.landing.land import connect, ensure_raw_schema

    with connect(work_db) as con:  # unit tests need the sources' columns to exist
        ensure_raw_schema(con)
    built = dbt("build", "--empty", "--exclude-resource-type", "test", work_db=work_db)
    assert built.returncode == 0, built.stdout[-3000:]
    results = json.loads((tmp_path / "target" / "run_results.json").read_text())["results"]
    unit = [r for r in results if r["unique_id"].startswith("unit_test.")]
    assert len(unit) >= 7 and {r["status"] for r in unit} == {"pass"}, built.stdout[-3000:]


def test_the_dbt_resource_is_dagster_dbts_own():
    """dbt runs the way dagster-dbt runs it: its DbtCliResource, this environment's dbt."""
    from dagster_dbt import DbtCliResource

    from orchestration.defs.resources import dbt_executable, resources

    dbt_resource = resources().resources["dbt"]
    assert type(dbt_resource) is DbtCliResource
    assert dbt_resource.dbt_executable == dbt_executable()
    assert Path(dbt_executable()).parent == Path(sys.executable).parent
