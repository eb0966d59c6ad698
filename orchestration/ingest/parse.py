"""From dump files to the rows the raw schema holds: dumps, entries, links and rejects.

Each file is screened (screening.py), recognised from its content (page_kinds.py) and sent
down the text path (every text dump at once, text_batch.py) or the page path (HTML and API
JSON, page_batch.py). Both give entries in the same columns; this module then cleans the
text, gives each entry its identity and links, and turns every entry that cannot be loaded
into a reject with its reason, so that for each dump entries parsed = loaded + rejected.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

import polars as pl

from . import links
from .discovery import DumpFile
from .frames import replace_where
from .identity import with_identity
from .limits import Limits
from .page_batch import page_path
from .page_kinds import detect_kind
from .page_parse import ZERO_WIDTH
from .screening import Screened, screen
from .text_batch import NOT_A_DUMP, text_path

# Bump when parsing changes what lands: every dump parsed by an older version is reloaded.
PARSER_VERSION = "2.1.0"

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
    "page_type": pl.String,
    "data_source": pl.String,
    "date_selector": pl.String,
    "list_date": pl.Date,
    "list_date_rule": pl.String,
    "search_query": pl.String,
    "capture_year": pl.Int32,
    "captured_on": pl.Date,
    "capture_rule": pl.String,
    "max_printed_year": pl.Int32,
    "problems": pl.String,
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
    "arxiv_id": pl.String,
    "authors_count": pl.Int32,
    "author_names": pl.List(pl.String),
    "organisation": pl.String,
    "organisation_handle": pl.String,
    "submitter": pl.String,
    "published_on": pl.Date,
    "published_on_text": pl.String,
    "published_year_rule": pl.String,
    "listed_on": pl.Date,
    "comments_count": pl.Int32,
    "upvotes": pl.Int32,
    "github_repo": pl.String,
    "github_stars": pl.Int32,
    "project_page": pl.String,
    "ai_keywords": pl.List(pl.String),
    "ai_summary": pl.String,
    "daily_rank": pl.Int32,
    "has_metadata": pl.Boolean,
}
REJECTS_SCHEMA = {
    "dump_id": pl.String,
    "file_name": pl.String,
    "position": pl.Int32,
    "reason": pl.String,
    "raw_text": pl.String,
}
LINKS_SCHEMA = {**links.LINKS_SCHEMA, "link_source": pl.String}


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


# Whitespace as str.split() knows it, spelled out: the regex engine's Unicode \s is slow.
_SPACE = "\t\n\r\f\v\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"


def clean_text(expr: pl.Expr) -> pl.Expr:
    """Text as stored: Unicode NFC, zero-width characters removed, whitespace collapsed.

    NFC runs in Python on the non-ASCII values only (Polars' normalize costs ~20 MB/s on
    everything, and ASCII is NFC already).
    """
    ascii_only = expr.str.len_bytes() == expr.str.len_chars()
    nfc = (
        pl.when(ascii_only)
        .then(expr)
        .otherwise(expr.map_elements(_nfc, return_dtype=pl.String, skip_nulls=True))
    )
    return (
        nfc.str.replace_all(ZERO_WIDTH, "")
        .str.replace_all(f"[ {_SPACE}]{{2,}}|[{_SPACE}]", " ")
        .str.strip_chars()
    )


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _may_need_cleaning(column: str) -> pl.Expr:
    """The values clean_text may change (a superset): any with a non-ASCII character, an
    ASCII whitespace other than a space, two spaces in a row, or a space at either end.
    Separate searches: a regex with both alternatives is several times slower."""
    value = pl.col(column)
    return (
        (value.str.len_bytes() != value.str.len_chars())
        | value.str.contains("[\t\n\v\f\r]")
        | value.str.contains("  ", literal=True)
        | value.str.starts_with(" ")
        | value.str.ends_with(" ")
    )


def clean_columns(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """clean_text applied to `columns`, on the values it may change only: most of them are
    plain ASCII with single spaces, which it leaves as they are."""
    for column in columns:
        frame = replace_where(frame, _may_need_cleaning(column), column, clean_text(pl.col(column)))
    return frame


def _reject_reason(source_format: pl.Expr) -> pl.Expr:
    """Why an entry cannot load, or null: what the path knew first, then the common checks."""
    first_position = pl.col("position").min().over("dump_id", "paper_id")
    return (
        pl.when(pl.col("pre_reject").is_not_null())
        .then(pl.col("pre_reject"))
        .when(pl.col("title").fill_null("") == "")
        .then(pl.lit("empty title"))
        # Text cards always print the summary; compact HTML cards never do.
        .when(pl.col("abstract").is_null() & (source_format == "text"))
        .then(pl.lit("incomplete entry: a title with no abstract after it (dump cut off?)"))
        .when(pl.col("position") > first_position)
        .then(pl.format("duplicate in dump: same title as position {}", first_position))
    )


def _page_links(entries: pl.DataFrame, first_order: pl.DataFrame) -> pl.DataFrame:
    """The repository and project page a page names, canonicalised, numbered after the
    abstract's links of the same entry."""
    named = (
        entries.select("dump_id", "position", "paper_id", "github_repo", "project_page")
        .unpivot(index=["dump_id", "position", "paper_id"], value_name="url_raw")
        .drop_nulls("url_raw")
        .sort("dump_id", "position", "variable", descending=[False, False, True])
    )
    canonical = {u: links.canonical_link(u) for u in named["url_raw"].unique().to_list()}
    rows = [
        {
            "dump_id": r["dump_id"],
            "position": r["position"],
            "paper_id": r["paper_id"],
            "url_raw": r["url_raw"],
            "url": link.url,
            "host": link.host,
            "owner": link.owner,
            "name": link.name,
            "link_kind": link.link_kind,
        }
        for r in named.iter_rows(named=True)
        if (link := canonical[r["url_raw"]]) is not None
    ]
    frame = pl.DataFrame(
        rows,
        schema={k: v for k, v in LINKS_SCHEMA.items() if k not in ("link_order", "link_source")},
    )
    return (
        frame.join(first_order, on=["dump_id", "position"], how="left")
        .with_columns(
            link_order=(
                pl.col("after").fill_null(0)
                + pl.int_range(1, pl.len() + 1).over("dump_id", "position")
            ).cast(pl.Int32),
            link_source=pl.lit("page"),
        )
        .select(list(LINKS_SCHEMA))
    )


def _links(entries: pl.DataFrame) -> pl.DataFrame:
    """Every URL in an abstract (link_source 'abstract'), then the page's own links ('page')."""
    in_abstracts = links.links_frame(
        entries.select("dump_id", "position", "paper_id", "abstract")
    ).with_columns(link_source=pl.lit("abstract"))
    after = in_abstracts.group_by("dump_id", "position").agg(after=pl.col("link_order").max())
    return pl.concat([in_abstracts.select(list(LINKS_SCHEMA)), _page_links(entries, after)])


def _kind(s: Screened) -> str:
    return detect_kind(s.text) if s.text is not None else "unreadable"


def parse_dumps(
    files: list[DumpFile],
    capture_year_overrides: Mapping[str, int] | None = None,
    limits: Limits | None = None,
    landed_shas: Mapping[str, str] | None = None,
) -> ParsedBatch:
    """Parse a batch of dump files into raw-table frames.

    `landed_shas` (sha256 -> file name of dumps already loaded) lets a batch recognise the
    same dump saved again under another name.
    """
    limits = limits or Limits.from_env()
    screened = screen(files, limits, landed_shas)
    kinds = {s.file.dump_id: _kind(s) for s in screened}
    texts = [s for s in screened if kinds[s.file.dump_id] in ("text", "unknown")]
    pages = [
        s for s in screened if kinds[s.file.dump_id] in ("html_list", "html_paper", "api_json")
    ]

    text_entries, text_facts, text_rejects = text_path(
        texts, capture_year_overrides or {}, limits.max_line_chars
    )
    page_entries, page_facts, page_rejects = page_path(pages, kinds, limits.max_parse_seconds)
    facts = {row["dump_id"]: row for row in text_facts + page_facts}
    for s in screened:
        if s.reject_reason:
            facts[s.file.dump_id] = {"dump_id": s.file.dump_id, "file_reject": s.reject_reason}
        elif kinds[s.file.dump_id] == "unknown":
            facts[s.file.dump_id] = {**facts[s.file.dump_id], "file_reject": NOT_A_DUMP}

    source = pl.DataFrame(
        {"dump_id": list(facts), "source_format": [f.get("source_format") for f in facts.values()]},
        schema={"dump_id": pl.String, "source_format": pl.String},
    )
    entry_columns = {**ENTRIES_SCHEMA, "pre_reject": pl.String}
    del entry_columns["paper_id"], entry_columns["title_key"]
    parts = [
        frame.select(
            [pl.col(c) if c in frame.columns else pl.lit(None).alias(c) for c in entry_columns]
        ).cast(entry_columns)
        for frame in (text_entries, page_entries)
        if frame.height
    ]
    entries = pl.concat(parts) if parts else pl.DataFrame(schema=entry_columns)
    entries = with_identity(
        entries.filter(
            ~pl.col("dump_id").is_in([d for d, f in facts.items() if f.get("file_reject")])
        )
        .pipe(clean_columns, "title", "abstract")
        .join(source, on="dump_id", how="left", maintain_order="left")
    )
    entries = entries.with_columns(reject_reason=_reject_reason(pl.col("source_format")))
    loaded = entries.filter(pl.col("reject_reason").is_null()).select(list(ENTRIES_SCHEMA))

    names = {f.dump_id: f.file_name for f in files}
    raw_text = (
        pl.concat_str(
            [
                pl.col("title").fill_null(""),
                pl.col("abstract").fill_null(""),
                pl.col("published_on_text").fill_null(""),
            ],
            separator="\n",
        )
        .str.strip_chars()
        .str.slice(0, 2000)
    )
    entry_rejects = entries.filter(pl.col("reject_reason").is_not_null()).select(
        "dump_id", "position", reason="reject_reason", raw_text=raw_text
    )
    reject_parts = [
        r.select("dump_id", "position", "reason", "raw_text").cast(
            {"position": pl.Int32, "reason": pl.String, "raw_text": pl.String}
        )
        for r in (entry_rejects, text_rejects, page_rejects)
        if r.height
    ]
    whole_files = pl.DataFrame(
        {
            "dump_id": [d for d, f in facts.items() if f.get("file_reject")],
            "reason": [f["file_reject"] for f in facts.values() if f.get("file_reject")],
        },
        schema={"dump_id": pl.String, "reason": pl.String},
    ).with_columns(position=pl.lit(None, pl.Int32), raw_text=pl.lit(None, pl.String))
    rejects = pl.concat(
        [*reject_parts, whole_files.select("dump_id", "position", "reason", "raw_text")]
    )
    rejects = rejects.with_columns(
        file_name=pl.col("dump_id").replace_strict(names, default=None)
    ).select(list(REJECTS_SCHEMA))
    return ParsedBatch(
        dumps=_audit(files, facts, entries, rejects),
        entries=loaded,
        links=_links(loaded),
        rejects=rejects,
    )


def _audit(
    files: list[DumpFile], facts: dict, entries: pl.DataFrame, rejects: pl.DataFrame
) -> pl.DataFrame:
    """The load-audit rows: one per file, loaded or rejected whole. Entries the page parsers
    dropped before they were entries (a card with no title) count as parsed and rejected."""
    loaded = dict(
        entries.filter(pl.col("reject_reason").is_null()).group_by("dump_id").len().iter_rows()
    )
    rejected = dict(
        rejects.filter(pl.col("position").is_not_null()).group_by("dump_id").len().iter_rows()
    )
    rows = []
    for f in files:
        fact = facts[f.dump_id]
        n_loaded, n_rejected = loaded.get(f.dump_id, 0), rejected.get(f.dump_id, 0)
        reason = fact.get("file_reject")
        if reason is None and n_loaded + n_rejected == 0:
            reason = "no entries found in the page"
        rows.append(
            {
                **{k: v for k, v in fact.items() if k in DUMPS_SCHEMA},
                "dump_id": f.dump_id,
                "file_name": f.file_name,
                "sha256": f.sha256,
                "size_bytes": f.size_bytes,
                "modified_at": f.modified_at,
                "status": "rejected" if reason else "loaded",
                "reject_reason": reason,
                "layout": None if reason else fact.get("layout"),
                "entries_parsed": n_loaded + n_rejected,
                "entries_loaded": n_loaded,
                "entries_rejected": n_rejected,
                "parser_version": PARSER_VERSION,
            }
        )
    return pl.DataFrame(rows, schema=DUMPS_SCHEMA)
