"""Publish a consistent, read-only snapshot of the marts where users and BI tools look.

The pipeline builds in a working database. At the end of a successful run the marts (and the
load audit) are copied into a brand-new DuckDB file in a storage version every DuckDB 1.x
reader can open, checkpointed, fsynced and renamed over the published path. A reader that has
the old file open keeps reading the old snapshot; the next one opens the new; nobody ever sees
a half-written file, and a failed run publishes nothing.

Incremental publishing: when the caller knows which papers changed since the last snapshot,
the published file is copied instead, and in the copy, in one transaction, only those papers'
rows of each mart with a paper_id are replaced (every other table whole); then the copy is
checkpointed, fsynced and renamed like a new file. Meanwhile the marts are written to Parquet
beside their files on the other core, and replace them only once the snapshot is published.
When the published file is missing, or holds other tables or columns, it is written anew.
"""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
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
    incremental: bool = False  # updated from the last snapshot, not written anew


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sources(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """published schema.table -> source schema.table in the working database."""
    found = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = current_database() and table_type = 'BASE TABLE' "
        "and table_schema in ('marts', 'reference') order by all"
    ).fetchall()
    sources = {f"{schema}.{table}": f"{schema}.{table}" for schema, table in found}
    for table, source in PUBLISHED["audit"].items():
        sources[f"audit.{table}"] = source
    return sources


def _marts(sources: dict[str, str]) -> dict[str, str]:
    return {name: source for name, source in sources.items() if name.startswith("marts.")}


class PublishError(RuntimeError):
    """The snapshot could not be written; the published file was left as it was."""


def publish_snapshot(
    work: duckdb.DuckDBPyConnection,
    published: Path,
    parquet_dir: Path,
    changed_papers: str | None = None,
) -> PublishResult:
    """Copy the marts and audit from the open working database into `published`, atomically,
    and export every mart to Parquet in `parquet_dir`.

    `changed_papers`, a table ("schema.table") of paper_id values, says that `published` is
    the snapshot published last and that since then the rows of the marts with a paper_id
    changed only for those papers: the snapshot is then updated rather than written anew
    (`incremental` in the result), or written anew when the published file is missing or
    its tables or columns differ from the working database's. Either way the Parquet files
    are written whole; when updating, none is replaced unless the snapshot is."""
    try:
        result = None
        if changed_papers is not None:
            result = _publish_changes(work, published, parquet_dir, changed_papers)
        return result or _publish(work, published, parquet_dir)
    except (OSError, duckdb.IOException, duckdb.PermissionException) as error:
        raise PublishError(
            f"could not publish to {published.parent}: {error} (is the disk full, or the "
            "folder read-only?); the published file was left as it was"
        ) from error


def _temp_path(published: Path) -> Path:
    """A new temporary path beside `published`, after clearing those a crash left behind
    (and old snapshots whose removal it cut short, see _replace_published)."""
    published.parent.mkdir(parents=True, exist_ok=True)
    for pattern in (f".{published.name}.*.tmp*", f".{published.name}.*.old"):  # tmp: + .wal
        for stale in published.parent.glob(pattern):
            stale.unlink(missing_ok=True)
    return published.with_name(f".{published.name}.{uuid.uuid4().hex[:8]}.tmp")


def _replace_published(tmp: Path, published: Path) -> None:
    """os.replace(tmp, published), the old snapshot's blocks freed on a thread of its own:
    ext4 frees them inside the call that drops the file's last name (0.3 s for 560 MB here),
    so the old file keeps a second name until the thread removes it, while the run goes on."""
    old = published.with_name(f".{published.name}.{uuid.uuid4().hex[:8]}.old")
    try:
        os.link(published, old)
    except FileNotFoundError:
        old = None
    os.replace(tmp, published)
    if old is not None:
        threading.Thread(target=old.unlink, kwargs={"missing_ok": True}).start()


def _publish(work: duckdb.DuckDBPyConnection, published: Path, parquet_dir: Path) -> PublishResult:
    tmp = _temp_path(published)
    sources = _sources(work)
    # One DuckDB thread, and the snapshot's copies under the streaming share of the memory
    # limit: compressing the abstracts (FSST here, Zstandard in Parquet) is most of the work, and
    # more threads or memory only add row groups in flight and cached blocks read once.
    # 10,000 dumps: 17 CPU-seconds instead of 24, a 1.2 GB peak instead of 1.6, and 18 s
    # instead of 25 with one core free (with two free, 18 s against 14).
    with _single_threaded(work):
        with streaming_memory(work):
            rows = _write_snapshot(work, sources, tmp)
        _fsync(tmp)
        fault_point("publish:before_rename")
        _replace_published(tmp, published)
        _fsync(published.parent)
        # Parquet's writer holds a whole row group (~200 MB of abstracts) and more to encode
        # it: the full limit. With two threads its order-keeping writer spent 10-12
        # CPU-seconds on the papers instead of 6, for the same bytes (measured with Snappy;
        # with Zstandard two threads were slower too, see _update_and_export).
        _export_parquet(work, _marts(sources), parquet_dir)
    return PublishResult(published, rows, parquet_dir)


def _write_snapshot(
    work: duckdb.DuckDBPyConnection, sources: dict[str, str], tmp: Path
) -> dict[str, int]:
    """Every source copied into a new database file at `tmp`, checkpointed and detached;
    published schema.table -> rows."""
    rows: dict[str, int] = {}
    with _attached(work, tmp, f"storage_version '{STORAGE_VERSION}'"):
        for schema in sorted({name.split(".")[0] for name in sources}):
            work.execute(f"create schema if not exists snapshot.{schema}")
        for name, source in sources.items():
            # CREATE TABLE AS answers with the number of rows it wrote.
            rows[name] = work.execute(
                f"create table snapshot.{_quote(name)} as select * from {_quote(source)}"
            ).fetchone()[0]
        work.execute("checkpoint snapshot")
    return rows


def _publish_changes(
    work: duckdb.DuckDBPyConnection, published: Path, parquet_dir: Path, changed: str
) -> PublishResult | None:
    """The snapshot updated from a copy of `published`; None, and nothing written, when
    `published` cannot be updated to match the working database."""
    if not published.is_file():
        return None
    sources = _sources(work)
    tmp = _temp_path(published)
    # In-kernel copy (sendfile): 0.2 s for 560 MB; copy_file_range measured the same (and
    # ext4 has no reflink).
    shutil.copyfile(published, tmp)
    parquet = _parquet_paths(_marts(sources), parquet_dir)
    try:
        with _single_threaded(work):
            columns = _updatable_columns(work, tmp, sources)
            if columns is None:
                tmp.unlink()
                return None
            parquet_dir.mkdir(parents=True, exist_ok=True)
            rows = _update_and_export(work, sources, columns, changed, tmp, parquet)
        fault_point("publish:before_rename")
        _replace_published(tmp, published)
    except BaseException:
        for path in [tmp, *(temp for temp, _ in parquet.values())]:
            path.unlink(missing_ok=True)
        raise
    _fsync(published.parent)
    for temp, target in parquet.values():  # only once the snapshot they match is published
        os.replace(temp, target)
    return PublishResult(published, rows, parquet_dir, incremental=True)


def _update_and_export(
    work: duckdb.DuckDBPyConnection,
    sources: dict[str, str],
    columns: dict[str, list[str]],
    changed: str,
    tmp: Path,
    parquet: dict[str, tuple[Path, Path]],
) -> dict[str, int]:
    """The snapshot at `tmp` updated and every mart written to its temporary Parquet path,
    two statements at a time; published schema.table -> rows.

    The Parquet copy of the papers (3.2-3.4 s at 10,000 dumps, nearly all in Parquet's
    writer) runs alongside the update of the snapshot (1.3-2.5 s), which then goes on with
    the other marts: 4.0-4.5 s in all. Each statement on one DuckDB thread: with two, the
    papers took 5.5-6.5 s instead of 3.4 under the memory limit, and the process peaked at
    1.5 GB instead of 1.1 (with Snappy, before: 8-14 s instead of 6, and 1.9 GB)."""
    # Largest Parquet files first, so that the papers start at once; each on a cursor of its
    # own (a connection is for one thread at a time), all made before any thread starts.
    jobs = [
        (work.cursor(), sources[name], temp)
        for name, (temp, _) in sorted(parquet.items(), key=_previous_size)
    ]
    pool = ThreadPoolExecutor(max_workers=2)
    try:
        snapshot = pool.submit(_update_snapshot, work, sources, columns, changed, tmp)
        exports = [pool.submit(_write_parquet, *job) for job in jobs]
        pool.shutdown()
    except BaseException:  # interrupted while waiting: stop the statements before leaving
        for con in [work, *(cursor for cursor, _, _ in jobs)]:
            con.interrupt()
        pool.shutdown(cancel_futures=True)
        raise
    finally:
        for cursor, _, _ in jobs:
            cursor.close()
    for export in exports:
        export.result()
    return snapshot.result()


def _updatable_columns(
    work: duckdb.DuckDBPyConnection, tmp: Path, sources: dict[str, str]
) -> dict[str, list[str]] | None:
    """published schema.table -> column names, when the snapshot at `tmp` is in
    STORAGE_VERSION and holds exactly the published tables, each with the columns and types
    of its source; otherwise None."""
    work_columns = _columns(work, "current_database()")
    expected = {name: work_columns.get(source) for name, source in sources.items()}
    with _attached(work, tmp, "read_only"):
        version = work.execute(
            "select tags['storage_version'] from duckdb_databases() "
            "where database_name = 'snapshot'"
        ).fetchone()[0]
        found = _columns(work, "'snapshot'")
    if not str(version).startswith(STORAGE_VERSION) or found != expected:
        return None
    return {name: [column for column, _ in found[name]] for name in sources}


def _columns(con: duckdb.DuckDBPyConnection, database: str) -> dict[str, list[tuple[str, str]]]:
    """schema.table (or view) -> [(column, type)] in order, in the attached database named by
    the SQL expression `database` (no bound parameter: the first costs 0.3 s of imports)."""
    return dict(
        con.execute(
            "select schema_name || '.' || table_name, list((column_name, data_type) "
            f"order by column_index) from duckdb_columns() where database_name = {database} "
            "group by all"
        ).fetchall()
    )


def _update_snapshot(
    work: duckdb.DuckDBPyConnection,
    sources: dict[str, str],
    columns: dict[str, list[str]],
    changed: str,
    tmp: Path,
) -> dict[str, int]:
    """In the snapshot at `tmp`, in one transaction: the rows of the changed papers replaced
    in each mart with a paper_id, every other table replaced whole; then checkpointed,
    detached and fsynced. published schema.table -> rows."""
    with _attached(work, tmp):
        work.execute("begin")
        try:
            for name, source in sources.items():
                _replace_rows(work, name, source, columns[name], changed)
            work.execute("commit")
        except BaseException:
            work.execute("rollback")
            raise
        rows = {
            name: work.execute(f"select count(*) from snapshot.{_quote(name)}").fetchone()[0]
            for name in sources
        }
        work.execute("checkpoint snapshot")
    _fsync(tmp)
    return rows


def _replace_rows(
    work: duckdb.DuckDBPyConnection, name: str, source: str, columns: list[str], changed: str
) -> None:
    target, source = f"snapshot.{_quote(name)}", _quote(source)
    listed = ", ".join(f'"{column}"' for column in columns)
    if not (name.startswith("marts.") and "paper_id" in columns):
        work.execute(f"delete from {target}")
        work.execute(f"insert into {target} ({listed}) select {listed} from {source}")
        return
    papers = f"paper_id in (select paper_id from {_quote(changed)})"
    work.execute(f"delete from {target} where {papers}")
    # Through the rowids, DuckDB reads the other columns only near the rows it wants: at
    # 10,000 dumps 0.15 s instead of 0.85 s of decompressing every abstract.
    work.execute(
        f"insert into {target} ({listed}) select {listed} from {source} "
        f"where rowid in (select rowid from {source} where {papers})"
    )


@contextmanager
def _attached(con: duckdb.DuckDBPyConnection, path: Path, options: str = "") -> Iterator[None]:
    """Within: the database file at `path` attached as `snapshot`; detached after, and
    deleted if the block failed."""
    con.execute(f"attach '{_sql_path(path)}' as snapshot" + (f" ({options})" if options else ""))
    try:
        yield
    except BaseException:
        con.execute("detach snapshot")
        path.unlink(missing_ok=True)
        raise
    con.execute("detach snapshot")


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


def _parquet_paths(marts: dict[str, str], folder: Path) -> dict[str, tuple[Path, Path]]:
    """mart -> (temporary path, Parquet file) in `folder`."""
    paths = {}
    for name in marts:
        target = folder / f"{name.split('.')[1]}.parquet"
        paths[name] = (target.with_name(f".{target.name}.tmp"), target)
    return paths


def _previous_size(item: tuple[str, tuple[Path, Path]]) -> int:
    """Sort key, largest first: the size of the Parquet file a mart had before (0 if none)."""
    target = item[1][1]
    return -target.stat().st_size if target.exists() else 0


def _export_parquet(work: duckdb.DuckDBPyConnection, marts: dict[str, str], folder: Path) -> None:
    """One Parquet file per mart, each replaced atomically."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, (tmp, target) in _parquet_paths(marts, folder).items():
        _write_parquet(work, marts[name], tmp)
        os.replace(tmp, target)


# Marts whose text columns are nearly all distinct (ids, titles, abstracts): Parquet's
# dictionary encoding is tried and dropped page by page, which only costs time (the papers at
# 10,000 dumps: 3.4 s instead of 4.0, the same size).
PLAIN_ENCODED = {"papers"}


def _write_parquet(con: duckdb.DuckDBPyConnection, source: str, path: Path) -> None:
    """Zstandard rather than DuckDB's default Snappy: at 10,000 generated dumps the papers'
    file is 71 MB instead of 530 and is written in 4.1 s instead of 5.4 (less to write), and
    every Parquet reader of note decodes it."""
    options = "format parquet, compression zstd"
    if source.rsplit(".", 1)[-1] in PLAIN_ENCODED:
        options += ", dictionary_size_limit 0"
    con.execute(f"copy (select * from {_quote(source)}) to '{_sql_path(path)}' ({options})")


def _quote(name: str) -> str:
    """schema.table as quoted identifiers."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in name.split("."))


def _sql_path(path: Path) -> str:
    """ATTACH and COPY take no bound parameter for a path: quote it as a SQL literal."""
    return str(path).replace("'", "''")
