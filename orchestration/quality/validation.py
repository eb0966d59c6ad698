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
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestration.settings import EXPECTATIONS_DIR

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

log = logging.getLogger(__name__)

ENTRIES_SUITE = "entries"
DUMPS_SUITE = "dumps"
SUITES: tuple[str, ...] = (ENTRIES_SUITE, DUMPS_SUITE)

# The columns that name a failing row in each suite's frame: GX returns them for every
# unexpected row (result_format COMPLETE), and their first one is always dump_id.
INDEX_COLUMNS: dict[str, list[str]] = {
    ENTRIES_SUITE: ["dump_id", "position"],
    DUMPS_SUITE: ["dump_id"],
}

MAX_SAMPLES = 5
# Entries per pandas frame given to GX: a chunk is whole dumps, cut once it reaches this many.
ENTRIES_CHUNK_ROWS = 100_000
_MAX_VALUE_CHARS = 40

# Date columns go to GX as datetime.date objects: GX 1.x coerces a "1990-01-01" bound to a
# datetime.date, and pandas refuses to compare its datetime64 Timestamps with a date.
_DATE_COLUMNS = ("published_on", "captured_on")

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
# the suite only asks whether it is null, its first characters say as much, and show as the
# whole value would in a sample (see _plain): that is all the frame then gets.
_NULL_CHECKS = {"expect_column_values_to_not_be_null", "expect_column_values_to_be_null"}
_SHORT_ABSTRACT = f"left(e.abstract, {_MAX_VALUE_CHARS + 1})"

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
    w.captured_on
from wanted as w
left join entry_rows as er on er.dump_id = w.dump_id
left join reject_rows as rr on rr.dump_id = w.dump_id
left join positions as p on p.dump_id = w.dump_id
order by w.dump_id
"""

_INSERT_RESULTS_SQL = """
insert into raw.validation_results (
    run_id, validated_at, suite, dump_id, expectation, column_name, success,
    unexpected_count, details
)
select
    ?, ?::timestamp,
    unnest(?::varchar[]), unnest(?::varchar[]), unnest(?::varchar[]), unnest(?::varchar[]),
    unnest(?::boolean[]), unnest(?::bigint[]), unnest(?::varchar[])
"""


@dataclass(frozen=True)
class ExpectationOutcome:
    """How one expectation fared over all dumps of a run."""

    suite: str  # 'entries' or 'dumps'
    expectation: str  # e.g. 'expect_column_values_to_not_be_null'
    column: str | None  # column or comma-joined column list
    success: bool
    unexpected_count: int
    failing_dump_ids: tuple[str, ...]  # which dumps the unexpected rows belong to
    sample: tuple[str, ...]  # up to 5 short human-readable examples, e.g. "003_x#12: title=''"

    @property
    def label(self) -> str:
        """Suite, expectation and column in one name, e.g. 'entries.expect_…(title)'."""
        return f"{self.suite}.{self.expectation}({self.column or ''})"


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of validating the dumps of one run."""

    run_id: str
    outcomes: tuple[ExpectationOutcome, ...]
    dumps_validated: tuple[str, ...]
    data_docs_index: Path | None

    @property
    def success(self) -> bool:
        """True when every expectation of both suites held for every dump."""
        return all(outcome.success for outcome in self.outcomes)

    def failures(self) -> list[ExpectationOutcome]:
        """The expectations that failed, in suite order."""
        return [outcome for outcome in self.outcomes if not outcome.success]

    def failures_for(self, suite: str) -> list[ExpectationOutcome]:
        """The failed expectations of one suite ('entries' or 'dumps')."""
        return [outcome for outcome in self.failures() if outcome.suite == suite]

    def failed_dumps(self) -> dict[str, list[str]]:
        """dump_id -> labels of the expectations it failed (see ExpectationOutcome.label)."""
        failed: dict[str, list[str]] = {}
        for outcome in self.failures():
            for dump_id in outcome.failing_dump_ids:
                failed.setdefault(dump_id, []).append(outcome.label)
        return failed

    def summary(self) -> str:
        """A few lines for logs: the verdict, then each failure with its dumps and samples."""
        checked = len(self.outcomes)
        lines = [
            f"run {self.run_id}: {len(self.dumps_validated)} dump(s), {checked} expectations, "
            + ("all passed" if self.success else f"{len(self.failures())} failed")
        ]
        for outcome in self.failures():
            lines.append(
                f"  FAIL {outcome.label}: {outcome.unexpected_count} unexpected "
                f"in {', '.join(outcome.failing_dump_ids)}"
            )
            lines.extend(f"      {example}" for example in outcome.sample)
        return "\n".join(lines)


@dataclass
class _DumpFailures:
    """Unexpected rows of one expectation within one dump (for raw.validation_results)."""

    count: int = 0
    sample: list[str] = field(default_factory=list)


def validation_frames(
    con: duckdb.DuckDBPyConnection, dump_ids: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(entries_frame, dumps_frame) for those of `dump_ids` whose status is 'loaded'."""
    ids = list(dict.fromkeys(dump_ids))
    return _entries_frame(con, ids), _dumps_frame(con, ids)


def _entries_frame(
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


def _dumps_frame(con: duckdb.DuckDBPyConnection, ids: list[str]) -> pd.DataFrame:
    return _with_python_dates(con.execute(_DUMPS_SQL, [ids]).df())


def _with_python_dates(frame: pd.DataFrame) -> pd.DataFrame:
    for column in _DATE_COLUMNS:
        if column in frame.columns:
            frame[column] = _python_dates(frame[column])
    return frame


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
        if column in _columns(kwargs) and (
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
    outcomes as in one pass.

    Ids of dumps that are in raw.dumps but not loaded are skipped (a rejected file has nothing
    to validate); ids not in raw.dumps at all raise ValueError, as that is a caller's mistake.
    """
    ids = list(dict.fromkeys(dump_ids))
    if not ids:
        # No GX start-up for a run that landed nothing.
        return ValidationReport(run_id, (), (), None)

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

    dumps = _dumps_frame(con, ids)
    validated = tuple(str(dump_id) for dump_id in dumps["dump_id"])
    if not validated:
        return ValidationReport(run_id, (), (), None)

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
    partials: dict[str, list[list[_Partial]]] = {name: [] for name in SUITES}
    gx_run = _GreatExpectations(suites, run_id=run_id, data_docs_dir=data_docs_dir)
    for number, chunk in enumerate(chunks, start=1):
        entries = _entries_frame(con, chunk, (chunk[0], chunk[-1]), short_abstract=short_abstract)
        asset = ENTRIES_SUITE
        if len(chunks) > 1:
            asset = _chunk_asset(number, len(chunks))
            log.info("%s: %d rows of dumps %s … %s", asset, len(entries), chunk[0], chunk[-1])
        results = gx_run.validate(ENTRIES_SUITE, entries, asset)
        partials[ENTRIES_SUITE].append([_partial(ENTRIES_SUITE, r) for r in results])
        del entries, results
    results = gx_run.validate(DUMPS_SUITE, dumps, DUMPS_SUITE)
    partials[DUMPS_SUITE].append([_partial(DUMPS_SUITE, r) for r in results])
    del results
    gx_run.finish()

    outcomes: list[ExpectationOutcome] = []
    per_dump: list[dict[str, _DumpFailures]] = []
    for suite_name in SUITES:
        # The same expectation, in suite order, in every chunk: zip them across chunks.
        for same_expectation in zip(*partials[suite_name], strict=True):
            outcome, failures = _combine(suite_name, same_expectation, validated)
            outcomes.append(outcome)
            per_dump.append(failures)

    _write_results(con, run_id, validated, outcomes, per_dump)

    index = None
    if data_docs_dir is not None and (Path(data_docs_dir) / "index.html").exists():
        index = Path(data_docs_dir) / "index.html"
    report = ValidationReport(run_id, tuple(outcomes), validated, index)
    log.info("%s", report.summary())
    return report


def load_suite_json(path: Path) -> dict[str, Any]:
    """Read a suite file (GX 1.x ExpectationSuite JSON) and check it names its own file."""
    with path.open(encoding="utf-8") as f:
        suite: dict[str, Any] = json.load(f)
    if suite.get("name") != path.stem:
        raise ValueError(f"{path} holds suite {suite.get('name')!r}, expected {path.stem!r}")
    return suite


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
            _point_data_docs_at(self.context, Path(data_docs_dir))
        self.run_id = gx.RunIdentifier(run_name=run_id, run_time=datetime.now(UTC))
        # Both ends of "today" (local and UTC) count: a capture date is not in the future if it
        # is today somewhere this machine could be.
        self.parameters = {"today": max(date.today(), datetime.now(UTC).date())}
        self.source = self.context.data_sources.add_pandas("landed")
        self.suites = {
            name: self.context.suites.add(gx.ExpectationSuite(**_with_rendered_notes(suite)))
            for name, suite in suites.items()
        }

    def validate(self, suite_name: str, frame: pd.DataFrame, asset: str) -> list[Any]:
        """The suite's expectation results over the frame, in the suite's order."""
        gx = self.gx
        suite = self.suites[suite_name]
        batch = self.source.add_dataframe_asset(asset).add_batch_definition_whole_dataframe("all")
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
        self._release_batches()
        # GX does not keep the suite's order in its results; the report does.
        order = {expectation.id: i for i, expectation in enumerate(suite.expectations)}
        return sorted(run.results, key=lambda r: order.get(r.expectation_config.id, len(order)))

    def _release_batches(self) -> None:
        """Drop the frame and metrics of the batch just validated: GX's execution engine keeps
        every batch it loaded, and the metrics computed on it, for as long as the context
        lives (the context is a global of GX, so beyond this call too)."""
        engine = self.source.get_execution_engine()
        engine.batch_manager.batch_data_cache.clear()
        engine.batch_manager.reset_batch_cache()
        metrics = getattr(engine, "_metric_cache", None)
        if isinstance(metrics, dict):
            metrics.clear()

    def finish(self) -> None:
        """Build the Data Docs (when asked for) and log where the time went."""
        validated = time.perf_counter()
        if self.data_docs_dir is not None:
            self.context.build_data_docs(site_names=["local_site"])
        log.info(
            "great_expectations: import %.2fs, validation %.2fs, data docs %.2fs",
            self.import_seconds,
            validated - self.imported,
            time.perf_counter() - validated,
        )


def _point_data_docs_at(context: Any, folder: Path) -> None:
    """Make the context's only Data Docs site a local folder (not its own temp dir)."""
    # An ephemeral context comes with a 'local_site' under a fresh /tmp path; building it as
    # well would leave a stray copy of the docs there, so it is replaced rather than added to.
    for name in list(context.list_data_docs_sites()):
        context.delete_data_docs_site(name)
    folder.mkdir(parents=True, exist_ok=True)
    context.add_data_docs_site(
        "local_site",
        {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(folder.resolve()),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )


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


@dataclass(frozen=True)
class _Partial:
    """One expectation's result over one frame, reduced to what the report needs."""

    expectation: str
    columns: tuple[str, ...]
    success: bool
    unexpected_count: int
    failures: dict[str, _DumpFailures]  # dump_id -> its unexpected rows in this frame
    error: str | None  # failed without rows to pin it on a dump (an error in the expectation)


def _partial(suite: str, result: Any) -> _Partial:
    """Summarise one GX expectation result and split its unexpected rows by dump."""
    config = result.expectation_config
    columns = _columns(config.kwargs)
    details: dict[str, Any] = result.result or {}
    rows = details.get("unexpected_index_list")
    failures: dict[str, _DumpFailures] = {}
    error = None
    if result.success:
        pass
    elif rows:
        for row in rows:
            dump_id = str(row.get("dump_id"))
            failure = failures.setdefault(dump_id, _DumpFailures())
            failure.count += 1
            if len(failure.sample) < MAX_SAMPLES:
                failure.sample.append(_describe_row(suite, row, columns))
    else:
        error = _exception_message(result.exception_info) or "failed without unexpected rows"
    return _Partial(
        expectation=str(config.type),
        columns=tuple(columns),
        success=bool(result.success),
        unexpected_count=int(details.get("unexpected_count") or 0),
        failures=failures,
        error=error,
    )


def _combine(
    suite: str, partials: Sequence[_Partial], dump_ids: Sequence[str]
) -> tuple[ExpectationOutcome, dict[str, _DumpFailures]]:
    """One expectation's outcome over all dumps from its results over chunks of whole dumps."""
    first = partials[0]
    if any((p.expectation, p.columns) != (first.expectation, first.columns) for p in partials):
        raise RuntimeError(f"chunks of the {suite} suite disagree on its expectations' order")
    unexpected_count = sum(p.unexpected_count for p in partials)
    errors = [p.error for p in partials if p.error is not None]
    failures: dict[str, _DumpFailures] = {}
    if errors:
        # An error in the expectation (or a result without row indices) cannot be pinned on
        # a dump, so it counts against every dump of the run rather than none.
        for dump_id in dump_ids:
            failures[dump_id] = _DumpFailures(unexpected_count, [f"error: {errors[0]}"])
    else:
        for partial in partials:
            for dump_id, found in partial.failures.items():
                failure = failures.setdefault(dump_id, _DumpFailures())
                failure.count += found.count
                failure.sample.extend(found.sample[: MAX_SAMPLES - len(failure.sample)])

    failing = tuple(dump_id for dump_id in dump_ids if dump_id in failures)
    failing += tuple(sorted(set(failures) - set(dump_ids)))
    sample: list[str] = []
    for dump_id in failing:
        sample.extend(failures[dump_id].sample)
    outcome = ExpectationOutcome(
        suite=suite,
        expectation=first.expectation,
        column=",".join(first.columns) or None,
        success=all(p.success for p in partials),
        unexpected_count=unexpected_count,
        failing_dump_ids=failing,
        sample=tuple(dict.fromkeys(sample))[:MAX_SAMPLES],
    )
    return outcome, failures


def _write_results(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    dump_ids: Sequence[str],
    outcomes: Sequence[ExpectationOutcome],
    per_dump: Sequence[Mapping[str, _DumpFailures]],
) -> None:
    """One raw.validation_results row per expectation per dump, in one bound insert."""
    rows = [
        (
            outcome.suite,
            dump_id,
            outcome.expectation,
            outcome.column,
            dump_id not in failures,
            failures[dump_id].count if dump_id in failures else 0,
            json.dumps({"sample": failures[dump_id].sample}) if dump_id in failures else None,
        )
        for outcome, failures in zip(outcomes, per_dump, strict=True)
        for dump_id in dump_ids
    ]
    # Column-wise lists, unnested side by side by DuckDB: one statement, all values bound.
    by_column = [list(values) for values in zip(*rows, strict=True)] if rows else [[]] * 7
    validated_at = datetime.now(UTC).replace(tzinfo=None)  # the column holds naive UTC
    # Delete-then-insert in one transaction: a retried step (same run id) replaces its rows
    # instead of doubling them.
    con.execute("begin transaction")
    try:
        con.execute(
            "delete from raw.validation_results "
            "where run_id = ? and dump_id in (select unnest(?::varchar[]))",
            [run_id, list(dump_ids)],
        )
        con.execute(
            _INSERT_RESULTS_SQL,
            [run_id, validated_at, *by_column],
        )
    except BaseException:
        con.execute("rollback")
        raise
    con.execute("commit")


def _columns(kwargs: Mapping[str, Any]) -> list[str]:
    """The column(s) an expectation reads, in the order its kwargs name them."""
    if kwargs.get("column"):
        return [str(kwargs["column"])]
    if kwargs.get("column_list"):
        return [str(c) for c in kwargs["column_list"]]
    return [str(kwargs[key]) for key in ("column_A", "column_B") if kwargs.get(key)]


def _describe_row(suite: str, row: Mapping[str, Any], columns: Sequence[str]) -> str:
    """'003_x#12: title=''' for an entry, '003_x: entries_parsed=3, …' for a dump."""
    where = str(row.get("dump_id"))
    if suite == ENTRIES_SUITE:
        where += f"#{_plain(row.get('position'))}"
    # dump_id is already in the prefix; it is shown only if it is all the expectation reads.
    shown = [c for c in columns if c != "dump_id"] or list(columns)
    values = ", ".join(f"{c}={_plain(row.get(c), quote=True)}" for c in shown)
    return f"{where}: {values}"


def _plain(value: Any, *, quote: bool = False) -> str:
    """A value as a short readable string: null, 2024-06-01, 3, 'Some title…'."""
    if value is None or (isinstance(value, float) and value != value):
        return "null"
    if _is_missing(value):
        return "null"
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, str):
        text = value if len(value) <= _MAX_VALUE_CHARS else value[: _MAX_VALUE_CHARS - 1] + "…"
        return repr(text) if quote else text
    return str(value)


def _is_missing(value: Any) -> bool:
    """True for pandas' NA and NaT without importing pandas."""
    try:
        return bool(value != value)
    except (TypeError, ValueError):
        # pd.NA refuses bool(); nothing else we meet here does.
        return type(value).__name__ == "NAType"


def _exception_message(info: Any) -> str | None:
    """The first exception message in a GX exception_info (flat or keyed by metric)."""
    if not isinstance(info, Mapping):
        return None
    if info.get("exception_message"):
        return str(info["exception_message"])[:200]
    for value in info.values():
        message = _exception_message(value)
        if message:
            return message
    return None


def _python_dates(values: Iterable[Any]) -> list[date | None]:
    """Timestamps/NaT from DuckDB's .df() as datetime.date/None (see _DATE_COLUMNS)."""
    return [
        None
        if value is None or _is_missing(value)
        else value.date()
        if isinstance(value, datetime)
        else value
        for value in values
    ]
