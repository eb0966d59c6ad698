"""Publish a consistent, read-only snapshot of the marts where users and BI tools look.

The pipeline builds in a working database. At the end of a successful run the marts (and the
load audit) are copied into a brand-new DuckDB file in a storage version every DuckDB 1.x
reader can open, checkpointed, fsynced and renamed over the published path. A reader that has
the old file open keeps reading the old snapshot; the next one opens the new; nobody ever sees
a half-written file, and a failed run publishes nothing.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .faults import fault_point
from .land import streaming_memory

# Readers bundled in BI drivers lag behind: v1.0.0 storage opens in every DuckDB 1.x.
STORAGE_VERSION = "v1.0.0"
# What users get: the marts, the reference data and the load audit.
PUBLISHED = {
    "marts": None,  # every table of the schema
    "reference": None,
    "audit": {
        "dumps": "raw.dumps",
        "rejects": "raw.rejects",
        "validation_results": "raw.validation_results",
    },
}


@dataclass(frozen=True)
class PublishResult:
    path: Path
    tables: dict[str, int]  # schema.table -> rows
    parquet_dir: Path


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sources(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """published schema.table -> source table in the working database."""
    found = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = current_database() and table_type = 'BASE TABLE' "
        "and table_schema in ('marts', 'reference') order by all"
    ).fetchall()
    sources = {f"{schema}.{table}": f'"{schema}"."{table}"' for schema, table in found}
    for table, source in PUBLISHED["audit"].items():
        sources[f"audit.{table}"] = source
    return sources


class PublishError(RuntimeError):
    """The snapshot could not be written; the published file was left as it was."""


def publish_snapshot(
    work: duckdb.DuckDBPyConnection, published: Path, parquet_dir: Path
) -> PublishResult:
    """Copy the marts and audit from the open working database into `published`, atomically,
    and export every mart to Parquet in `parquet_dir`."""
    try:
        return _publish(work, published, parquet_dir)
    except (OSError, duckdb.IOException, duckdb.PermissionException) as error:
        raise PublishError(
            f"could not publish to {published.parent}: {error} (is the disk full, or the "
            "folder read-only?); the published file was left as it was"
        ) from error


def _publish(work: duckdb.DuckDBPyConnection, published: Path, parquet_dir: Path) -> PublishResult:
    published.parent.mkdir(parents=True, exist_ok=True)
    for stale in published.parent.glob(f".{published.name}.*.tmp"):  # left by a crash
        stale.unlink(missing_ok=True)
    tmp = published.with_name(f".{published.name}.{uuid.uuid4().hex[:8]}.tmp")
    sources = _sources(work)
    # One DuckDB thread, and the snapshot's copies under the streaming share of the memory
    # limit: compressing the abstracts (FSST here, Snappy in Parquet) is most of the work, and
    # more threads or memory only add row groups in flight and cached blocks read once.
    # 10,000 dumps: 17 CPU-seconds instead of 24, a 1.2 GB peak instead of 1.6, and 18 s
    # instead of 25 with one core free (with two free, 18 s against 14).
    with _single_threaded(work):
        with streaming_memory(work):
            rows = _write_snapshot(work, sources, tmp)
        _fsync(tmp)
        fault_point("publish:before_rename")
        os.replace(tmp, published)
        _fsync(published.parent)
        # Parquet's writer holds a whole row group (~200 MB of abstracts) and more to encode
        # it: the full limit. With two threads its order-keeping writer spent 10-12
        # CPU-seconds on the papers instead of 6, for the same bytes.
        marts = {n: s for n, s in sources.items() if n.startswith("marts.")}
        _export_parquet(work, marts, parquet_dir)
    return PublishResult(published, rows, parquet_dir)


def _write_snapshot(
    work: duckdb.DuckDBPyConnection, sources: dict[str, str], tmp: Path
) -> dict[str, int]:
    """Every source copied into a new database file at `tmp`, checkpointed and detached;
    published schema.table -> rows."""
    rows: dict[str, int] = {}
    work.execute(f"attach '{_sql_path(tmp)}' as snapshot (storage_version '{STORAGE_VERSION}')")
    attached = True
    try:
        for schema in sorted({name.split(".")[0] for name in sources}):
            work.execute(f"create schema if not exists snapshot.{schema}")
        for name, source in sources.items():
            schema, table = name.split(".")
            # CREATE TABLE AS answers with the number of rows it wrote.
            rows[name] = work.execute(
                f'create table snapshot.{schema}."{table}" as select * from {source}'
            ).fetchone()[0]
        work.execute("checkpoint snapshot")
    except BaseException:
        work.execute("detach snapshot")
        attached = False
        tmp.unlink(missing_ok=True)
        raise
    finally:
        if attached:
            work.execute("detach snapshot")
    return rows


@contextmanager
def _single_threaded(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Within: DuckDB runs statements on one thread (the setting is the database instance's,
    so it is put back after)."""
    before = con.execute("select current_setting('threads')").fetchone()[0]
    con.execute("set threads = 1")
    try:
        yield
    finally:
        con.execute(f"set threads = {int(before)}")


def _export_parquet(work: duckdb.DuckDBPyConnection, marts: dict[str, str], folder: Path) -> None:
    """One Parquet file per mart, each replaced atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, source in marts.items():
        target = folder / f"{name.split('.')[1]}.parquet"
        tmp = target.with_name(f".{target.name}.tmp")
        work.execute(f"copy (select * from {source}) to '{_sql_path(tmp)}' (format parquet)")
        os.replace(tmp, target)


def _sql_path(path: Path) -> str:
    """ATTACH and COPY take no bound parameter for a path: quote it as a SQL literal."""
    return str(path).replace("'", "''")
