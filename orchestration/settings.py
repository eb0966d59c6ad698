"""One place for the paths every part of the product reads.

PAPERS_DUMPS_DIR and PAPERS_WAREHOUSE are read when asked for, never at import time, so tests
and the Dagster UI can point the same code at other folders.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
EXPECTATIONS_DIR = PROJECT_ROOT / "expectations"


def _path_from_env(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    path = Path(value) if value else default
    # Relative paths are taken from the project root, so dbt (run from dbt_project/) and
    # Dagster (run from anywhere) agree on the same file.
    return path if path.is_absolute() else (PROJECT_ROOT / path).resolve()


def dumps_dir() -> Path:
    """The folder of raw dumps (PAPERS_DUMPS_DIR, default seeds/)."""
    return _path_from_env("PAPERS_DUMPS_DIR", PROJECT_ROOT / "seeds")


def warehouse_path() -> Path:
    """The DuckDB file (PAPERS_WAREHOUSE, default warehouse/papers.duckdb)."""
    return _path_from_env("PAPERS_WAREHOUSE", PROJECT_ROOT / "warehouse" / "papers.duckdb")


def warehouse_dir() -> Path:
    """Where run artefacts live beside the published file (logs, Parquet exports, Data Docs)."""
    return warehouse_path().parent


def work_database_path() -> Path:
    """The working database the pipeline builds in (PAPERS_WORK_DATABASE, default
    work/<name> beside the published file); users read the published snapshot instead."""
    published = warehouse_path()
    return _path_from_env("PAPERS_WORK_DATABASE", published.parent / "work" / published.name)
