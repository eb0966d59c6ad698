"""Land parsed batches in DuckDB's raw schema, idempotently, one transaction per batch.

Reloading a dump replaces exactly its rows: the batch's dump_ids are deleted from every raw
table and inserted again from Arrow in the same transaction, so a reader sees either the old
or the new dump, never half of it, and a second run on the same input changes no count.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import duckdb
import polars as pl

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


@dataclass(frozen=True)
class LandingResult:
    dump_ids: tuple[str, ...]
    rows: dict[str, int]  # table -> rows inserted by this batch
    rows_replaced: dict[str, int]  # table -> rows deleted first (a reload)


def connect(path: Path, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse file, creating its folder when writing."""
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(path), read_only=read_only)


COLUMNS_SQL = """
select table_name, column_name, data_type from information_schema.columns
where table_catalog = current_database() and table_schema = 'raw'
"""


def ensure_raw_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create the raw tables, and add the columns a newer parser lands to an older warehouse
    (a new parser version reloads every dump anyway, so old rows get them filled)."""
    ddl = RAW_SCHEMA_SQL.read_text(encoding="utf-8")
    con.execute(ddl)
    with duckdb.connect() as reference:
        reference.execute(ddl)
        expected = reference.execute(COLUMNS_SQL).fetchall()
    present = {(table, column) for table, column, _ in con.execute(COLUMNS_SQL).fetchall()}
    for table, column, data_type in expected:
        if (table, column) not in present:
            con.execute(f'alter table raw."{table}" add column "{column}" {data_type}')


def land_batch(
    con: duckdb.DuckDBPyConnection, batch: ParsedBatch, loaded_at: dt.datetime | None = None
) -> LandingResult:
    """Replace the batch's dumps in every raw table, in one transaction."""
    ensure_raw_schema(con)
    loaded_at = loaded_at or dt.datetime.now(dt.UTC).replace(tzinfo=None)
    frames = {
        "dumps": batch.dumps.with_columns(loaded_at=pl.lit(loaded_at, pl.Datetime("us"))),
        "entries": batch.entries,
        "entry_links": batch.links,
        "rejects": batch.rejects.with_columns(rejected_at=pl.lit(loaded_at, pl.Datetime("us"))),
    }
    dump_ids = batch.dump_ids
    inserted: dict[str, int] = {}
    replaced: dict[str, int] = {}
    con.begin()
    try:
        for table, frame in frames.items():
            replaced[table] = con.execute(
                f"delete from raw.{table} where dump_id in (select unnest($ids::varchar[]))",
                {"ids": dump_ids},
            ).fetchone()[0]
            arrow = frame.to_arrow()  # noqa: F841 - read by name in the statement below
            fault_point(f"land:after_delete:{table}")
            con.execute(f"insert into raw.{table} by name select * from arrow")
            inserted[table] = frame.height
            fault_point(f"land:after_insert:{table}")
        fault_point("land:before_commit")
        con.commit()
        fault_point("land:after_commit")
    except Exception:
        con.rollback()
        raise
    return LandingResult(tuple(dump_ids), inserted, replaced)


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
