"""Dagster's SQLite event log, made cheap for runs over thousands of partitions.

A run over N dumps records N ASSET_MATERIALIZATION events of `dump_files`. Dagster's
`SqliteEventLogStorage` stores each one on its own: a new SQLAlchemy engine per database
("shard") per event, so SQLAlchemy's compiled-statement cache and dialect set-up are thrown
away every time, a new sqlite connection opened and closed, and one commit in the run's shard
plus one in the cross-run index shard, each waiting for the disk (rollback journal).
At 2,000 dumps that was 47-110 s of a run, and even a run over the seeds spent ~8 s of its
~25 storing its ~260 events (~10 ms each, mostly sqlite's commit and close).
`BatchingSqliteEventLogStorage` keeps one engine and its pooled connections per shard, in WAL
mode with synchronous=NORMAL (a commit appends to the write-ahead log without waiting for the
disk; a crash of the machine may lose the last events, never corrupt the file; readers in
other processes, the UI's, are not blocked by a writer), and implements `store_event_batch`,
which Dagster calls with the materializations of a partitioned step when
`DAGSTER_EVENT_BATCH_SIZE` is set (see dagster_home.RUN_ENV): two commits per batch, and the
2,000 materializations take about a second.

`orchestration/dagster_home.py` writes the dagster.yaml that configures it, and RUN_ENV.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from dagster._core.errors import DagsterInvariantViolationError
from dagster._core.events import ASSET_EVENTS
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log import SqliteEventLogStorage
from dagster._core.storage.event_log.schema import SqlEventLogStorageTable
from dagster._core.storage.event_log.sqlite.sqlite_event_log import INDEX_SHARD_NAME
from dagster._core.storage.sql import create_engine
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS
from dagster._serdes import ConfigurableClassData
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

# Engines kept for run shards besides the index shard: a long-lived process (the UI, the
# daemon) sees one shard per run, and only the latest few are written to.
RUN_SHARD_ENGINES = 8


def _write_ahead_log(dbapi_connection, _record) -> None:
    """WAL journal (kept by the file once set) and no wait for the disk on commit."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


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
            # Pooled (SQLAlchemy's default for sqlite files): a connection is reused, not
            # opened and closed per event. Uses are serialised by _db_lock.
            engine = create_engine(
                self.conn_string_for_shard(shard),
                connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
            )
            event.listen(engine, "connect", _write_ahead_log)
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
