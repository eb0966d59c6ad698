"""Validate landed dumps with Great Expectations before the dbt marts build.

Two suites, kept as GX 1.x JSON in expectations/: `entries` (one row per loaded entry) and
`dumps` (one row per validated dump: the load audit against what the raw tables hold). Each
failing row is traced back to its dump, so raw.validation_results gets one row per expectation
per dump.

The dumps suite runs once over every dump of a call. The entries suite runs over chunks of
whole dumps of about ENTRIES_CHUNK_ROWS entries each, one pandas frame at a time, so memory does
not grow with the size of a run; as its expectations are row by row or unique within a dump,
the chunks' results combine into exactly the outcomes one pass over all entries gives (a suite
with an expectation that is not, e.g. `mostly` or a uniqueness across dumps, runs in one chunk).

Great Expectations is imported inside `validate_dumps` only, once per call: it costs seconds to
import, and the Dagster code location, the tests and the parsers import this module without
needing it.

The suites are read in suites.py, the frames in frames.py; what a run reports (outcomes,
raw.validation_results, the Data Docs site) is in reporting.py. This module runs them.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestration.settings import EXPECTATIONS_DIR

from .frames import dumps_frame, entries_frame, validation_frames
from .reporting import (
    MAX_SAMPLES,
    DumpFailures,
    ExpectationOutcome,
    PartialResult,
    ValidationReport,
    combine_partials,
    partial_result,
    point_data_docs_at,
    write_results,
)
from .suites import (
    DUMPS_SUITE,
    ENTRIES_CHUNK_ROWS,
    ENTRIES_SUITE,
    INDEX_COLUMNS,
    SUITES,
    entry_chunks,
    load_suite_json,
    only_null_checks,
    splits_by_dump,
)

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

__all__ = [
    "DUMPS_SUITE",
    "ENTRIES_CHUNK_ROWS",
    "ENTRIES_SUITE",
    "INDEX_COLUMNS",
    "MAX_SAMPLES",
    "SUITES",
    "ExpectationOutcome",
    "ValidationReport",
    "entry_chunks",
    "load_suite_json",
    "only_null_checks",
    "splits_by_dump",
    "validate_dumps",
    "validate_dumps_docs_later",
    "validation_frames",
]

log = logging.getLogger(__name__)


def validate_dumps(
    con: duckdb.DuckDBPyConnection,
    dump_ids: Sequence[str],
    *,
    run_id: str,
    data_docs_dir: Path | None = None,
    expectations_dir: Path = EXPECTATIONS_DIR,
    chunk_rows: int = ENTRIES_CHUNK_ROWS,
) -> ValidationReport:
    """Run both suites over all given loaded dumps and record the results per dump: the
    entries suite chunk by chunk of about `chunk_rows` entries (0: all in one), with the same
    outcomes as in one pass. The Data Docs site is built too, when `data_docs_dir` is given.

    Ids of dumps that are in raw.dumps but not loaded are skipped (a rejected file has nothing
    to validate); ids not in raw.dumps at all raise ValueError, as that is a caller's mistake.
    """
    report, build_data_docs = validate_dumps_docs_later(
        con,
        dump_ids,
        run_id=run_id,
        data_docs_dir=data_docs_dir,
        expectations_dir=expectations_dir,
        chunk_rows=chunk_rows,
    )
    build_data_docs()
    return report


def validate_dumps_docs_later(
    con: duckdb.DuckDBPyConnection,
    dump_ids: Sequence[str],
    *,
    run_id: str,
    data_docs_dir: Path | None = None,
    expectations_dir: Path = EXPECTATIONS_DIR,
    chunk_rows: int = ENTRIES_CHUNK_ROWS,
) -> tuple[ValidationReport, Callable[[], None]]:
    """`validate_dumps` with the Data Docs left to build: (the report, whose data_docs_index
    is where the site will be, and the function that builds it, which needs no database)."""
    ids = list(dict.fromkeys(dump_ids))
    if not ids:
        # No GX start-up for a run that landed nothing.
        return ValidationReport(run_id, (), (), None), _nothing

    statuses = dict(
        con.execute(
            "select dump_id, status from raw.dumps where dump_id in (select unnest(?::varchar[]))",
            [ids],
        ).fetchall()
    )
    unknown = [dump_id for dump_id in ids if dump_id not in statuses]
    if unknown:
        raise ValueError(f"dumps not in raw.dumps: {', '.join(unknown)}")
    skipped = [dump_id for dump_id in ids if statuses[dump_id] != "loaded"]
    if skipped:
        log.info("not validating dumps that were not loaded: %s", ", ".join(skipped))

    dumps = dumps_frame(con, ids)
    validated = tuple(str(dump_id) for dump_id in dumps["dump_id"])
    if not validated:
        return ValidationReport(run_id, (), (), None), _nothing

    suites = {name: load_suite_json(expectations_dir / f"{name}.json") for name in SUITES}
    if not splits_by_dump(suites[ENTRIES_SUITE]):
        log.info("the entries suite has an expectation over the whole frame: one chunk")
        chunk_rows = 0
    chunks = (
        entry_chunks(validated, dumps["entry_rows_in_table"].tolist(), chunk_rows)
        if chunk_rows > 0
        else [list(validated)]
    )

    # Each chunk's results are summed up per dump at once: GX's result objects (every
    # unexpected row of a chunk) do not outlive the chunk.
    short_abstract = only_null_checks(suites[ENTRIES_SUITE], "abstract")
    partials: dict[str, list[list[PartialResult]]] = {name: [] for name in SUITES}
    gx_run = _GreatExpectations(suites, run_id=run_id, data_docs_dir=data_docs_dir)
    for number, chunk in enumerate(chunks, start=1):
        entries = entries_frame(con, chunk, (chunk[0], chunk[-1]), short_abstract=short_abstract)
        asset = ENTRIES_SUITE
        if len(chunks) > 1:
            asset = _chunk_asset(number, len(chunks))
            log.info("%s: %d rows of dumps %s … %s", asset, len(entries), chunk[0], chunk[-1])
        results = gx_run.validate(ENTRIES_SUITE, entries, asset)
        partials[ENTRIES_SUITE].append([partial_result(ENTRIES_SUITE, r) for r in results])
        del entries, results
    results = gx_run.validate(DUMPS_SUITE, dumps, DUMPS_SUITE)
    partials[DUMPS_SUITE].append([partial_result(DUMPS_SUITE, r) for r in results])
    del results
    gx_run.validated()

    outcomes: list[ExpectationOutcome] = []
    per_dump: list[dict[str, DumpFailures]] = []
    for suite_name in SUITES:
        # The same expectation, in suite order, in every chunk: zip them across chunks.
        for same_expectation in zip(*partials[suite_name], strict=True):
            outcome, failures = combine_partials(suite_name, same_expectation, validated)
            outcomes.append(outcome)
            per_dump.append(failures)

    write_results(con, run_id, validated, outcomes, per_dump)

    index = None if data_docs_dir is None else Path(data_docs_dir) / "index.html"
    report = ValidationReport(run_id, tuple(outcomes), validated, index)
    log.info("%s", report.summary())
    return report, gx_run.build_data_docs


def _nothing() -> None:
    pass


def _chunk_asset(number: int, total: int) -> str:
    """The Data Docs name of one chunk's entries, e.g. 'entries 2 of 8'."""
    return f"{ENTRIES_SUITE} {number} of {total}"


class _GreatExpectations:
    """One ephemeral GX context for a call: imported and set up once, then each frame
    validated against its suite (a chunk of entries shows in the Data Docs as its own asset)."""

    def __init__(
        self, suites: Mapping[str, dict[str, Any]], *, run_id: str, data_docs_dir: Path | None
    ) -> None:
        # No usage statistics: the warehouse runs offline and must not try to phone home.
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
        started = time.perf_counter()
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig

        self.imported = time.perf_counter()
        self.import_seconds = self.imported - started
        self.gx = gx
        self.context = gx.get_context(mode="ephemeral")
        # tqdm bars would flood Dagster's captured logs with one line per metric batch.
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        self.data_docs_dir = data_docs_dir
        if data_docs_dir is not None:
            point_data_docs_at(self.context, Path(data_docs_dir))
        self.run_id = gx.RunIdentifier(run_name=run_id, run_time=datetime.now(UTC))
        # Both ends of "today" (local and UTC) count: a capture date is not in the future if it
        # is today somewhere this machine could be.
        self.parameters = {"today": max(date.today(), datetime.now(UTC).date())}
        self.suites = {
            name: self.context.suites.add(gx.ExpectationSuite(**_with_rendered_notes(suite)))
            for name, suite in suites.items()
        }

    def validate(self, suite_name: str, frame: pd.DataFrame, asset: str) -> list[Any]:
        """The suite's expectation results over the frame, in the suite's order."""
        gx = self.gx
        suite = self.suites[suite_name]
        # A data source of its own for each frame, deleted after: its execution engine keeps
        # the frame and every metric computed on it for as long as the source lives.
        source = self.context.data_sources.add_pandas(f"landed {asset}")
        batch = source.add_dataframe_asset(asset).add_batch_definition_whole_dataframe("all")
        definition = self.context.validation_definitions.add(
            gx.ValidationDefinition(name=asset, data=batch, suite=suite)
        )
        run = definition.run(
            batch_parameters={"dataframe": frame},
            expectation_parameters=self.parameters,
            result_format={
                # COMPLETE lists every unexpected row with its index columns, which is what
                # lets one run over many dumps be split back per dump.
                "result_format": "COMPLETE",
                "unexpected_index_column_names": INDEX_COLUMNS[suite_name],
                "return_unexpected_index_query": False,
            },
            run_id=self.run_id,
        )
        self.context.validation_definitions.delete(asset)
        self.context.data_sources.delete_pandas(source.name)
        # GX does not keep the suite's order in its results; the report does.
        order = {expectation.id: i for i, expectation in enumerate(suite.expectations)}
        return sorted(run.results, key=lambda r: order.get(r.expectation_config.id, len(order)))

    def validated(self) -> None:
        """Log where the time went so far."""
        log.info(
            "great_expectations: import %.2fs, validation %.2fs",
            self.import_seconds,
            time.perf_counter() - self.imported,
        )

    def build_data_docs(self) -> None:
        """Build the Data Docs site (when asked for) from the results this context holds."""
        if self.data_docs_dir is not None:
            started = time.perf_counter()
            self.context.build_data_docs(site_names=["local_site"])
            log.info("great_expectations: data docs %.2fs", time.perf_counter() - started)


def _with_rendered_notes(suite: dict[str, Any]) -> dict[str, Any]:
    """The suite with each expectation's meta.notes also set as its GX `notes`."""
    # The JSON keeps what an expectation guards in meta.notes; the HTML Data Docs render only
    # the `notes` field, so it is copied there for the pages to show it.
    expectations = []
    for expectation in suite.get("expectations", []):
        notes = (expectation.get("meta") or {}).get("notes")
        if notes and not expectation.get("notes"):
            expectation = {**expectation, "notes": notes}
        expectations.append(expectation)
    return {**suite, "expectations": expectations}
