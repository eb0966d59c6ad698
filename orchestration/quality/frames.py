"""The frames the suites validate, read from the raw tables: the entries of the loaded dumps
(a chunk of consecutive dump ids at a time) and one row per dump comparing its load audit with
what the raw tables hold."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from .reporting import MAX_VALUE_CHARS, is_missing

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

# Date columns go to GX as datetime.date objects: GX 1.x coerces a "1990-01-01" bound to a
# datetime.date, and pandas refuses to compare its datetime64 Timestamps with a date.
_DATE_COLUMNS = ("published_on", "captured_on", "saved_on", "inferred_captured_on")

_ENTRIES_SQL = """
select
    e.dump_id,
    e.position,
    e.paper_id,
    e.title_key,
    e.title,
    {abstract} as abstract,
    e.authors_count,
    e.published_on,
    d.captured_on,
    d.source_format,
    e.comments_count,
    e.arxiv_id,
    e.upvotes,
    e.github_stars
from raw.entries as e
join raw.dumps as d on d.dump_id = e.dump_id
where d.status = 'loaded'
  and e.dump_id in (select unnest($ids::varchar[]))
  {range}
order by e.dump_id, e.position
"""
# A chunk is a run of consecutive dump ids: the range lets DuckDB skip the row groups of
# raw.entries outside it (zone maps) instead of reading the whole table for every chunk.
_ENTRIES_RANGE = "and e.dump_id between $first and $last"
# The abstract is most of an entry's bytes, and most of GX's memory and time on the frame. When
# the suite only asks whether it is null (suites.only_null_checks), its first characters say as
# much, and show as the whole value would in a sample (see reporting._plain): that is all the
# frame then gets.
_SHORT_ABSTRACT = f"left(e.abstract, {MAX_VALUE_CHARS + 1})"

# Counts are cast to bigint so that each compared pair has one type. max_position and
# distinct_positions are 0 for a dump without entries, so an empty dump fails only
# "entries_loaded >= 1", not every contiguity check as well.
_DUMPS_SQL = """
with wanted as (
    select *
    from raw.dumps
    where status = 'loaded'
      and dump_id in (select unnest(?::varchar[]))
),
entry_rows as (
    select dump_id, count(*) as n
    from raw.entries
    where dump_id in (select dump_id from wanted)
    group by dump_id
),
reject_rows as (
    select dump_id, count(*) as n
    from raw.rejects
    where position is not null
      and dump_id in (select dump_id from wanted)
    group by dump_id
),
positions as (
    select dump_id, count(distinct position) as n, min(position) as lo, max(position) as hi
    from (
        select dump_id, position from raw.entries
        union all
        select dump_id, position from raw.rejects where position is not null
    )
    where dump_id in (select dump_id from wanted)
    group by dump_id
)
select
    w.dump_id,
    w.entries_parsed::bigint as entries_parsed,
    w.entries_loaded::bigint as entries_loaded,
    w.entries_rejected::bigint as entries_rejected,
    (w.entries_loaded + w.entries_rejected)::bigint as entries_loaded_plus_rejected,
    coalesce(er.n, 0)::bigint as entry_rows_in_table,
    coalesce(rr.n, 0)::bigint as rejects_rows_in_table,
    coalesce(p.n, 0)::bigint as distinct_positions,
    p.lo::bigint as min_position,
    coalesce(p.hi, 0)::bigint as max_position,
    w.sha256,
    w.layout,
    w.captured_on,
    -- The day the file was saved (its modification time, UTC, as the year rule reads it), and
    -- the capture date when the year rule inferred it: the printed years may push it later.
    w.modified_at::date as saved_on,
    case when w.capture_rule like 'inferred%' then w.captured_on end as inferred_captured_on
from wanted as w
left join entry_rows as er on er.dump_id = w.dump_id
left join reject_rows as rr on rr.dump_id = w.dump_id
left join positions as p on p.dump_id = w.dump_id
order by w.dump_id
"""


def validation_frames(
    con: duckdb.DuckDBPyConnection, dump_ids: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(entries_frame, dumps_frame) for those of `dump_ids` whose status is 'loaded'."""
    ids = list(dict.fromkeys(dump_ids))
    return entries_frame(con, ids), dumps_frame(con, ids)


def entries_frame(
    con: duckdb.DuckDBPyConnection,
    ids: list[str],
    id_range: tuple[str, str] | None = None,
    *,
    short_abstract: bool = False,
) -> pd.DataFrame:
    """The entries suite's frame for the loaded dumps of `ids`, which lie in `id_range`
    (first, last) when it is given; with `short_abstract`, only the abstract's first
    characters (see only_null_checks)."""
    abstract = _SHORT_ABSTRACT if short_abstract else "e.abstract"
    if id_range is None:
        sql = _ENTRIES_SQL.format(abstract=abstract, range="")
        parameters: dict[str, Any] = {"ids": ids}
    else:
        sql = _ENTRIES_SQL.format(abstract=abstract, range=_ENTRIES_RANGE)
        parameters = {"ids": ids, "first": id_range[0], "last": id_range[1]}
    return _with_python_dates(con.execute(sql, parameters).df())


def dumps_frame(con: duckdb.DuckDBPyConnection, ids: list[str]) -> pd.DataFrame:
    return _with_python_dates(con.execute(_DUMPS_SQL, [ids]).df())


def _with_python_dates(frame: pd.DataFrame) -> pd.DataFrame:
    for column in _DATE_COLUMNS:
        if column in frame.columns:
            frame[column] = _python_dates(frame[column])
    return frame


def _python_dates(values: Iterable[Any]) -> list[date | None]:
    """Timestamps/NaT from DuckDB's .df() as datetime.date/None (see _DATE_COLUMNS)."""
    return [
        None
        if value is None or is_missing(value)
        else value.date()
        if isinstance(value, datetime)
        else value
        for value in values
    ]
