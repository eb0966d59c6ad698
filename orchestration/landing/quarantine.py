"""Dumps set aside by validation: their status in the audit says `quarantined`, with the
expectations they failed and the offending values, and their entries stay out of the marts
(staging reads loaded dumps only). Nothing is deleted: a quarantined dump is parsed and
validated again when its bytes, its sidecar or the parser change, like any other dump.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

import duckdb

from .land import LANDED_TABLES, ensure_raw_schema

# One row per failed expectation of each dump, from the run's validation results.
_FAILED_SQL = """
select dump_id, suite, expectation, column_name, unexpected_count, details
from raw.validation_results
where run_id = ? and not success and dump_id in (select unnest(?::varchar[]))
order by dump_id, suite, expectation, column_name
"""


def quarantine_reasons(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    dump_ids: Sequence[str],
    notes: Mapping[str, str],
) -> dict[str, list[dict]]:
    """dump_id -> what it failed: the expectation, why it matters (`notes`, by expectation
    label 'suite.expectation(column)'), how many rows, and a sample of the offending values."""
    reasons: dict[str, list[dict]] = {}
    for dump_id, suite, expectation, column, count, details in con.execute(
        _FAILED_SQL, [run_id, list(dump_ids)]
    ).fetchall():
        label = f"{suite}.{expectation}({column or ''})"
        sample = json.loads(details).get("sample", []) if details else []
        reasons.setdefault(dump_id, []).append(
            {"expectation": label, "reason": notes.get(label, ""), "rows": count, "sample": sample}
        )
    return reasons


def quarantine(con: duckdb.DuckDBPyConnection, reasons: Mapping[str, list[dict]]) -> None:
    """Set the dumps of `reasons` aside (status 'quarantined', reasons as JSON)."""
    if not reasons:
        return
    ensure_raw_schema(con)
    ids = list(reasons)
    con.execute(
        """
        update raw.dumps set status = 'quarantined', quarantine_reasons = r.reasons
        from (select unnest(?::varchar[]) as dump_id, unnest(?::varchar[]) as reasons) as r
        where raw.dumps.dump_id = r.dump_id
        """,
        [ids, [json.dumps(reasons[dump_id], ensure_ascii=False) for dump_id in ids]],
    )


def quarantined(con: duckdb.DuckDBPyConnection, schema: str = "raw") -> dict[str, str]:
    """file name -> a one-line reason, for every quarantined dump (in raw.dumps, or in the
    published snapshot's audit.dumps)."""
    rows = con.execute(
        f"select file_name, quarantine_reasons from {schema}.dumps "
        "where status = 'quarantined' order by file_name"
    ).fetchall()
    return {name: one_line(json.loads(reasons or "[]")) for name, reasons in rows}


def one_line(reasons: list[dict]) -> str:
    """'capture date would be after the file was saved (saved_on=…, captured_on=…)'."""
    parts = []
    for reason in reasons:
        # A suite's note starts with what went wrong, up to its first colon.
        text = (reason.get("reason") or "").split(": ")[0] or reason.get("expectation", "")
        sample = reason.get("sample") or []
        parts.append(f"{text} ({sample[0]})" if sample else text)
    return "; ".join(parts)


def forget_quarantined(con: duckdb.DuckDBPyConnection, dump_ids: Sequence[str]) -> list[str]:
    """Drop from the raw tables the quarantined dumps among `dump_ids` (dumps whose file was
    removed: a user's way to let a bad dump go). They never reached the marts; a loaded dump
    whose file is gone is kept. Returns the dump_ids dropped."""
    if not dump_ids:
        return []
    ensure_raw_schema(con)
    gone = [
        row[0]
        for row in con.execute(
            "select dump_id from raw.dumps where status = 'quarantined' "
            "and dump_id in (select unnest(?::varchar[])) order by dump_id",
            [list(dump_ids)],
        ).fetchall()
    ]
    if gone:
        con.begin()
        try:
            for table in LANDED_TABLES:
                con.execute(
                    f"delete from raw.{table} where dump_id in (select unnest(?::varchar[]))",
                    [gone],
                )
            con.commit()
        except BaseException:
            con.rollback()
            raise
    return gone
