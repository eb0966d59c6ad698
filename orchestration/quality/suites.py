"""The validation suites: Great Expectations 1.x suites kept as JSON in expectations/ (one
per frame: `entries`, one row per loaded entry; `dumps`, one row per validated dump), read
and inspected without importing Great Expectations: whether a suite may run over chunks of
whole dumps (`splits_by_dump`), whether it only asks if a column is null (`only_null_checks`),
and how dumps are cut into chunks (`entry_chunks`)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ENTRIES_SUITE = "entries"
DUMPS_SUITE = "dumps"
SUITES: tuple[str, ...] = (ENTRIES_SUITE, DUMPS_SUITE)

# The columns that name a failing row in each suite's frame: GX returns them for every
# unexpected row (result_format COMPLETE), and their first one is always dump_id.
INDEX_COLUMNS: dict[str, list[str]] = {
    ENTRIES_SUITE: ["dump_id", "position"],
    DUMPS_SUITE: ["dump_id"],
}

# Entries per pandas frame given to GX: a chunk is whole dumps, cut once it reaches this many.
ENTRIES_CHUNK_ROWS = 100_000

# Expectations that only ask whether a value is null (see only_null_checks).
_NULL_CHECKS = {"expect_column_values_to_not_be_null", "expect_column_values_to_be_null"}


def load_suite_json(path: Path) -> dict[str, Any]:
    """Read a suite file (GX 1.x ExpectationSuite JSON) and check it names its own file."""
    with path.open(encoding="utf-8") as f:
        suite: dict[str, Any] = json.load(f)
    if suite.get("name") != path.stem:
        raise ValueError(f"{path} holds suite {suite.get('name')!r}, expected {path.stem!r}")
    return suite


def entry_chunks(
    dump_ids: Sequence[str], entry_counts: Sequence[int], max_rows: int
) -> list[list[str]]:
    """`dump_ids` (in order) cut into runs of whole dumps of about `max_rows` entries: a chunk
    is closed once it holds max_rows or more. A last chunk without entries joins the one before,
    so no chunk but a lone one is empty."""
    chunks: list[list[str]] = []
    current: list[str] = []
    rows = 0
    for dump_id, count in zip(dump_ids, entry_counts, strict=True):
        current.append(dump_id)
        rows += int(count)
        if rows >= max_rows:
            chunks.append(current)
            current, rows = [], 0
    if current:
        if chunks and rows == 0:
            chunks[-1].extend(current)
        else:
            chunks.append(current)
    return chunks


# Expectations that look at one row at a time: their result over a frame is the union of their
# results over any split of its rows.
_ROW_BY_ROW = (
    "expect_column_values_to_",
    "expect_column_value_lengths_to_",
    "expect_column_pair_values_",
    "expect_multicolumn_values_",
    "expect_select_column_values_to_be_unique_within_record",
)


def only_null_checks(suite: Mapping[str, Any], column: str) -> bool:
    """Whether every expectation of the suite that reads `column` only asks if it is null
    (not in a row condition, nor with other columns)."""
    for expectation in suite.get("expectations", []):
        kwargs = expectation.get("kwargs") or {}
        if column in str(kwargs.get("row_condition") or ""):
            return False
        if column in expectation_columns(kwargs) and (
            expectation.get("type") not in _NULL_CHECKS or kwargs.get("column") != column
        ):
            return False
    return True


def splits_by_dump(suite: Mapping[str, Any]) -> bool:
    """Whether the suite gives the same outcomes over chunks of whole dumps as over all: every
    expectation is row by row (and not `mostly`, a share of the frame it is given) or a
    compound uniqueness that includes dump_id."""
    for expectation in suite.get("expectations", []):
        kind = str(expectation.get("type", ""))
        kwargs = expectation.get("kwargs") or {}
        if "mostly" in kwargs or kind == "expect_column_values_to_be_unique":
            return False
        if kind == "expect_compound_columns_to_be_unique":
            if "dump_id" not in (kwargs.get("column_list") or []):
                return False
        elif not kind.startswith(_ROW_BY_ROW):
            return False
    return True


def expectation_columns(kwargs: Mapping[str, Any]) -> list[str]:
    """The column(s) an expectation reads, in the order its kwargs name them."""
    if kwargs.get("column"):
        return [str(kwargs["column"])]
    if kwargs.get("column_list"):
        return [str(c) for c in kwargs["column_list"]]
    return [str(kwargs[key]) for key in ("column_A", "column_B") if kwargs.get(key)]
