"""Resources shared by the assets: the DuckDB warehouse and the dbt CLI."""

import importlib.metadata
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TypeVar

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource
from packaging import version

from .. import settings
from ..landing.land import connect
from ..transform.dbt_server import dbt_executable

T = TypeVar("T")


class WarehouseResource(dg.ConfigurableResource):
    """The dumps folder, the working DuckDB database the pipeline builds in, and the published
    snapshot users read.

    Empty fields mean PAPERS_DUMPS_DIR / PAPERS_WAREHOUSE / PAPERS_WORK_DATABASE (or their
    defaults), read when a run starts, never at import time.
    """

    database: str = ""
    work_database: str = ""
    dumps_dir: str = ""

    def database_path(self) -> Path:
        """The published snapshot."""
        return Path(self.database).resolve() if self.database else settings.warehouse_path()

    def work_path(self) -> Path:
        if self.work_database:
            return Path(self.work_database).resolve()
        if self.database:
            return self.database_path().parent / "work" / self.database_path().name
        return settings.work_database_path()

    def work_dir(self) -> Path:
        return self.work_path().parent

    def dumps_path(self) -> Path:
        return Path(self.dumps_dir).resolve() if self.dumps_dir else settings.dumps_dir()

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection to the working database that is always closed: DuckDB allows one
        writing process per file, and dbt runs in another process right after us.

        Its memory is capped at PAPERS_DUCKDB_MEMORY_LIMIT (DuckDB's notation, e.g. '1GB',
        '512MB'; default 1GB), and what does not fit spills to `duckdb_tmp/` in the work
        folder (see landing.land.connect)."""
        con = connect(self.work_path(), read_only=read_only)
        try:
            yield con
        finally:
            con.close()

    def read_work(self, read: Callable[[duckdb.DuckDBPyConnection], T], default: T = None) -> T:
        """`read(con)` on the working database, or `default` before the first load."""
        if not self.work_path().exists():
            return {} if default is None else default
        with self.connect() as con:
            return read(con)

    @contextmanager
    def dbt_env(self) -> Iterator[None]:
        """dbt's profile reads PAPERS_WORK_DATABASE: while a dbt process is started, give it
        the same absolute path we use, then put the environment back as it was."""
        before = os.environ.get("PAPERS_WORK_DATABASE")
        os.environ["PAPERS_WORK_DATABASE"] = str(self.work_path())
        try:
            yield
        finally:
            if before is None:
                os.environ.pop("PAPERS_WORK_DATABASE", None)
            else:
                os.environ["PAPERS_WORK_DATABASE"] = before


class VenvDbtCliResource(DbtCliResource):
    """DbtCliResource without two start-up costs paid before every dbt process (both private
    hooks of dagster-dbt: re-check them on upgrades; tests/test_dbt_project.py does)."""

    @cached_property
    def _cli_version(self) -> version.Version:
        """dagster-dbt asks `dbt --version` (~3 s of start-up) to learn what the executable
        is; ours is this environment's own dbt-core, whose version we know."""
        return version.parse(importlib.metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        """dagster-dbt loads the dbt project in this process and parses its ~500 macros
        (~2-3 s) for an adapter that only `fetch_row_counts` and `fetch_column_metadata` use;
        the models use neither (row counts are in the published metadata)."""
        return None


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        resources={
            "warehouse": WarehouseResource(),
            "dbt": VenvDbtCliResource(
                project_dir=str(settings.DBT_PROJECT_DIR),
                profiles_dir=str(settings.DBT_PROJECT_DIR),
                dbt_executable=dbt_executable(),
            ),
        }
    )
