"""Resources shared by the assets: the DuckDB warehouse and the dbt CLI."""

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import dagster as dg
import duckdb
from dagster_dbt import DbtCliResource

from .. import settings
from ..landing.land import connect
from ..operations import warehouse_lock
from ..operations.dead_runs import close_dead_runs, process_tags
from ..operations.processes import ProcessRef
from ..quality import validation_helper

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

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator["WarehouseResource"]:
        """For the length of a run: the warehouse to itself (a run that finds it busy waits),
        and the runs a crash left open closed first (see orchestration/operations/)."""
        run, instance = context.dagster_run, context.instance
        if run is None or instance is None:  # a sensor or a schedule: reads only
            yield self
            return
        me = ProcessRef.of(os.getpid(), "run")
        # Tagged before waiting: a run killed while it waits is recognised as dead too.
        instance.add_run_tags(run.run_id, process_tags(me))
        lock = warehouse_lock.WarehouseLock(self.work_path()).acquire(
            run.run_id, lambda line: say(context, line)
        )
        helper = validation_helper.waiting_pid()
        if helper is not None:  # make run's Great Expectations process (quality/)
            lock.record_child(helper, "validation")
        try:
            close_dead_runs(instance, run.run_id, lock.previous, lambda line: say(context, line))
            yield self
        finally:
            lock.release()

    def record_helper(self, pid: int, what: str) -> None:
        """Note a process this run started (dbt): a run after a crash stops it if it lives."""
        lock = warehouse_lock.held(self.work_path())
        if lock is not None:
            lock.record_child(pid, what)

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


def dbt_executable() -> str:
    """This environment's dbt (dagster-dbt would look for `dbt` on PATH)."""
    return str(Path(sys.executable).with_name("dbt"))


def say(context: dg.InitResourceContext, line: str) -> None:
    """A line for the person running it (the terminal of `make run`) and for the run's log."""
    print(line, file=sys.stderr, flush=True)
    if context.log is not None:
        context.log.info(line)


@dg.definitions
def resources() -> dg.Definitions:
    # Every job, and every materialisation launched from the asset graph, runs its steps in
    # one process: they share the warehouse's lock and DuckDB's one writer, and a run over the
    # seeds is mostly start-up costs that a process per step would multiply.
    return dg.Definitions(
        executor=dg.in_process_executor,
        resources={
            "warehouse": WarehouseResource(),
            "dbt": DbtCliResource(
                project_dir=str(settings.DBT_PROJECT_DIR),
                profiles_dir=str(settings.DBT_PROJECT_DIR),
                dbt_executable=dbt_executable(),
            ),
        },
    )
