"""Validation in chunks: the entries suite over a few dumps at a time gives the same outcomes
and result rows as one pass over all of them."""

from __future__ import annotations

import json
from pathlib import Path

from orchestration.quality.validation import (
    ENTRIES_SUITE,
    SUITES,
    entry_chunks,
    load_suite_json,
    only_null_checks,
    splits_by_dump,
    validate_dumps,
    validation_frames,
)
from orchestration.settings import EXPECTATIONS_DIR

from .test_validation import (
    CLEAN,
    DUP_TITLE,
    FUTURE_PAPER,
    NO_AUTHORS,
    REJECTED_FILE,
    SHORT_AUDIT,
    add_clean_dumps,
    add_faulty_dumps,
    new_warehouse,
)


def test_entry_chunks_cut_after_whole_dumps():
    ids = ["a", "b", "c", "d", "e"]
    assert entry_chunks(ids, [3, 3, 3, 3, 3], 6) == [["a", "b"], ["c", "d"], ["e"]]
    assert entry_chunks(ids, [10, 0, 1, 0, 0], 5) == [["a"], ["b", "c", "d", "e"]]
    assert entry_chunks(ids, [2, 5, 0, 0, 0], 5) == [["a", "b", "c", "d", "e"]]  # empty tail
    assert entry_chunks(ids, [0, 0, 0, 0, 0], 5) == [ids]
    assert entry_chunks(ids, [1, 1, 1, 1, 1], 1) == [[i] for i in ids]


def test_the_suites_split_by_dump_and_what_does_not():
    assert splits_by_dump(load_suite_json(EXPECTATIONS_DIR / "entries.json"))
    assert splits_by_dump(load_suite_json(EXPECTATIONS_DIR / "dumps.json"))

    def suite(kind, **kwargs):
        return {"expectations": [{"type": kind, "kwargs": kwargs}]}

    assert not splits_by_dump(suite("expect_column_values_to_not_be_null", column="x", mostly=0.9))
    assert not splits_by_dump(suite("expect_column_values_to_be_unique", column="paper_id"))
    assert not splits_by_dump(suite("expect_compound_columns_to_be_unique", column_list=["a", "b"]))
    assert not splits_by_dump(suite("expect_table_row_count_to_be_between", min_value=1))
    assert splits_by_dump(
        suite("expect_compound_columns_to_be_unique", column_list=["dump_id", "b"])
    )


def test_only_a_null_checked_abstract_is_shortened():
    entries = load_suite_json(EXPECTATIONS_DIR / "entries.json")
    assert only_null_checks(entries, "abstract")
    assert not only_null_checks(entries, "title")  # its length is checked
    length = {"type": "expect_column_value_lengths_to_be_between", "kwargs": {"column": "abstract"}}
    assert not only_null_checks({"expectations": [*entries["expectations"], length]}, "abstract")


def results_rows(con, run_id: str) -> list[tuple]:
    return con.execute(
        "select suite, dump_id, expectation, column_name, success, unexpected_count, details "
        "from raw.validation_results where run_id = ? order by all",
        [run_id],
    ).fetchall()


def test_chunked_validation_gives_the_same_report_and_rows(tmp_path: Path) -> None:
    """One chunk per dump (chunk_rows=1) against the one-pass run of the same dumps."""
    con = new_warehouse(tmp_path / "warehouse.duckdb")
    add_clean_dumps(con)
    add_faulty_dumps(con)
    ids = [*CLEAN, DUP_TITLE, FUTURE_PAPER, NO_AUTHORS, SHORT_AUDIT, REJECTED_FILE]
    one_pass = validate_dumps(con, ids, run_id="one-pass", chunk_rows=0)
    chunked = validate_dumps(
        con, ids, run_id="chunked", chunk_rows=1, data_docs_dir=tmp_path / "docs"
    )
    assert chunked.outcomes == one_pass.outcomes
    assert chunked.dumps_validated == one_pass.dumps_validated
    assert results_rows(con, "chunked") == results_rows(con, "one-pass")
    assert len(results_rows(con, "chunked")) == len(chunked.outcomes) * 6
    # Each chunk shows in the Data Docs as its own validation.
    pages = list((tmp_path / "docs" / "validations" / ENTRIES_SUITE).rglob("*.html"))
    assert len(pages) == 6


def test_an_erroring_entries_expectation_fails_every_dump_in_chunks(tmp_path: Path) -> None:
    suites = tmp_path / "expectations"
    suites.mkdir()
    entries = json.loads((EXPECTATIONS_DIR / "entries.json").read_text(encoding="utf-8"))
    (regex,) = [e for e in entries["expectations"] if e["kwargs"].get("column") == "arxiv_id"]
    regex["kwargs"]["column"] = "arxiv"  # not a column of the frame: GX raises inside
    (suites / "entries.json").write_text(json.dumps(entries), encoding="utf-8")
    (suites / "dumps.json").write_text(
        (EXPECTATIONS_DIR / "dumps.json").read_text(encoding="utf-8"), encoding="utf-8"
    )
    con = new_warehouse(tmp_path / "warehouse.duckdb")
    add_clean_dumps(con)

    report = validate_dumps(
        con, list(CLEAN), run_id="run-error", expectations_dir=suites, chunk_rows=1
    )

    (failure,) = report.failures()
    assert (failure.expectation, failure.column) == ("expect_column_values_to_match_regex", "arxiv")
    assert failure.failing_dump_ids == CLEAN
    assert failure.sample[0].startswith("error: ") and "arxiv" in failure.sample[0]
    assert failure.error is not None and "arxiv" in failure.error


def test_no_frame_outlives_its_validation(tmp_path: Path) -> None:
    """Each frame is validated through a data source of its own, deleted after: GX's execution
    engine, which keeps the frame and its metrics, is gone before the next chunk is read."""
    import gc
    import weakref

    from orchestration.quality.validation import _GreatExpectations

    suites = {name: load_suite_json(EXPECTATIONS_DIR / f"{name}.json") for name in SUITES}
    gx_run = _GreatExpectations(suites, run_id="r", data_docs_dir=None)
    engines = []
    add_pandas = gx_run.context.data_sources.add_pandas

    def watched(name):
        source = add_pandas(name)
        engines.append(weakref.ref(source.get_execution_engine()))
        return source

    gx_run.context.data_sources.add_pandas = watched
    con = new_warehouse(tmp_path / "warehouse.duckdb")
    add_clean_dumps(con)
    for number, dump_id in enumerate(CLEAN):
        frame, _ = validation_frames(con, [dump_id])
        results = gx_run.validate(ENTRIES_SUITE, frame, f"entries {number}")
        assert results and all(r.success for r in results)
        del frame, results
        gc.collect()
        assert [engine() for engine in engines] == [None] * (number + 1)
