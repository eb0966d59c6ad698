"""Dagster's SQLite event log, made cheap for runs over thousands of partitions.

A run over N dumps records N ASSET_MATERIALIZATION events of `dump_files`. Dagster's
`SqliteEventLogStorage` stores each one on its own: a new SQLAlchemy engine per database
("shard") per event, so SQLAlchemy's compiled-statement cache and dialect set-up are thrown
away every time, and one commit in the run's shard plus one in the cross-run index shard.
At 2,000 dumps that was 47-110 s of a run. `BatchingSqliteEventLogStorage` keeps one engine
per shard (still `NullPool`: every use opens a fresh sqlite connection, as before), which
alone roughly halves that, and implements `store_event_batch`, which Dagster calls with the
materializations of a partitioned step when `DAGSTER_EVENT_BATCH_SIZE` is set (see RUN_ENV):
two commits per batch, and the 2,000 materializations take about a second.

    python -m orchestration.dagster_storage DAGSTER_HOME

writes DAGSTER_HOME/dagster.yaml (the Makefile's rule; tests use `write_dagster_yaml`).
"""

from __future__ import annotations

import json
import os
import sys
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from dagster._core.errors import DagsterInvariantViolationError
from dagster._core.events import ASSET_EVENTS
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.event_log.schema import SqlEventLogStorageTable
from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import NullPool

# Set (as defaults) in every process that creates or executes runs: the Makefile exports them,
# orchestration.run sets them, tests/ui_server.py passes them to `dagster dev`.
# - DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS: one ASSET_MATERIALIZATION_PLANNED event
#   per asset carrying the run's partition subset, instead of one event per partition (40 s
#   or more at run creation for 2,000 dumps). The price: Dagster finds in-progress and failed
#   partitions from per-partition planned events only, so the partitions of a running or
#   failed run show as missing, not "in progress"/"failed", in the UI's partition view.
# - DAGSTER_EVENT_BATCH_SIZE: events that Dagster sends as a batch (the materializations of a
#   partitioned step, the planned events of a run) are stored up to this many at a time.
RUN_ENV = {
    "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS": "1",
    "DAGSTER_EVENT_BATCH_SIZE": "1000",
}

# Engines kept for run shards besides the index shard: a long-lived process (the UI, the
# daemon) sees one shard per run, and only the latest few are written to.
RUN_SHARD_ENGINES = 8


def set_run_env() -> None:
    """Give this process RUN_ENV, keeping any value already set."""
    for name, value in RUN_ENV.items():
        os.environ.setdefault(name, value)


def dagster_yaml(home: Path) -> str:
    """The instance config of `make run` and `make dev` for DAGSTER_HOME `home`."""
    event_logs = Path(home).resolve() / "history" / "runs"  # Dagster's default place for them
    return (
        "telemetry:\n"
        "  enabled: false\n"
        "concurrency:\n"
        "  pools:\n"
        # DuckDB allows one writing process per file: see WRITER_POOL.
        "    default_limit: 1\n"
        "event_log_storage:\n"
        # Not __name__, which is __main__ under `python -m`.
        "  module: orchestration.dagster_storage\n"
        "  class: BatchingSqliteEventLogStorage\n"
        "  config:\n"
        f"    base_dir: {json.dumps(str(event_logs))}\n"
    )


def write_dagster_yaml(home: Path) -> Path:
    home = Path(home)
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    target.write_text(dagster_yaml(home), encoding="utf-8")
    return target


def _is_batchable(event: EventLogEntry) -> bool:
    """An asset event (materialization, observation, planned, ...) naming its asset."""
    dagster_event = event.dagster_event
    return (
        dagster_event is not None
        and dagster_event.event_type in ASSET_EVENTS
        and dagster_event.asset_key is not None
    )


class BatchingSqliteEventLogStorage(SqliteEventLogStorage):
    """`SqliteEventLogStorage` with one engine per shard and batched asset events.

    Configured like its parent (`base_dir`); the databases are the same files, so an instance
    can switch between the two classes.
    """

    def __init__(self, base_dir: str, inst_data: ConfigurableClassData | None = None):
        # Before the parent's __init__, which may already connect (to index a new instance).
        self._engines: OrderedDict[str, Engine] = OrderedDict()
        self._tables_present: set[str] = set()
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(  # ty: ignore[invalid-method-override]
        cls, inst_data: ConfigurableClassData | None, config_value
    ) -> BatchingSqliteEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    # -- connections ------------------------------------------------------------------------

    def _engine(self, shard: str) -> Engine:
        """The shard's engine, created and its database initialised on first use. Called with
        self._db_lock held."""
        engine = self._engines.get(shard)
        if engine is None:
            engine = create_engine(
                self.conn_string_for_shard(shard),
                poolclass=NullPool,
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS},
            )
            self._engines[shard] = engine
            run_shards = [name for name in self._engines if name != INDEX_SHARD_NAME]
            for name in run_shards[: max(0, len(run_shards) - RUN_SHARD_ENGINES)]:
                self._engines.pop(name).dispose()
        elif shard != INDEX_SHARD_NAME:
            self._engines.move_to_end(shard)
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        return engine

    @contextmanager
    def _connect(self, shard: str) -> Iterator[Connection]:
        # As the parent's, but with the shard's engine kept instead of made and disposed.
        with self._db_lock, self._engine(shard).connect() as conn, conn.begin():
            yield conn

    def has_table(self, table_name: str) -> bool:
        # Asked on every asset event that has tags; tables are never dropped under a live
        # instance, so a table found once is remembered. Not under _db_lock: it is called
        # with a connection open.
        if table_name in self._tables_present:
            return True
        present = super().has_table(table_name)
        if present:
            self._tables_present.add(table_name)
        return present

    def dispose(self) -> None:
        super().dispose()
        with self._db_lock:
            while self._engines:
                self._engines.popitem()[1].dispose()

    # -- batches ----------------------------------------------------------------------------

    def store_event_batch(self, events: Sequence[EventLogEntry]) -> None:
        """Store asset events of one run in one transaction per shard.

        What `store_event` does for each event, in the same order: the rows in the run's
        shard, their mirror in the index shard, their indexed tags, and the asset's entry (set
        once per asset and event type, from the last such event of the batch, which is what
        the succession of updates would leave). The run shard's transaction is committed only
        after the index shard's: when anything fails, nothing of the batch is stored, and
        Dagster falls back to storing its events one by one. Any other batch (events of several
        runs, or asset check events, which planned events of a run include) is stored event by
        event.
        """
        if not events:
            return
        run_ids = {event.run_id for event in events}
        if len(run_ids) != 1 or not all(_is_batchable(event) for event in events):
            for event in events:
                self.store_event(event)
            return
        rows = [self._event_to_row(event) for event in events]
        insert = SqlEventLogStorageTable.insert()
        with self._db_lock:
            run_engine = self._engine(events[0].run_id)
            index_engine = self._engine(INDEX_SHARD_NAME)
            with run_engine.connect() as run_conn, run_conn.begin():
                run_conn.execute(insert, rows)
                with index_engine.connect() as conn, conn.begin():
                    event_ids = []
                    for row in rows:
                        event_id = conn.execute(insert, row).inserted_primary_key[0]
                        if event_id is None:
                            raise DagsterInvariantViolationError(
                                "Cannot store asset event tags for null event id."
                            )
                        event_ids.append(event_id)
                    self._store_asset_event_tags(conn, events, event_ids)
                    last: dict[tuple[str, str], int] = {}
                    for i, event in enumerate(events):
                        dagster_event = event.get_dagster_event()
                        key = (dagster_event.asset_key.to_string(), dagster_event.event_type_value)
                        last.pop(key, None)  # re-inserted: the dict keeps the order of the last
                        last[key] = i
                    for i in last.values():
                        self._store_asset_event(conn, events[i], event_ids[i])


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m orchestration.dagster_storage DAGSTER_HOME", file=sys.stderr)
        return 2
    print(f"wrote {write_dagster_yaml(Path(args[0]))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
