"""What validation reports: each expectation's outcome over all dumps of a call
(`ExpectationOutcome`, `ValidationReport`), combined from its results over chunks of whole
dumps, traced back to the dumps its unexpected rows belong to, written to
raw.validation_results one row per expectation per dump; and the Data Docs site."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .suites import ENTRIES_SUITE, expectation_columns

if TYPE_CHECKING:
    import duckdb

MAX_SAMPLES = 5
MAX_VALUE_CHARS = 40

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
    # The expectation errored rather than found rows: not pinned on a dump, it counts
    # against every dump of the run, and the run stops instead of quarantining them all.
    error: str | None = None

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
class DumpFailures:
    """Unexpected rows of one expectation within one dump (for raw.validation_results)."""

    count: int = 0
    sample: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PartialResult:
    """One expectation's result over one frame, reduced to what the report needs."""

    expectation: str
    columns: tuple[str, ...]
    success: bool
    unexpected_count: int
    failures: dict[str, DumpFailures]  # dump_id -> its unexpected rows in this frame
    error: str | None  # failed without rows to pin it on a dump (an error in the expectation)


def partial_result(suite: str, result: Any) -> PartialResult:
    """Summarise one GX expectation result and split its unexpected rows by dump."""
    config = result.expectation_config
    columns = expectation_columns(config.kwargs)
    details: dict[str, Any] = result.result or {}
    rows = details.get("unexpected_index_list")
    failures: dict[str, DumpFailures] = {}
    error = None
    if result.success:
        pass
    elif rows:
        for row in rows:
            dump_id = str(row.get("dump_id"))
            failure = failures.setdefault(dump_id, DumpFailures())
            failure.count += 1
            if len(failure.sample) < MAX_SAMPLES:
                failure.sample.append(_describe_row(suite, row, columns))
    else:
        error = _exception_message(result.exception_info) or "failed without unexpected rows"
    return PartialResult(
        expectation=str(config.type),
        columns=tuple(columns),
        success=bool(result.success),
        unexpected_count=int(details.get("unexpected_count") or 0),
        failures=failures,
        error=error,
    )


def combine_partials(
    suite: str, partials: Sequence[PartialResult], dump_ids: Sequence[str]
) -> tuple[ExpectationOutcome, dict[str, DumpFailures]]:
    """One expectation's outcome over all dumps from its results over chunks of whole dumps."""
    first = partials[0]
    if any((p.expectation, p.columns) != (first.expectation, first.columns) for p in partials):
        raise RuntimeError(f"chunks of the {suite} suite disagree on its expectations' order")
    unexpected_count = sum(p.unexpected_count for p in partials)
    errors = [p.error for p in partials if p.error is not None]
    failures: dict[str, DumpFailures] = {}
    if errors:
        # An error in the expectation (or a result without row indices) cannot be pinned on
        # a dump, so it counts against every dump of the run rather than none.
        for dump_id in dump_ids:
            failures[dump_id] = DumpFailures(unexpected_count, [f"error: {errors[0]}"])
    else:
        for partial in partials:
            for dump_id, found in partial.failures.items():
                failure = failures.setdefault(dump_id, DumpFailures())
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
        error=errors[0] if errors else None,
    )
    return outcome, failures


def write_results(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    dump_ids: Sequence[str],
    outcomes: Sequence[ExpectationOutcome],
    per_dump: Sequence[Mapping[str, DumpFailures]],
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
    if is_missing(value):
        return "null"
    if isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, str):
        text = value if len(value) <= MAX_VALUE_CHARS else value[: MAX_VALUE_CHARS - 1] + "…"
        return repr(text) if quote else text
    return str(value)


def is_missing(value: Any) -> bool:
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


def point_data_docs_at(context: Any, folder: Path) -> None:
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
