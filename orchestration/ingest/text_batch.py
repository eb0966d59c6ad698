"""The text path of a batch: every text dump parsed at once (text_dump.py), then what needs
each dump's own metadata — the capture year and the yearless dates — resolved."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from . import dates
from .screening import Screened
from .text_dump import parse_text_dumps

NOT_A_DUMP = "not a Hugging Face papers page: no papers-page header, HTML or API JSON found"


def _captures(
    screened: list[Screened], facts: pl.DataFrame, overrides: Mapping[str, int]
) -> dict[str, dates.Capture]:
    """Per dump, the Capture that decides its year (one call per dump, not per line)."""
    by_id = {row["dump_id"]: row for row in facts.iter_rows(named=True)}
    result = {}
    for s in screened:
        f, row = s.file, by_id[s.file.dump_id]
        selector = (row["selector_month"], row["selector_day"]) if row["selector_month"] else None
        result[f.dump_id] = dates.resolve_capture(
            selector,
            modified_on=f.modified_at.date(),
            max_printed_year=row["max_printed_year"],
            sidecar_captured_on=f.sidecar_captured_on,
            sidecar_year=f.sidecar_capture_year,
            override_year=overrides.get(f.file_name, overrides.get(f.dump_id)),
        )
    return result


def _date(year: pl.Expr, month: pl.Expr, day: pl.Expr) -> pl.Expr:
    """A date from parts, null (not an error) for an impossible one such as Feb 30."""
    parts = [e.cast(pl.String).str.zfill(w) for e, w in ((year, 4), (month, 2), (day, 2))]
    return pl.concat_str(parts, separator="-").str.to_date("%Y-%m-%d", strict=False)


def _published_on(entries: pl.DataFrame, captures: Mapping[str, dates.Capture]) -> pl.DataFrame:
    """Resolve each entry's publication date; a printed year is taken as printed, a missing
    one is the capture year, or the year before when that would be after the capture."""
    capture_frame = pl.DataFrame(
        {
            "dump_id": list(captures),
            "capture_year": [c.year for c in captures.values()],
            "captured_on": [c.captured_on for c in captures.values()],
        },
        schema={"dump_id": pl.String, "capture_year": pl.Int32, "captured_on": pl.Date},
    )
    e = entries.join(capture_frame, on="dump_id", how="left", maintain_order="left")
    month, day = pl.col("published_month"), pl.col("published_day")
    printed = pl.col("published_year").is_not_null()
    yearless = pl.col("published_year").is_null() & month.is_not_null()
    capture_year = pl.col("capture_year")
    after_capture = (_date(capture_year, month, day) > pl.col("captured_on")).fill_null(False)
    year = (
        pl.when(printed)
        .then(pl.col("published_year"))
        .when(yearless & after_capture)
        .then(capture_year - 1)
        .when(yearless)
        .then(capture_year)
    )
    return e.with_columns(
        published_on=_date(year, month, day),
        published_year_rule=pl.when(printed)
        .then(pl.lit("printed"))
        .when(yearless & after_capture)
        .then(pl.lit("year_before_capture"))
        .when(yearless & capture_year.is_not_null())
        .then(pl.lit("capture_year")),
    )


def _texts(screened: list[Screened]) -> pl.Series:
    """The screened texts as one column, from the file's bytes where they are the text: Polars
    only checks that they are UTF-8, where a non-ASCII str has to be encoded back to UTF-8
    first (~3x the cost). The decoded str elsewhere."""
    as_bytes = [s.file.data if s.verbatim else None for s in screened]
    as_str = [None if s.verbatim else s.text for s in screened]
    return (
        pl.Series(as_bytes, dtype=pl.Binary)
        .cast(pl.String)
        .fill_null(pl.Series(as_str, dtype=pl.String))
    )


def text_path(
    screened: list[Screened], overrides: Mapping[str, int], max_line_chars: int
) -> tuple[pl.DataFrame, list[dict], pl.DataFrame]:
    """(entries, dump facts, orphan rejects) for the batch's text dumps.

    Entries carry `pre_reject`, the reason this path already knows an entry cannot load.
    """
    docs = pl.DataFrame(
        {"dump_id": [s.file.dump_id for s in screened], "text": _texts(screened)},
        schema={"dump_id": pl.String, "text": pl.String},
    )
    parsed, facts, orphans = parse_text_dumps(docs, max_line_chars)
    captures = _captures(screened, facts, overrides)
    not_dumps = set(facts.filter(~pl.col("is_dump"))["dump_id"].to_list())
    layouts = dict(zip(facts["dump_id"].to_list(), facts["layout"].to_list(), strict=True))
    entries = _published_on(parsed.filter(~pl.col("dump_id").is_in(list(not_dumps))), captures)
    last = pl.col("position") == pl.col("position").max().over("dump_id")
    with_metadata = pl.col("dump_id").replace_strict(layouts, default=None) == "with_metadata"
    entries = entries.with_columns(
        pre_reject=pl.when(pl.col("over_long"))
        .then(pl.lit("a line of this entry is over the line-length limit (PAPERS_MAX_LINE_CHARS)"))
        .when(pl.col("published_month").is_not_null() & pl.col("published_on").is_null())
        .then(pl.format("impossible date '{}'", pl.col("published_on_text")))
        .when(pl.col("has_metadata") & pl.col("published_on_text").is_null() & with_metadata)
        .then(pl.lit("incomplete entry: a metadata block without its date line (dump cut off?)"))
        .when(last & with_metadata & ~pl.col("has_metadata") & pl.col("abstract").is_not_null())
        .then(pl.lit("incomplete entry: no metadata after the last abstract (dump cut off?)")),
    ).drop("published_month", "published_day", "published_year", "over_long", "capture_year")
    facts_rows = []
    for row in facts.iter_rows(named=True):
        capture = captures[row["dump_id"]]
        facts_rows.append(
            {
                "dump_id": row["dump_id"],
                "source_format": "text",
                "layout": row["layout"],
                "date_selector": row["date_selector"],
                "capture_year": capture.year,
                "captured_on": capture.captured_on,
                "capture_rule": capture.rule,
                "max_printed_year": row["max_printed_year"],
                "file_reject": NOT_A_DUMP if row["dump_id"] in not_dumps else None,
            }
        )
    orphan_rejects = orphans.filter(~pl.col("dump_id").is_in(list(not_dumps))).select(
        "dump_id",
        position=pl.lit(None, pl.Int32),
        reason=pl.lit("metadata block with no title before it"),
        raw_text="raw_text",
    )
    return entries.drop("captured_on"), facts_rows, orphan_rejects
