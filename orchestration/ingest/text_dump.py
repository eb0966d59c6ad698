"""Parse the text renderings of Hugging Face papers pages, all dumps at once, with Polars.

Three layouts of the same page, told apart by content:
- ``with_metadata``: blank-line separated title, abstract, then `• N authors` (or an
  organisation), `·` and a date line that may end with the comment count;
- ``title_abstract``: blank-line separated title/abstract pairs (compact cards);
- ``glued``: textContent with no blank lines, the header run into the first title.

Every step is a column expression over the lines of every dump in the batch; no Python loop
runs per line. The output is one row per entry, still without years or identity: those need
the dump's capture metadata (see parse.py).
"""

from __future__ import annotations

import polars as pl

HEADER_PHRASES = (
    "new",
    "Get trending papers in your email inbox!",
    "Get trending papers in your email inbox once a day!",
    "Subscribe",
    "Daily Papers",
    "byAK and the research community",
)
# Phrases only the papers page prints: a text file with none of them is not a dump.
SIGNATURE = r"Get trending papers in your email inbox|byAK and the research community|Daily Papers"
# The header run into the first title, as textContent leaves it (`SubscribeSPARSE Data...`).
GLUED_HEADER = (
    r"^(?:new)?(?:(?:Get trending papers in your email inbox(?: once a day)?!"
    r"|Subscribe|Daily Papers|byAK and the research community)\s*)+"
)
MONTH = r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
DATE_LINE = rf"^{MONTH} (\d{{1,2}})(?:, (\d{{4}}))?(?: (\d+))?$"
AUTHORS_LINE = r"^•\s*(\d+)\s+authors?$"

ENTRY_SCHEMA = {
    "dump_id": pl.String,
    "position": pl.Int32,
    "title": pl.String,
    "abstract": pl.String,
    "has_metadata": pl.Boolean,
    "authors_count": pl.Int32,
    "organisation": pl.String,
    "published_on_text": pl.String,
    "published_month": pl.Int8,
    "published_day": pl.Int8,
    "published_year": pl.Int32,
    "comments_count": pl.Int32,
    "over_long": pl.Boolean,  # a line of the entry was cut at the line-length limit
}
DUMP_SCHEMA = {
    "dump_id": pl.String,
    "is_dump": pl.Boolean,
    "layout": pl.String,
    "date_selector": pl.String,
    "selector_month": pl.Int8,
    "selector_day": pl.Int8,
    "max_printed_year": pl.Int32,
}
_MONTH_NUMBER = {
    m: i
    for i, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}


def _month(expr: pl.Expr) -> pl.Expr:
    return expr.replace_strict(_MONTH_NUMBER, default=None, return_dtype=pl.Int8)


def split_lines(docs: pl.DataFrame, max_line_chars: int = 100_000) -> pl.DataFrame:
    """One row per line: dump_id, line_no (1-based), line (stripped), over_long.

    A line longer than max_line_chars is cut to that length and flagged: the entry it belongs
    to is rejected, and the rest of the dump still loads.
    """
    return (
        docs.lazy()
        .select("dump_id", line=pl.col("text").str.split("\n"))
        .explode("line")
        .with_columns(
            line_no=pl.int_range(1, pl.len() + 1, dtype=pl.Int32).over("dump_id"),
            over_long=pl.col("line").str.len_chars() > max_line_chars,
            line=pl.col("line").str.slice(0, max_line_chars).str.strip_chars(),
        )
        .collect()
    )


def classify_lines(lines: pl.DataFrame) -> pl.DataFrame:
    """Tag each line: blank, header, selector, authors, dot, date, org or text."""
    line = pl.col("line")
    base_kind = (
        pl.when(line == "")
        .then(pl.lit("blank"))
        .when(line.str.contains(AUTHORS_LINE))
        .then(pl.lit("authors"))
        .when(line == "·")
        .then(pl.lit("dot"))
        .when(line.str.contains(DATE_LINE))
        .then(pl.lit("date"))
        .when(line.is_in(HEADER_PHRASES))
        .then(pl.lit("header_phrase"))
        .otherwise(pl.lit("text"))
    )
    tagged = lines.with_columns(kind=base_kind)
    # The header is everything before the first line that is neither blank, a header phrase
    # nor a date: the date there is the page's date selector, not a paper's date.
    first_content = (
        pl.when(~pl.col("kind").is_in(["blank", "header_phrase", "date"]))
        .then(pl.col("line_no"))
        .min()
        .over("dump_id")
    )
    next_kind = pl.col("kind").shift(-1).over("dump_id")
    next_nonblank = (
        pl.when(pl.col("kind") != "blank").then(pl.col("kind")).shift(-1).over("dump_id")
    )
    tagged = tagged.with_columns(
        in_header=pl.col("line_no") < first_content.fill_null(pl.int_range(pl.len()).max() + 2),
        is_first_content=pl.col("line_no") == first_content,
        next_kind=next_kind,
        next_nonblank=next_nonblank,
    )
    return tagged.with_columns(
        kind=pl.when(pl.col("in_header") & (pl.col("kind") == "date"))
        .then(pl.lit("selector"))
        .when(pl.col("in_header") & (pl.col("kind") != "blank"))
        .then(pl.lit("header"))
        # The line before `·` names who wrote it: `• N authors` or an organisation.
        .when((pl.col("kind") == "text") & (pl.col("next_kind") == "dot"))
        .then(pl.lit("org"))
        .otherwise(pl.col("kind")),
        line=pl.when(pl.col("is_first_content"))
        .then(pl.col("line").str.replace(GLUED_HEADER, "").str.strip_chars())
        .otherwise(pl.col("line")),
    ).drop("next_kind", "next_nonblank")


def dump_facts(tagged: pl.DataFrame) -> pl.DataFrame:
    """Per dump: is it a papers page at all, its layout, date selector and latest printed year."""
    content = ~pl.col("in_header") & (pl.col("kind") != "blank")
    line_in_content = pl.when(content).then(pl.col("line_no"))
    first, last = line_in_content.min(), line_in_content.max()
    selector = pl.col("line").filter(pl.col("kind") == "selector").last()
    printed_years = (
        pl.col("line").filter(pl.col("kind") == "date").str.extract(DATE_LINE, 3).cast(pl.Int32)
    )
    facts = tagged.group_by("dump_id", maintain_order=True).agg(
        is_dump=pl.col("line").str.contains(SIGNATURE).any(),
        has_blank_between=(
            (pl.col("kind") == "blank") & (pl.col("line_no") > first) & (pl.col("line_no") < last)
        ).any(),
        has_metadata=pl.col("kind").is_in(["authors", "dot", "date"]).any(),
        date_selector=selector,
        max_printed_year=printed_years.max(),
    )
    return facts.select(
        "dump_id",
        "is_dump",
        layout=pl.when(~pl.col("has_blank_between"))
        .then(pl.lit("glued"))
        .when(pl.col("has_metadata"))
        .then(pl.lit("with_metadata"))
        .otherwise(pl.lit("title_abstract")),
        date_selector=pl.col("date_selector"),
        selector_month=_month(pl.col("date_selector").str.extract(DATE_LINE, 1)),
        selector_day=pl.col("date_selector").str.extract(DATE_LINE, 2).cast(pl.Int8),
        max_printed_year=pl.col("max_printed_year"),
    ).cast(DUMP_SCHEMA)


def units(tagged: pl.DataFrame, layouts: pl.DataFrame) -> pl.DataFrame:
    """Group content lines into units: a title, an abstract, or one metadata block.

    A unit is a run of lines of one class (text or metadata) not broken by a blank line;
    in the glued layout every text line is a unit of its own, since nothing separates them.
    """
    meta_kinds = ["authors", "dot", "date", "org"]
    content = (
        tagged.join(layouts.select("dump_id", "layout"), on="dump_id", maintain_order="left")
        .with_columns(
            prev_blank=(pl.col("kind").shift(1).over("dump_id") == "blank").fill_null(True)
        )
        .filter(~pl.col("in_header") & (pl.col("kind") != "blank"))
        .with_columns(is_meta=pl.col("kind").is_in(meta_kinds))
    )
    prev_meta = pl.col("is_meta").shift(1).over("dump_id")
    starts = (
        pl.col("prev_blank")
        | prev_meta.is_null()
        | (pl.col("is_meta") != prev_meta)
        | ((pl.col("layout") == "glued") & ~pl.col("is_meta"))
    )
    content = content.with_columns(unit=starts.cast(pl.Int32).cum_sum().over("dump_id"))
    return content.group_by("dump_id", "unit", maintain_order=True).agg(
        is_meta=pl.col("is_meta").first(),
        # Old arXiv abstracts carry hard line breaks: a unit's lines are one paragraph.
        text=pl.col("line").str.join(" "),
        raw_text=pl.col("line").str.join("\n"),
        authors_count=pl.col("line")
        .filter(pl.col("kind") == "authors")
        .first()
        .str.extract(AUTHORS_LINE, 1)
        .cast(pl.Int32),
        organisation=pl.col("line").filter(pl.col("kind") == "org").first(),
        date_line=pl.col("line").filter(pl.col("kind") == "date").first(),
        over_long=pl.col("over_long").any(),
    )


def entries_from_units(unit_rows: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Pair text units into (title, abstract) entries and attach each metadata block to the
    entry before it. Returns (entries, orphans): orphans are units that make no entry
    (metadata with no title before it), kept so they can be rejected with their text."""
    seg_of_meta = pl.col("is_meta").cast(pl.Int32).cum_sum().over("dump_id")
    rows = unit_rows.with_columns(
        segment=pl.when(pl.col("is_meta")).then(seg_of_meta - 1).otherwise(seg_of_meta)
    )
    texts = (
        rows.filter(~pl.col("is_meta"))
        .with_columns(rank=pl.int_range(pl.len()).over("dump_id", "segment"))
        .with_columns(pair=pl.col("rank") // 2, role=pl.col("rank") % 2)
    )
    titles = texts.filter(pl.col("role") == 0).select(
        "dump_id", "segment", "pair", title="text", title_unit="unit", title_over_long="over_long"
    )
    abstracts = texts.filter(pl.col("role") == 1).select(
        "dump_id", "segment", "pair", abstract="text", abstract_over_long="over_long"
    )
    last_pair = texts.group_by("dump_id", "segment").agg(pair=pl.col("pair").max())
    metas = rows.filter(pl.col("is_meta")).select(
        "dump_id",
        "segment",
        "unit",
        "raw_text",
        "authors_count",
        "organisation",
        "date_line",
        "over_long",
    )
    metas_attached = metas.join(last_pair, on=["dump_id", "segment"], how="left")
    orphans = metas_attached.filter(pl.col("pair").is_null()).select("dump_id", "unit", "raw_text")
    # Two metadata blocks after one entry: the first describes it, the rest are orphans.
    metas_attached = metas_attached.filter(pl.col("pair").is_not_null()).with_columns(
        nth=pl.int_range(pl.len()).over("dump_id", "segment")
    )
    orphans = pl.concat(
        [orphans, metas_attached.filter(pl.col("nth") > 0).select("dump_id", "unit", "raw_text")]
    )
    metas_attached = metas_attached.filter(pl.col("nth") == 0)
    entries = (
        titles.join(abstracts, on=["dump_id", "segment", "pair"], how="left")
        .join(
            metas_attached.drop("unit", "raw_text", "nth").rename({"over_long": "meta_over_long"}),
            on=["dump_id", "segment", "pair"],
            how="left",
        )
        .sort("dump_id", "title_unit", maintain_order=True)
    )
    date = pl.col("date_line")
    entries = entries.select(
        "dump_id",
        position=pl.int_range(1, pl.len() + 1, dtype=pl.Int32).over("dump_id"),
        title="title",
        abstract="abstract",
        has_metadata=pl.col("authors_count").is_not_null()
        | pl.col("organisation").is_not_null()
        | date.is_not_null(),
        authors_count="authors_count",
        organisation="organisation",
        published_on_text=date.str.extract(r"^(\S+ \d{1,2}(?:, \d{4})?)", 1),
        published_month=_month(date.str.extract(DATE_LINE, 1)),
        published_day=date.str.extract(DATE_LINE, 2).cast(pl.Int8),
        published_year=date.str.extract(DATE_LINE, 3).cast(pl.Int32),
        # The page prints a comment count only when there are comments.
        comments_count=pl.when(date.is_not_null()).then(
            date.str.extract(DATE_LINE, 4).cast(pl.Int32).fill_null(0)
        ),
        over_long=pl.any_horizontal(
            pl.col("title_over_long"), pl.col("abstract_over_long"), pl.col("meta_over_long")
        ).fill_null(False),
    )
    return entries.cast(ENTRY_SCHEMA), orphans


def parse_text_dumps(
    docs: pl.DataFrame, max_line_chars: int = 100_000
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Parse a batch of decoded text dumps (columns dump_id, text).

    Returns (entries, dumps, orphans) — see ENTRY_SCHEMA and DUMP_SCHEMA.
    """
    tagged = classify_lines(split_lines(docs, max_line_chars))
    dumps = dump_facts(tagged)
    entries, orphans = entries_from_units(units(tagged, dumps))
    return entries, dumps, orphans
