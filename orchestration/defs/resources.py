"""Resources shared by the assets: the DuckDB warehouse and the dbt CLI."""

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource

from .. import settings
from ..landing.land import connect


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse file and the dumps folder.

    Empty fields mean PAPERS_WAREHOUSE / PAPERS_DUMPS_DIR (or their defaults), read when a run
    starts, never at import time.
    """

    database: str = ""
    dumps_dir: str = ""

    def database_path(self) -> Path:
        return Path(self.database).resolve() if self.database else settings.warehouse_path()

    def dumps_path(self) -> Path:
        return Path(self.dumps_dir).resolve() if self.dumps_dir else settings.dumps_dir()

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection that is always closed: DuckDB allows one writing process per file,
        and dbt runs in another process right after us."""
        con = connect(self.database_path(), read_only=read_only)
        try:
            yield con
        finally:
            con.close()

    def export_for_dbt(self) -> None:
        """dbt's profile reads PAPERS_WAREHOUSE: give it the same absolute path we use."""
        os.environ["PAPERS_WAREHOUSE"] = str(self.database_path())


def dbt_executable() -> str:
    """The dbt of this environment, not whichever `dbt` is first on PATH."""
    return str(Path(sys.executable).with_name("dbt"))


@dg.definitions
def resources() -> dg.Definitions:
    return dg.Definitions(
        resources={
            "warehouse": WarehouseResource(),
            "dbt": DbtCliResource(
                project_dir=str(settings.DBT_PROJECT_DIR),
                profiles_dir=str(settings.DBT_PROJECT_DIR),
                dbt_executable=dbt_executable(),
            ),
        }
    )
