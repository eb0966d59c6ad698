"""Land parsed batches in DuckDB's raw schema, idempotently, one transaction per batch.

Reloading a dump replaces exactly its rows: the batch's dump_ids are deleted from every raw
table and inserted again in the same transaction, so a reader sees either the old or the new
dump, never half of it, and a second run on the same input changes no count. A run's batch is
landed from its Parquet parts (`land_parts`), which DuckDB reads itself, streaming, inside the
one transaction; a batch in memory (`land_batch`) goes in from Arrow.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ..ingest.batch_files import part_paths
from ..ingest.parse import ParsedBatch
from .faults import fault_point

RAW_SCHEMA_SQL = Path(__file__).with_name("raw_schema.sql")
# Tables replaced per dump, and the frame of the batch that fills each.
LANDED_TABLES = {
    "dumps": "dumps",
    "entries": "entries",
    "entry_links": "links",
    "rejects": "rejects",
}
# Columns stamped at landing time, per table.
LANDED_AT = {"dumps": "loaded_at", "rejects": "rejected_at"}
# The keys of landed tables that are checked by the landing rather than declared (see
# raw_schema.sql): a batch that repeats one is rolled back whole.
CHECKED_KEYS = {
    "entries": ("dump_id", "position"),
    "entry_links": ("dump_id", "position", "link_order"),
}

MEMORY_LIMIT_ENV = "PAPERS_DUCKDB_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "1GB"
TEMP_DIRECTORY = "duckdb_tmp"
# Steps that stream (landing, validation) run under this share of the limit: DuckDB fills
# whatever it is given with cached blocks, its allocator's own memory grows with them, and a
# stream needs little. At 10,000 dumps landing peaked at 1.6 GB under 1GB and at 0.7-0.9 GB
# under 256MB, in the same time.
STREAMING_SHARE = 4


@dataclass(frozen=True)
class LandingResult:
    dump_ids: tuple[str, ...]
    rows: dict[str, int]  # table -> rows inserted by this batch
    rows_replaced: dict[str, int]  # table -> rows deleted first (a reload)


def memory_limit() -> str:
    """DuckDB's memory limit for the pipeline's connections: PAPERS_DUCKDB_MEMORY_LIMIT, in
    DuckDB's notation ('1GB', '512MB', '2GiB'), default 1GB."""
    return os.environ.get(MEMORY_LIMIT_ENV, "").strip() or DEFAULT_MEMORY_LIMIT


def connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file, creating its folder when writing.

    The connection gets a memory limit (`memory_limit()`, PAPERS_DUCKDB_MEMORY_LIMIT, default
    1GB; DuckDB's own default is 80% of the machine) and a temporary directory beside the file
    (`duckdb_tmp/` in the work folder), so that large sorts, joins and inserts spill to disk
    instead of growing the process. Both are DuckDB settings of the database instance, set
    with SET after connecting: a connection opened elsewhere on the same file is not refused
    for a different configuration.
    """
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    try:
        con.execute(f"set memory_limit = {_sql_string(memory_limit())}")
        temp = path.parent.resolve() / TEMP_DIRECTORY
        if con.execute("select current_setting('temp_directory')").fetchone()[0] != str(temp):
            con.execute(f"set temp_directory = {_sql_string(str(temp))}")
    except BaseException:
        con.close()
        raise
    return con


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


_UNITS = {
    "bytes": 1,
    "KiB": 2**10,
    "MiB": 2**20,
    "GiB": 2**30,
    "TiB": 2**40,
    "KB": 10**3,
    "MB": 10**6,
    "GB": 10**9,
    "TB": 10**12,
}


@contextmanager
def streaming_memory(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Within: DuckDB's memory limit cut to 1/STREAMING_SHARE of what it was (the limit is
    the database instance's, so it is put back after)."""
    before = con.execute("select current_setting('memory_limit')").fetchone()[0]
    found = re.fullmatch(r"([\d.]+)\s*(\w+)", str(before).strip())
    if not found or found.group(2) not in _UNITS:
        yield  # not a limit we can read (none set?): leave it
        return
    value, unit = float(found.group(1)), _UNITS[found.group(2)]
    con.execute(f"set memory_limit = '{int(value * unit) // STREAMING_SHARE}B'")
    try:
        yield
    finally:
        # DuckDB shows the limit cut to one decimal (1GB is '953.6 MiB' for 953.67): half a
        # digit more puts back a limit that shows the same, not a little less each time.
        con.execute(f"set memory_limit = '{int((value + 0.05) * unit)}B'")


COLUMNS_SQL = """
select table_name, column_name, data_type from information_schema.columns
where table_catalog = current_database() and table_schema = 'raw'
"""


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw tables, and bring an older warehouse's up to date: the columns a newer
    parser lands are added (a new parser version reloads every dump anyway, so old rows get
    them filled), and keys no longer declared are dropped."""
    ddl = RAW_SCHEMA_SQL.read_text(encoding="utf-8")
    con.execute(ddl)
    with duckdb.connect() as reference:
        reference.execute(ddl)
        expected = reference.execute(COLUMNS_SQL).fetchall()
        present = {(table, column) for table, column, _ in con.execute(COLUMNS_SQL).fetchall()}
        for table, column, data_type in expected:
            if (table, column) not in present:
                con.execute(f'alter table raw."{table}" add column "{column}" {data_type}')
        _drop_declared_keys(con, reference)


def _drop_declared_keys(con: duckdb.DuckDBPyConnection, reference: duckdb.DuckDBPyConnection):
    """A warehouse made before the keys of CHECKED_KEYS stopped being declared: each such table
    made again as raw_schema.sql now creates it, once (~10 s at 10,000 dumps)."""
    tables = ", ".join(_sql_string(table) for table in CHECKED_KEYS)
    declared = con.execute(
        "select distinct table_name from duckdb_constraints() where schema_name = 'raw' "
        f"and constraint_type = 'PRIMARY KEY' and table_name in ({tables}) order by all"
    ).fetchall()
    for (table,) in declared:
        ddl = reference.execute(
            "select sql from duckdb_tables() "
            f"where schema_name = 'raw' and table_name = {_sql_string(table)}"
        ).fetchone()[0]
        rebuilt = f"{table}__rebuilt"
        con.begin()
        try:
            con.execute(ddl.replace(f"raw.{table}(", f"raw.{rebuilt}(", 1))
            con.execute(f"insert into raw.{rebuilt} by name select * from raw.{table}")
            con.execute(f"drop table raw.{table}")
            con.execute(f"alter table raw.{rebuilt} rename to {table}")
            con.commit()
        except BaseException:
            con.rollback()
            raise


def land_batch(
    con: duckdb.DuckDBPyConnection, batch: ParsedBatch, loaded_at: dt.datetime | None = None
) -> LandingResult:
    """Replace the batch's dumps in every raw table, in one transaction (from memory)."""
    arrows = {table: getattr(batch, frame).to_arrow() for table, frame in LANDED_TABLES.items()}
    sources = {}
    for table, arrow in arrows.items():
        name = f"_landing_{table}"
        con.register(name, arrow)
        sources[table] = name
    try:
        return _land(con, batch.dump_ids, sources, loaded_at)
    finally:
        for name in sources.values():
            con.unregister(name)


def land_parts(
    con: duckdb.DuckDBPyConnection, folder: Path, loaded_at: dt.datetime | None = None
) -> LandingResult:
    """Replace the dumps of the batch folder (see ingest/batch_files.py) in every raw table,
    in one transaction for the whole batch, however many Parquet parts it has: DuckDB reads
    the parts itself, streaming, so the batch never passes through Python."""
    parts = {table: part_paths(folder, frame) for table, frame in LANDED_TABLES.items()}
    missing = [LANDED_TABLES[table] for table, paths in parts.items() if not paths]
    if missing:
        raise FileNotFoundError(f"no Parquet parts of {', '.join(missing)} in {folder}")
    sources = {table: _read_parquet(paths) for table, paths in parts.items()}
    dump_ids = [row[0] for row in con.execute(f"select dump_id from {sources['dumps']}").fetchall()]
    return _land(con, dump_ids, sources, loaded_at)


def _read_parquet(paths: Sequence[Path]) -> str:
    files = ", ".join(_sql_string(str(p)) for p in paths)
    return f"read_parquet([{files}], union_by_name = true)"


def _land(
    con: duckdb.DuckDBPyConnection,
    dump_ids: list[str],
    sources: Mapping[str, str],
    loaded_at: dt.datetime | None,
) -> LandingResult:
    """Delete the dumps' rows and insert them again from `sources` (table -> a relation in
    SQL), table by table, in one transaction."""
    ensure_raw_schema(con)
    loaded_at = loaded_at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with streaming_memory(con):
        return _replace(con, dump_ids, sources, loaded_at)


def _replace(
    con: duckdb.DuckDBPyConnection,
    dump_ids: list[str],
    sources: Mapping[str, str],
    loaded_at: dt.datetime,
) -> LandingResult:
    inserted: dict[str, int] = {}
    replaced: dict[str, int] = {}
    con.begin()
    try:
        for table, source in sources.items():
            replaced[table] = con.execute(
                f"delete from raw.{table} where dump_id in (select unnest($ids::varchar[]))",
                {"ids": dump_ids},
            ).fetchone()[0]
            fault_point(f"land:after_delete:{table}")
            insert = f"insert into raw.{table} by name select *"
            if table in LANDED_AT:
                insert += f", $at::timestamp as {LANDED_AT[table]} from {source}"
                inserted[table] = con.execute(insert, {"at": loaded_at}).fetchone()[0]
            else:
                inserted[table] = con.execute(f"{insert} from {source}").fetchone()[0]
            fault_point(f"land:after_insert:{table}")
        _check_keys(con, dump_ids)
        fault_point("land:before_commit")
        con.commit()
        fault_point("land:after_commit")
    except Exception:
        con.rollback()
        raise
    return LandingResult(tuple(dump_ids), inserted, replaced)


class DuplicateKeyError(ValueError):
    """A landed batch repeats a key of a raw table; nothing of the batch was landed."""


def _check_keys(con: duckdb.DuckDBPyConnection, dump_ids: list[str]) -> None:
    """Raise DuplicateKeyError when the landed dumps repeat a key of CHECKED_KEYS."""
    for table, key in CHECKED_KEYS.items():
        columns = ", ".join(key)
        repeated = con.execute(
            f"select {columns}, count(*) from raw.{table} "
            f"where dump_id in (select unnest($ids::varchar[])) "
            f"group by all having count(*) > 1 order by all limit 1",
            {"ids": dump_ids},
        ).fetchone()
        if repeated is not None:
            where = ", ".join(
                f"{name} {value!r}" for name, value in zip(key, repeated[:-1], strict=True)
            )
            raise DuplicateKeyError(
                f"duplicate key in raw.{table}: {where} appears {repeated[-1]} times in the "
                f"batch; nothing of the batch was landed"
            )


def landed_fingerprints(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
    """dump_id -> (sha256, parser_version) of every dump in the audit."""
    ensure_raw_schema(con)
    rows = con.execute("select dump_id, sha256, parser_version from raw.dumps").fetchall()
    return {dump_id: (sha, version) for dump_id, sha, version in rows}


def landed_shas(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """sha256 -> file name of every loaded dump: the same bytes under a new name are a copy."""
    ensure_raw_schema(con)
    rows = con.execute("select sha256, file_name from raw.dumps where status = 'loaded'").fetchall()
    return dict(rows)


def raw_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Row counts of the landed raw tables."""
    return {
        table: con.execute(f"select count(*) from raw.{table}").fetchone()[0]
        for table in LANDED_TABLES
    }
