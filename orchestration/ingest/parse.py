"""From dump files to the rows the raw schema holds: dumps, entries, links and rejects.

The text parser (text_dump.py) reads every dump of the batch at once; this module adds what
needs the dump's own metadata (capture year, yearless dates), identity, links, and turns
every entry that cannot be loaded into a reject with its reason, so that for each dump
entries parsed = loaded + rejected.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import polars as pl

from . import dates, links
from .discovery import DumpFile, decode_text
from .identity import with_identity
from .text_dump import PARSER_VERSION, parse_text_dumps

_ZERO_WIDTH = "[\u200b\u200c\u200d\u2060\ufeff\u00ad]"

DUMPS_SCHEMA = {
    "dump_id": pl.String,
    "file_name": pl.String,
    "sha256": pl.String,
    "size_bytes": pl.Int64,
    "modified_at": pl.Datetime("us"),
    "status": pl.String,
    "reject_reason": pl.String,
    "source_format": pl.String,
    "layout": pl.String,
    "date_selector": pl.String,
    "capture_year": pl.Int32,
    "captured_on": pl.Date,
    "capture_rule": pl.String,
    "max_printed_year": pl.Int32,
    "entries_parsed": pl.Int32,
    "entries_loaded": pl.Int32,
    "entries_rejected": pl.Int32,
    "parser_version": pl.String,
}
ENTRIES_SCHEMA = {
    "dump_id": pl.String,
    "position": pl.Int32,
    "paper_id": pl.String,
    "title_key": pl.String,
    "title": pl.String,
    "abstract": pl.String,
    "authors_count": pl.Int32,
    "organisation": pl.String,
    "published_on": pl.Date,
    "published_on_text": pl.String,
    "published_year_rule": pl.String,
    "comments_count": pl.Int32,
    "has_metadata": pl.Boolean,
}
REJECTS_SCHEMA = {
    "dump_id": pl.String,
    "file_name": pl.String,
    "position": pl.Int32,
    "reason": pl.String,
    "raw_text": pl.String,
}


@dataclass(frozen=True)
class ParsedBatch:
    """Everything parsed from one batch of dump files, shaped like the raw tables."""

    dumps: pl.DataFrame
    entries: pl.DataFrame
    links: pl.DataFrame
    rejects: pl.DataFrame

    @property
    def dump_ids(self) -> list[str]:
        return self.dumps.get_column("dump_id").to_list()

    @classmethod
    def concat(cls, batches: list[ParsedBatch]) -> ParsedBatch:
        """One batch from several (chunks of a large run); an empty batch from none."""
        if not batches:
            return parse_dumps([])
        return cls(
            **{
                name: pl.concat([getattr(b, name) for b in batches])
                for name in ("dumps", "entries", "links", "rejects")
            }
        )


def clean_text(expr: pl.Expr) -> pl.Expr:
    """Text as stored: Unicode NFC, zero-width characters removed, whitespace collapsed."""
    return (
        expr.str.normalize("NFC")
        .str.replace_all(_ZERO_WIDTH, "")
        .str.replace_all(r"\s+", " ")
        .str.strip_chars()
    )


def _captures(files: Iterable[DumpFile], facts: pl.DataFrame, overrides: Mapping[str, int]):
    """Per dump, the Capture that decides its year (Python: one call per dump, not per line)."""
    by_id = {row["dump_id"]: row for row in facts.iter_rows(named=True)}
    result: dict[str, dates.Capture] = {}
    for f in files:
        row = by_id[f.dump_id]
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
    """Resolve each entry's publication date; a printed year is taken as printed."""
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
    printed = _date(pl.col("published_year"), month, day)
    in_capture_year = _date(pl.col("capture_year"), month, day)
    year_before = _date(pl.col("capture_year") - 1, month, day)
    yearless = pl.col("published_year").is_null() & month.is_not_null()
    after_capture = in_capture_year > pl.col("captured_on")
    return e.with_columns(
        published_on=pl.when(pl.col("published_year").is_not_null())
        .then(printed)
        .when(yearless & after_capture.fill_null(False))
        .then(year_before)
        .when(yearless)
        .then(in_capture_year),
        published_year_rule=pl.when(pl.col("published_year").is_not_null())
        .then(pl.lit("printed"))
        .when(yearless & after_capture.fill_null(False))
        .then(pl.lit("year_before_capture"))
        .when(yearless & pl.col("capture_year").is_not_null())
        .then(pl.lit("capture_year")),
    )


def parse_dumps(
    files: list[DumpFile], capture_year_overrides: Mapping[str, int] | None = None
) -> ParsedBatch:
    """Parse a batch of dump files into raw-table frames."""
    overrides = capture_year_overrides or {}
    docs = pl.DataFrame(
        {"dump_id": [f.dump_id for f in files], "text": [decode_text(f.data) for f in files]},
        schema={"dump_id": pl.String, "text": pl.String},
    )
    parsed, facts, orphans = parse_text_dumps(docs)
    not_dumps = set(facts.filter(~pl.col("is_dump")).get_column("dump_id").to_list())
    captures = _captures(files, facts, overrides)

    entries = parsed.filter(~pl.col("dump_id").is_in(list(not_dumps))).with_columns(
        title=clean_text(pl.col("title")), abstract=clean_text(pl.col("abstract"))
    )
    entries = with_identity(_published_on(entries, captures))
    file_names = pl.DataFrame(
        {"dump_id": [f.dump_id for f in files], "file_name": [f.file_name for f in files]},
        schema={"dump_id": pl.String, "file_name": pl.String},
    )
    raw_text = pl.concat_str(
        [
            pl.col("title"),
            pl.col("abstract").fill_null(""),
            pl.col("published_on_text").fill_null(""),
        ],
        separator="\n",
    ).str.strip_chars()
    first_position = pl.col("position").min().over("dump_id", "paper_id")
    reason = (
        pl.when(pl.col("title").fill_null("") == "")
        .then(pl.lit("empty title"))
        .when(pl.col("abstract").is_null())
        .then(pl.lit("incomplete entry: a title with no abstract after it (dump cut off?)"))
        .when(pl.col("published_month").is_not_null() & pl.col("published_on").is_null())
        .then(pl.format("impossible date '{}'", pl.col("published_on_text")))
        .when(pl.col("position") > first_position)
        .then(pl.format("duplicate in dump: same title as position {}", first_position))
    )
    entries = entries.with_columns(reject_reason=reason)
    rejects = (
        entries.filter(pl.col("reject_reason").is_not_null())
        .join(file_names, on="dump_id", how="left")
        .select("dump_id", "file_name", "position", reason="reject_reason", raw_text=raw_text)
    )
    orphan_rejects = (
        orphans.filter(~pl.col("dump_id").is_in(list(not_dumps)))
        .join(file_names, on="dump_id", how="left")
        .select(
            "dump_id",
            "file_name",
            position=pl.lit(None, pl.Int32),
            reason=pl.lit("metadata block with no title before it"),
            raw_text="raw_text",
        )
    )
    loaded = (
        entries.filter(pl.col("reject_reason").is_null())
        .select(list(ENTRIES_SCHEMA))
        .cast(ENTRIES_SCHEMA)
    )

    dumps = _dump_rows(files, facts, captures, loaded, entries, not_dumps)
    whole_file_rejects = dumps.filter(pl.col("status") == "rejected").select(
        "dump_id",
        "file_name",
        position=pl.lit(None, pl.Int32),
        reason="reject_reason",
        raw_text=pl.lit(None, pl.String),
    )
    rejects = pl.concat(
        [r.cast(REJECTS_SCHEMA) for r in (rejects, orphan_rejects, whole_file_rejects)]
    )
    return ParsedBatch(
        dumps=dumps,
        entries=loaded,
        links=links.links_frame(loaded.select("dump_id", "position", "paper_id", "abstract")),
        rejects=rejects,
    )


def _dump_rows(files, facts, captures, loaded, entries, not_dumps) -> pl.DataFrame:
    """The load-audit rows: one per file, loaded or rejected whole."""
    parsed_counts = entries.group_by("dump_id").agg(
        entries_parsed=pl.len(), entries_rejected=pl.col("reject_reason").is_not_null().sum()
    )
    counts = {r["dump_id"]: r for r in parsed_counts.iter_rows(named=True)}
    facts_by_id = {r["dump_id"]: r for r in facts.iter_rows(named=True)}
    rows = []
    for f in files:
        fact, capture = facts_by_id[f.dump_id], captures[f.dump_id]
        count = counts.get(f.dump_id, {"entries_parsed": 0, "entries_rejected": 0})
        reason = None
        if f.dump_id in not_dumps:
            reason = "not a Hugging Face papers dump: no papers-page header found"
        elif count["entries_parsed"] == 0:
            reason = "no entries found in a papers page"
        rows.append(
            {
                "dump_id": f.dump_id,
                "file_name": f.file_name,
                "sha256": f.sha256,
                "size_bytes": f.size_bytes,
                "modified_at": f.modified_at,
                "status": "rejected" if reason else "loaded",
                "reject_reason": reason,
                "source_format": "text",
                "layout": None if reason else fact["layout"],
                "date_selector": fact["date_selector"],
                "capture_year": capture.year,
                "captured_on": capture.captured_on,
                "capture_rule": capture.rule,
                "max_printed_year": fact["max_printed_year"],
                "entries_parsed": count["entries_parsed"],
                "entries_loaded": count["entries_parsed"] - count["entries_rejected"],
                "entries_rejected": count["entries_rejected"],
                "parser_version": PARSER_VERSION,
            }
        )
    return pl.DataFrame(rows, schema=DUMPS_SCHEMA)
