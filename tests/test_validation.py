"""Tests of the Great Expectations validation of landed dumps (orchestration.quality).

Great Expectations starts once per test module: two module-scoped runs, each on its own temp
DuckDB, one over a clean batch and one over a batch where each dump carries one known fault;
the tests of the early-started validation process start it in a process of their own.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import duckdb
import pytest

from orchestration.quality.validation import (
    DUMPS_SUITE,
    ENTRIES_SUITE,
    ValidationReport,
    validate_dumps,
    validation_frames,
)
from orchestration.settings import EXPECTATIONS_DIR, PROJECT_ROOT

os.environ["GX_ANALYTICS_ENABLED"] = "False"

RAW_SCHEMA = PROJECT_ROOT / "orchestration" / "landing" / "raw_schema.sql"

# The (type, column) pairs each suite must hold; column lists are comma-joined.
ENTRIES_EXPECTED = {
    ("expect_column_values_to_not_be_null", "dump_id"),
    ("expect_column_values_to_not_be_null", "position"),
    ("expect_column_values_to_not_be_null", "paper_id"),
    ("expect_column_values_to_not_be_null", "title"),
    ("expect_column_values_to_not_be_null", "abstract"),
    ("expect_column_value_lengths_to_be_between", "title"),
    ("expect_compound_columns_to_be_unique", "dump_id,title_key"),
    ("expect_compound_columns_to_be_unique", "dump_id,position"),
    ("expect_column_values_to_be_between", "authors_count"),
    ("expect_column_values_to_be_between", "comments_count"),
    ("expect_column_pair_values_a_to_be_greater_than_b", "captured_on,published_on"),
    ("expect_column_values_to_be_between", "published_on"),
    ("expect_column_values_to_match_regex", "arxiv_id"),
    ("expect_column_values_to_be_between", "upvotes"),
    ("expect_column_values_to_be_between", "github_stars"),
}
DUMPS_EXPECTED = {
    ("expect_column_pair_values_to_be_equal", "entries_parsed,entries_loaded_plus_rejected"),
    ("expect_column_pair_values_to_be_equal", "entries_loaded,entry_rows_in_table"),
    ("expect_column_pair_values_to_be_equal", "entries_rejected,rejects_rows_in_table"),
    ("expect_column_values_to_be_in_set", "min_position"),
    ("expect_column_pair_values_to_be_equal", "max_position,entries_parsed"),
    ("expect_column_pair_values_to_be_equal", "distinct_positions,entries_parsed"),
    ("expect_column_values_to_be_between", "entries_loaded"),
    ("expect_column_values_to_match_regex", "sha256"),
    ("expect_column_values_to_be_in_set", "layout"),
    ("expect_column_values_to_be_between", "captured_on"),
    ("expect_column_pair_values_a_to_be_greater_than_b", "saved_on,inferred_captured_on"),
}
BALANCE = "expect_column_pair_values_to_be_equal"


# --- building a raw schema with realistic rows -------------------------------------------


def new_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    """A DuckDB file with the raw schema the parsers land into."""
    con = duckdb.connect(str(path))
    con.execute(RAW_SCHEMA.read_text(encoding="utf-8"))
    return con


def add_dump(
    con: duckdb.DuckDBPyConnection,
    dump_id: str,
    *,
    parsed: int,
    loaded: int,
    rejected: int = 0,
    captured_on: str | None = "2024-06-01",
    layout: str = "with_metadata",
    status: str = "loaded",
    capture_rule: str = "sidecar",
) -> None:
    """One raw.dumps audit row, as the landing step writes it (the file saved 2024-06-01)."""
    con.execute(
        """
        insert into raw.dumps (
            dump_id, file_name, sha256, size_bytes, modified_at, status, source_format, layout,
            date_selector, capture_year, captured_on, capture_rule, max_printed_year,
            entries_parsed, entries_loaded, entries_rejected, parser_version, loaded_at
        ) values (
            ?, ?, ?, 48213, timestamp '2024-06-01 18:04:11', ?, ?, ?, 'Jun 1', 2024,
            ?::date, ?, 2024, ?, ?, ?, '0.3.0', timestamp '2024-06-02 07:00:00')
        """,
        [
            dump_id,
            f"{dump_id}.txt",
            hashlib.sha256(dump_id.encode()).hexdigest(),
            status,
            "text" if layout in ("with_metadata", "title_abstract", "glued") else "html",
            layout,
            captured_on,
            capture_rule,
            parsed,
            loaded,
            rejected,
        ],
    )


def add_entry(
    con: duckdb.DuckDBPyConnection,
    dump_id: str,
    position: int,
    title: str,
    *,
    authors: int | None = 3,
    published_on: str | None = "2024-05-30",
    comments: int | None = 2,
    abstract=...,
) -> None:
    """One raw.entries row: a paper card with its metadata block."""
    title_key = " ".join(title.lower().split())
    con.execute(
        """
        insert into raw.entries (
            dump_id, position, paper_id, title_key, title, abstract, authors_count,
            published_on, published_on_text, published_year_rule, comments_count, has_metadata
        ) values (?, ?, ?, ?, ?, ?, ?, ?::date, ?, ?, ?, true)
        """,
        [
            dump_id,
            position,
            hashlib.sha1(title_key.encode()).hexdigest()[:16],
            title_key,
            title,
            abstract
            if abstract is not ...
            else f"We study {title.lower()} and report results on standard benchmarks.",
            authors,
            published_on,
            "May 30" if published_on else None,
            "capture_year" if published_on else None,
            comments,
        ],
    )


def add_reject(con: duckdb.DuckDBPyConnection, dump_id: str, position: int | None) -> None:
    """One raw.rejects row (position null for a whole-file reject)."""
    con.execute(
        "insert into raw.rejects values (?, ?, ?, 'no abstract after title', 'Some title', "
        "timestamp '2024-06-02 07:00:00')",
        [dump_id, f"{dump_id}.txt", position],
    )


def add_clean_dumps(con: duckdb.DuckDBPyConnection) -> None:
    """Two healthy dumps: one fully loaded, one with a rejected entry in the middle."""
    add_dump(con, "000_a401d38fde9a8c54", parsed=3, loaded=3)
    add_entry(con, "000_a401d38fde9a8c54", 1, "Scaling Limits of Wide Neural Networks")
    add_entry(
        con,
        "000_a401d38fde9a8c54",
        2,
        "Wide and Deep Networks Achieve Optimality",
        authors=None,
        comments=0,
    )
    add_entry(
        con,
        "000_a401d38fde9a8c54",
        3,
        "On the Equivalence of Networks and SVMs",
        published_on="2024-06-01",
    )
    add_dump(
        con,
        "001_73aae1bdc1084e9d",
        parsed=3,
        loaded=2,
        rejected=1,
        layout="title_abstract",
        captured_on="2024-06-03",
    )
    add_entry(
        con,
        "001_73aae1bdc1084e9d",
        1,
        "Scaling Limits of Wide Neural Networks",
        authors=None,
        published_on=None,
        comments=None,
    )
    add_reject(con, "001_73aae1bdc1084e9d", 2)
    add_entry(
        con,
        "001_73aae1bdc1084e9d",
        3,
        "Diffusion Models Beat GANs Again",
        authors=None,
        published_on=None,
        comments=None,
    )


CLEAN = ("000_a401d38fde9a8c54", "001_73aae1bdc1084e9d")
DUP_TITLE = "002_841aa07fc6bb4a90"
FUTURE_PAPER = "003_0ee2deba839f99fc"
NO_AUTHORS = "004_4283718b8e5bfa58"
SHORT_AUDIT = "005_9c1b7e0d2f3a4b5c"
REJECTED_FILE = "006_rejected_file"


def add_faulty_dumps(con: duckdb.DuckDBPyConnection) -> None:
    """Four dumps with one fault each, plus a whole-file reject that must be skipped."""
    add_dump(con, DUP_TITLE, parsed=2, loaded=2)
    add_entry(con, DUP_TITLE, 1, "Attention Is All You Need")
    add_entry(con, DUP_TITLE, 2, "Attention  is all you need")  # same title_key

    add_dump(con, FUTURE_PAPER, parsed=2, loaded=2, captured_on="2024-06-01")
    add_entry(con, FUTURE_PAPER, 1, "Mixture of Experts at Scale")
    add_entry(con, FUTURE_PAPER, 2, "A Paper From The Future", published_on="2024-06-05")

    add_dump(con, NO_AUTHORS, parsed=2, loaded=2)
    add_entry(con, NO_AUTHORS, 1, "Retrieval Augmented Generation Revisited", authors=0)
    add_entry(con, NO_AUTHORS, 2, "Small Language Models Are Enough")

    add_dump(con, SHORT_AUDIT, parsed=3, loaded=2)  # says 3 parsed, holds 2, no rejects
    add_entry(con, SHORT_AUDIT, 1, "Vision Transformers Need Registers")
    add_entry(con, SHORT_AUDIT, 2, "Direct Preference Optimization")

    add_dump(con, REJECTED_FILE, parsed=0, loaded=0, status="rejected", captured_on=None)
    add_reject(con, REJECTED_FILE, None)


def outcome(report: ValidationReport, suite: str, expectation: str, column: str):
    """The report's outcome for one expectation, found by suite, type and column."""
    (found,) = [
        o
        for o in report.outcomes
        if (o.suite, o.expectation, o.column) == (suite, expectation, column)
    ]
    return found


# --- module-scoped runs: Great Expectations starts once for this file --------------------


@pytest.fixture(scope="module")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, ValidationReport]]:
    folder = tmp_path_factory.mktemp("clean")
    db = folder / "warehouse.duckdb"
    con = new_warehouse(db)
    add_clean_dumps(con)
    report = validate_dumps(con, list(CLEAN), run_id="run-clean", data_docs_dir=folder / "docs")
    con.close()
    yield db, report


@pytest.fixture(scope="module")
def faulty_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, ValidationReport]]:
    db = tmp_path_factory.mktemp("faulty") / "warehouse.duckdb"
    con = new_warehouse(db)
    add_clean_dumps(con)
    add_faulty_dumps(con)
    ids = [*CLEAN, DUP_TITLE, FUTURE_PAPER, NO_AUTHORS, SHORT_AUDIT, REJECTED_FILE]
    report = validate_dumps(con, ids, run_id="run-faulty")
    con.close()
    yield db, report


# --- tests --------------------------------------------------------------------------------


def test_clean_batch_passes_every_expectation(clean_run: tuple[Path, ValidationReport]) -> None:
    db, report = clean_run
    assert report.success, report.summary()
    assert report.dumps_validated == CLEAN
    assert report.failures() == [] and report.failed_dumps() == {}
    assert len(report.outcomes) == len(ENTRIES_EXPECTED) + len(DUMPS_EXPECTED)

    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "select suite, dump_id, success, unexpected_count, details "
            "from raw.validation_results where run_id = 'run-clean'"
        ).fetchall()
    assert len(rows) == len(report.outcomes) * len(CLEAN)
    assert {(suite, dump) for suite, dump, *_ in rows} == {
        (s, d) for s in (ENTRIES_SUITE, DUMPS_SUITE) for d in CLEAN
    }
    assert all(ok and count == 0 and details is None for _, _, ok, count, details in rows)


def test_data_docs_index_is_built(clean_run: tuple[Path, ValidationReport]) -> None:
    db, report = clean_run
    assert report.data_docs_index == db.parent / "docs" / "index.html"
    assert report.data_docs_index.is_file()
    html = report.data_docs_index.read_text(encoding="utf-8")
    assert "entries" in html and "dumps" in html
    # The suites' notes reach the expectation pages.
    suite_page = (db.parent / "docs" / "expectations" / "entries.html").read_text("utf-8")
    assert "A paper appears once per dump" in suite_page


def test_duplicate_title_fails_entries_for_that_dump_only(
    faulty_run: tuple[Path, ValidationReport],
) -> None:
    _, report = faulty_run
    unique_titles = outcome(
        report, ENTRIES_SUITE, "expect_compound_columns_to_be_unique", "dump_id,title_key"
    )
    assert not unique_titles.success
    assert unique_titles.failing_dump_ids == (DUP_TITLE,)
    assert unique_titles.unexpected_count == 2  # both rows of the pair
    assert unique_titles.sample[0] == f"{DUP_TITLE}#1: title_key='attention is all you need'"
    assert outcome(
        report, ENTRIES_SUITE, "expect_compound_columns_to_be_unique", "dump_id,position"
    ).success


def test_published_after_capture_fails(faulty_run: tuple[Path, ValidationReport]) -> None:
    _, report = faulty_run
    after_capture = outcome(
        report,
        ENTRIES_SUITE,
        "expect_column_pair_values_a_to_be_greater_than_b",
        "captured_on,published_on",
    )
    assert not after_capture.success
    assert after_capture.failing_dump_ids == (FUTURE_PAPER,)
    assert after_capture.sample == (
        f"{FUTURE_PAPER}#2: captured_on=2024-06-01, published_on=2024-06-05",
    )
    # The lower bound alone still holds.
    assert outcome(
        report, ENTRIES_SUITE, "expect_column_values_to_be_between", "published_on"
    ).success


def test_zero_authors_fails(faulty_run: tuple[Path, ValidationReport]) -> None:
    _, report = faulty_run
    authors = outcome(report, ENTRIES_SUITE, "expect_column_values_to_be_between", "authors_count")
    assert not authors.success
    assert authors.failing_dump_ids == (NO_AUTHORS,)
    assert authors.unexpected_count == 1
    assert authors.sample == (f"{NO_AUTHORS}#1: authors_count=0",)


def test_short_audit_fails_balance_and_contiguity_for_that_dump_only(
    faulty_run: tuple[Path, ValidationReport],
) -> None:
    _, report = faulty_run
    failed = {(o.expectation, o.column): o for o in report.failures_for(DUMPS_SUITE)}
    assert set(failed) == {
        (BALANCE, "entries_parsed,entries_loaded_plus_rejected"),
        (BALANCE, "max_position,entries_parsed"),
        (BALANCE, "distinct_positions,entries_parsed"),
    }
    assert all(o.failing_dump_ids == (SHORT_AUDIT,) for o in failed.values())
    assert failed[(BALANCE, "max_position,entries_parsed")].sample == (
        f"{SHORT_AUDIT}: max_position=2, entries_parsed=3",
    )
    # Its entries themselves are fine.
    assert SHORT_AUDIT not in {
        d for o in report.failures_for(ENTRIES_SUITE) for d in o.failing_dump_ids
    }


def test_faulty_batch_attribution_and_results_table(
    faulty_run: tuple[Path, ValidationReport],
) -> None:
    db, report = faulty_run
    assert not report.success
    # The whole-file reject is skipped; every loaded dump is validated.
    assert report.dumps_validated == (*CLEAN, DUP_TITLE, FUTURE_PAPER, NO_AUTHORS, SHORT_AUDIT)
    failed = report.failed_dumps()
    assert set(failed) == {DUP_TITLE, FUTURE_PAPER, NO_AUTHORS, SHORT_AUDIT}
    assert len(failed[SHORT_AUDIT]) == 3 and all(
        n.startswith("dumps.") for n in failed[SHORT_AUDIT]
    )

    with duckdb.connect(str(db), read_only=True) as con:
        rows = con.execute(
            "select dump_id, expectation, column_name, success, unexpected_count, details "
            "from raw.validation_results where run_id = 'run-faulty' and not success"
        ).fetchall()
        total = con.execute(
            "select count(*) from raw.validation_results where run_id = 'run-faulty'"
        ).fetchone()
    assert total == (len(report.outcomes) * len(report.dumps_validated),)
    by_dump = {
        (dump, column): (count, json.loads(details)) for dump, _, column, _, count, details in rows
    }
    assert set(by_dump) == {
        (DUP_TITLE, "dump_id,title_key"),
        (FUTURE_PAPER, "captured_on,published_on"),
        (NO_AUTHORS, "authors_count"),
        (SHORT_AUDIT, "entries_parsed,entries_loaded_plus_rejected"),
        (SHORT_AUDIT, "max_position,entries_parsed"),
        (SHORT_AUDIT, "distinct_positions,entries_parsed"),
    }
    count, details = by_dump[(NO_AUTHORS, "authors_count")]
    assert count == 1 and details == {"sample": [f"{NO_AUTHORS}#1: authors_count=0"]}


def test_frames_hold_the_documented_columns(tmp_path: Path) -> None:
    con = new_warehouse(tmp_path / "warehouse.duckdb")
    add_clean_dumps(con)
    add_faulty_dumps(con)
    entries, dumps = validation_frames(con, [CLEAN[1], SHORT_AUDIT, REJECTED_FILE])
    assert {
        "dump_id",
        "position",
        "paper_id",
        "title_key",
        "title",
        "abstract",
        "authors_count",
        "published_on",
        "captured_on",
        "comments_count",
    } <= set(entries)
    assert list(dumps["dump_id"]) == [CLEAN[1], SHORT_AUDIT]  # only loaded dumps
    row = dumps.set_index("dump_id").loc[CLEAN[1]]
    assert (row.entries_parsed, row.entry_rows_in_table, row.rejects_rows_in_table) == (3, 2, 1)
    assert (row.distinct_positions, row.min_position, row.max_position) == (3, 1, 3)
    assert row.captured_on == date(2024, 6, 3)  # dates reach GX as datetime.date


def test_empty_dump_fails_only_the_loaded_count_and_reruns_replace_rows(tmp_path: Path) -> None:
    con = new_warehouse(tmp_path / "warehouse.duckdb")
    add_dump(con, "007_empty", parsed=0, loaded=0)
    for _ in range(2):  # a retried step keeps its run id
        report = validate_dumps(con, ["007_empty"], run_id="run-retry")
    # With no entries the entries suite has nothing to fault; the dump fails on its count.
    assert [(o.suite, o.expectation, o.column) for o in report.failures()] == [
        (DUMPS_SUITE, "expect_column_values_to_be_between", "entries_loaded")
    ]
    (count,) = con.execute(
        "select count(*) from raw.validation_results where run_id = 'run-retry'"
    ).fetchone()
    assert count == len(report.outcomes)


def test_an_erroring_expectation_fails_every_dump(tmp_path: Path) -> None:
    suites = tmp_path / "expectations"
    suites.mkdir()
    for name in (ENTRIES_SUITE, DUMPS_SUITE):
        (suites / f"{name}.json").write_text(
            (EXPECTATIONS_DIR / f"{name}.json").read_text(encoding="utf-8"), encoding="utf-8"
        )
    dumps = json.loads((suites / "dumps.json").read_text(encoding="utf-8"))
    (regex,) = [e for e in dumps["expectations"] if e["kwargs"].get("column") == "sha256"]
    regex["kwargs"]["column"] = "sha512"  # not a column of the frame: GX raises inside
    (suites / "dumps.json").write_text(json.dumps(dumps), encoding="utf-8")
    con = new_warehouse(tmp_path / "warehouse.duckdb")
    add_clean_dumps(con)

    report = validate_dumps(con, list(CLEAN), run_id="run-error", expectations_dir=suites)

    (failure,) = report.failures()
    assert (failure.expectation, failure.column) == (
        "expect_column_values_to_match_regex",
        "sha512",
    )
    assert failure.failing_dump_ids == CLEAN
    assert failure.sample[0].startswith("error: ") and "sha512" in failure.sample[0]
    assert failure.error is not None and "sha512" in failure.error


def test_unknown_dump_id_is_an_error(tmp_path: Path) -> None:
    con = new_warehouse(tmp_path / "warehouse.duckdb")
    add_clean_dumps(con)
    with pytest.raises(ValueError, match="999_missing"):
        validate_dumps(con, [CLEAN[0], "999_missing"], run_id="run-x")


@pytest.mark.parametrize(
    ("suite", "expected"), [(ENTRIES_SUITE, ENTRIES_EXPECTED), (DUMPS_SUITE, DUMPS_EXPECTED)]
)
def test_suite_files_load_and_hold_the_expectations(suite: str, expected: set) -> None:
    import great_expectations as gx

    data = json.loads((EXPECTATIONS_DIR / f"{suite}.json").read_text(encoding="utf-8"))
    loaded = gx.ExpectationSuite(**data)
    assert loaded.name == suite
    found = set()
    for expectation in loaded.expectations:
        config = expectation.configuration
        kwargs = config.kwargs
        column = kwargs.get("column") or ",".join(
            kwargs.get("column_list") or [kwargs.get("column_A"), kwargs.get("column_B")]
        )
        found.add((config.type, column))
        assert expectation.meta and expectation.meta.get("notes"), (config.type, column)
    assert found == expected


def test_empty_run_does_not_import_great_expectations(tmp_path: Path) -> None:
    script = textwrap.dedent(
        """
        import sys
        import duckdb
        from orchestration.quality.validation import validate_dumps
        report = validate_dumps(duckdb.connect(), [], run_id="empty")
        assert report.success and report.outcomes == () and report.dumps_validated == ()
        assert report.data_docs_index is None
        assert "great_expectations" not in sys.modules, "GX was imported"
        print("ok")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "GX_ANALYTICS_ENABLED": "False"},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_abstract_is_required_for_text_entries_only(tmp_path):
    """Text cards always print the summary, compact HTML cards never do: the same missing
    abstract fails a text dump and passes an HTML page."""
    con = new_warehouse(tmp_path / "warehouse.duckdb")
    add_dump(con, "text_dump", parsed=1, loaded=1)
    add_dump(con, "html_page", parsed=1, loaded=1, layout="html_list")
    add_entry(con, "text_dump", 1, "A Paper Without Its Abstract", abstract=None)
    add_entry(con, "html_page", 1, "A Compact Card", abstract=None)
    report = validate_dumps(con, ["text_dump", "html_page"], run_id="abstracts")
    failed = {(f.expectation, f.column): f.failing_dump_ids for f in report.failures()}
    assert failed == {("expect_column_values_to_not_be_null", "abstract"): ("text_dump",)}


def test_an_inferred_capture_after_the_file_was_saved_fails_that_dump(tmp_path: Path) -> None:
    """The year rule, pushed past the printed years, may date a capture after the file was
    saved: impossible, so that dump fails (and is quarantined); a capture date given by a
    sidecar is not second-guessed (001 says 2024-06-03 of a file saved on 2024-06-01)."""
    con = new_warehouse(tmp_path / "warehouse.duckdb")
    add_clean_dumps(con)
    add_dump(
        con,
        "002_future",
        parsed=1,
        loaded=1,
        captured_on="2024-06-18",
        capture_rule="inferred_after_printed_years",
    )
    add_entry(con, "002_future", 1, "A Paper From Before", published_on="2023-03-03")
    report = validate_dumps(con, [*CLEAN, "002_future"], run_id="run-future")
    assert report.failed_dumps() == {
        "002_future": [
            "dumps.expect_column_pair_values_a_to_be_greater_than_b(saved_on,inferred_captured_on)"
        ]
    }
    (failure,) = report.failures()
    assert failure.sample == ("002_future: saved_on=2024-06-01, inferred_captured_on=2024-06-18",)
