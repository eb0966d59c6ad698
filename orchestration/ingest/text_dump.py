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

from .frames import replace_where

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


# A line's kind, as classify_lines tags it: an enum compares as cheaply as an integer.
KIND = pl.Enum(
    ["blank", "header_phrase", "authors", "dot", "date", "text", "selector", "header", "org"]
)
META_KINDS = ["authors", "dot", "date", "org"]


def _month(expr: pl.Expr) -> pl.Expr:
    return expr.replace_strict(_MONTH_NUMBER, default=None, return_dtype=pl.Int8)


def _kind(name: str) -> pl.Expr:
    return pl.lit(name, dtype=KIND)


# A dump's rows stay contiguous and in order from the split on, so the row before or after
# within the same dump is a plain shift checked against `doc`: far cheaper than a window
# (`.over`), which groups the whole column first.
def _prev(expr: pl.Expr) -> pl.Expr:
    """The value on the row before, within the same dump; null on its first row."""
    return pl.when(pl.col("doc").shift(1) == pl.col("doc")).then(expr.shift(1))


def _next(expr: pl.Expr) -> pl.Expr:
    """The value on the row after, within the same dump; null on its last row."""
    return pl.when(pl.col("doc").shift(-1) == pl.col("doc")).then(expr.shift(-1))


def _one_row_per_dump(docs: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame | None]:
    """(docs with a unique dump_id, numbered by `doc`; copies).

    A dump_id given twice is one dump, its texts read one after the other (as grouping the
    lines by dump_id would read them). `copies` is then where each given text starts in its
    dump (doc, line_no, copy: its row in `docs`), to keep orphans in the order given; None
    when every dump_id is given once.
    """
    if not docs.get_column("dump_id").is_duplicated().any():
        return docs.with_row_index("doc"), None
    joined = (
        docs.group_by("dump_id", maintain_order=True)
        .agg(pl.col("text").str.join("\n"))
        .with_row_index("doc")
    )
    lines = pl.col("text").str.count_matches("\n") + 1
    copies = docs.with_row_index("copy").select(
        pl.col("dump_id").replace_strict(joined["dump_id"], joined["doc"]).alias("doc"),
        line_no=(lines.cum_sum() - lines + 1).over("dump_id").cast(pl.Int32),
        copy="copy",
    )
    return joined, copies.sort("doc", "line_no")


def split_lines(docs: pl.DataFrame, max_line_chars: int = 100_000) -> pl.DataFrame:
    """One row per line: doc, line (stripped), line_no (1-based), over_long.

    `docs` has a unique `doc` number per dump (see _one_row_per_dump). A line longer than
    max_line_chars is cut to that length and flagged: the entry it belongs to is rejected,
    and the rest of the dump still loads.
    """
    lines = docs.select("doc", line=pl.col("text").str.split("\n")).explode("line")
    line = pl.col("line")
    # Characters are counted only when some line has more bytes than the limit (a byte
    # count is free, a character count is a pass over the text).
    if lines.select((line.str.len_bytes() > max_line_chars).any()).item():
        over_long, cut = line.str.len_chars() > max_line_chars, line.str.slice(0, max_line_chars)
    else:
        over_long, cut = line.str.len_bytes() > max_line_chars, line
    return lines.with_columns(
        line=cut.str.strip_chars(),
        line_no=pl.int_range(1, pl.len() + 1, dtype=pl.Int32).over("doc"),
        over_long=over_long,
    )


def classify_lines(lines: pl.DataFrame) -> pl.DataFrame:
    """Tag each line: blank, header, selector, authors, dot, date, org or text (KIND)."""
    line = pl.col("line")
    base_kind = (
        pl.when(line == "")
        .then(_kind("blank"))
        .when(line.str.contains(AUTHORS_LINE))
        .then(_kind("authors"))
        .when(line == "·")
        .then(_kind("dot"))
        .when(line.str.contains(DATE_LINE))
        .then(_kind("date"))
        .when(line.is_in(HEADER_PHRASES))
        .then(_kind("header_phrase"))
        .otherwise(_kind("text"))
    )
    kind = pl.col("kind")
    # The header is everything before the first line that is neither blank, a header phrase
    # nor a date: the date there is the page's date selector, not a paper's date.
    first_content = (
        pl.when(~kind.is_in(["blank", "header_phrase", "date"]))
        .then(pl.col("line_no"))
        .min()
        .over("doc")
    )
    tagged = (
        lines.with_columns(kind=base_kind)
        .with_columns(
            in_header=(pl.col("line_no") < first_content).fill_null(True),
            is_first_content=pl.col("line_no") == first_content,
            next_kind=_next(kind),
        )
        .with_columns(
            kind=pl.when(pl.col("in_header") & (kind == "date"))
            .then(_kind("selector"))
            .when(pl.col("in_header") & (kind != "blank"))
            .then(_kind("header"))
            # The line before `·` names who wrote it: `• N authors` or an organisation.
            .when((kind == "text") & (pl.col("next_kind") == "dot"))
            .then(_kind("org"))
            .otherwise(kind),
        )
        .drop("next_kind")
    )
    # The header run into the first title (glued layout) is cut from that line only.
    return replace_where(
        tagged,
        pl.col("is_first_content").fill_null(False),
        "line",
        line.str.replace(GLUED_HEADER, "").str.strip_chars(),
    )


def _signed(tagged: pl.DataFrame) -> pl.DataFrame:
    """Per doc, is_dump: whether a line carries the papers page's signature. It is nearly
    always in the header, so the other lines are searched only where the header lacks it."""
    signed = pl.col("line").str.contains(SIGNATURE).any()
    in_header = tagged.filter(pl.col("in_header")).group_by("doc").agg(is_dump=signed)
    found = in_header.filter("is_dump")
    rest = tagged.filter(~pl.col("doc").is_in(found.get_column("doc").implode()))
    return pl.concat([found, rest.group_by("doc").agg(is_dump=signed)])


def dump_facts(tagged: pl.DataFrame) -> pl.DataFrame:
    """Per doc: is it a papers page at all, its layout, date selector and latest printed year."""
    kind, line, line_no = pl.col("kind"), pl.col("line"), pl.col("line_no")
    line_in_content = pl.when(~pl.col("in_header") & (kind != "blank")).then(line_no)
    first, last = line_in_content.min(), line_in_content.max()
    facts = tagged.group_by("doc", maintain_order=True).agg(
        has_blank_between=((kind == "blank") & (line_no > first) & (line_no < last)).any(),
        has_metadata=kind.is_in(["authors", "dot", "date"]).any(),
    )
    # Facts from lines of one kind are taken from those lines only: a filter inside the
    # aggregation would run once per dump.
    selectors = tagged.filter(kind == "selector").group_by("doc").agg(date_selector=line.last())
    years = (
        tagged.filter(kind == "date")
        .group_by("doc")
        .agg(max_printed_year=line.str.extract(DATE_LINE, 3).cast(pl.Int32).max())
    )
    for part in (_signed(tagged), selectors, years):
        facts = facts.join(part, on="doc", how="left", maintain_order="left")
    return facts.select(
        "doc",
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
    )


def content_lines(tagged: pl.DataFrame, glued_docs: list[int]) -> pl.DataFrame:
    """The lines after the header that are not blank, each numbered with its unit: a title,
    an abstract, or one metadata block.

    A unit is a run of lines of one class (text or metadata) not broken by a blank line;
    in the glued layout every text line is a unit of its own, since nothing separates them.
    Unit numbers run on across dumps (each dump's first line starts a unit).
    """
    content = tagged.with_columns(
        prev_blank=(_prev(pl.col("kind")) == "blank").fill_null(True)
    ).filter(~pl.col("in_header") & (pl.col("kind") != "blank"))
    is_meta, prev_meta = pl.col("is_meta"), _prev(pl.col("is_meta"))
    starts = (
        pl.col("prev_blank")
        | prev_meta.is_null()
        | (is_meta != prev_meta)
        | (pl.col("doc").is_in(glued_docs) & ~is_meta)
    )
    return content.with_columns(is_meta=pl.col("kind").is_in(META_KINDS)).with_columns(
        unit=starts.cum_sum().cast(pl.Int32)
    )


def _text_units(lines: pl.DataFrame) -> pl.DataFrame:
    """One row per title or abstract unit: its lines joined by a space (old arXiv abstracts
    carry hard line breaks: a unit's lines are one paragraph). Nearly every unit is one line,
    so only the others go through the (slow) string join of a group_by."""
    unit = pl.col("unit")
    several = ((unit == unit.shift(1)) | (unit == unit.shift(-1))).fill_null(False)
    single = lines.filter(~several).select("doc", "unit", text="line", over_long="over_long")
    joined = (
        lines.filter(several)
        .group_by("unit", maintain_order=True)
        .agg(
            doc=pl.col("doc").first(),
            text=pl.col("line").str.join(" "),
            over_long=pl.col("over_long").any(),
        )
        .select(single.columns)
    )
    return pl.concat([single, joined]).sort("unit")


def _first_line(lines: pl.DataFrame, kind: str, name: str) -> pl.DataFrame:
    """Per unit, its first line of a kind (the fields a metadata block holds)."""
    return (
        lines.filter(pl.col("kind") == kind)
        .filter(pl.col("unit").is_first_distinct())
        .select("unit", pl.col("line").alias(name))
    )


def _meta_units(lines: pl.DataFrame) -> pl.DataFrame:
    """One row per metadata block: authors count, organisation, date line, over_long."""
    long_units = lines.filter(pl.col("over_long")).get_column("unit")
    units = lines.filter(pl.col("unit").is_first_distinct()).select(
        "doc", "unit", over_long=pl.col("unit").is_in(long_units.implode())
    )
    for kind, name in (("authors", "authors_line"), ("org", "organisation"), ("date", "date_line")):
        units = units.join(_first_line(lines, kind, name), on="unit", how="left")
    return units.with_columns(
        # The line matches AUTHORS_LINE: its count is its first run of digits (found without
        # the capture groups, which cost more).
        authors_count=pl.col("authors_line").str.extract(r"\d+", 0).cast(pl.Int32)
    ).drop("authors_line")


def units(content: pl.DataFrame) -> pl.DataFrame:
    """Every unit in order (doc, unit, is_meta, text, over_long and the metadata fields),
    each with `title_unit`: the unit of the title of the entry it belongs to.

    Text units pair up into (title, abstract) entries within each run of text units between
    two metadata blocks; a metadata block belongs to the last entry of the run just before
    it, and to none (an orphan: null title_unit) when no text unit comes before it.
    """
    meta = pl.col("is_meta")
    rows = pl.concat(
        [
            _text_units(content.filter(~meta)).with_columns(is_meta=pl.lit(False)),
            _meta_units(content.filter(meta)).with_columns(is_meta=pl.lit(True)),
        ],
        how="diagonal",
    ).sort("unit")
    # A text unit's rank in its run: its row less the row the run starts on.
    row = pl.int_range(pl.len())
    run_start = ~meta & _prev(meta).fill_null(True)
    rows = rows.with_columns(
        rank=pl.when(~meta).then(row - pl.when(run_start).then(row).forward_fill())
    )
    # Even ranks are titles, odd ranks the abstract of the title on the row before; a
    # metadata block takes the title of the text unit just before it, if there is one.
    unit, title_unit = pl.col("unit"), pl.col("title_unit")
    rows = rows.with_columns(
        title_unit=pl.when(meta)
        .then(None)
        .when(pl.col("rank") % 2 == 0)
        .then(unit)
        .otherwise(unit.shift(1))
    )
    return rows.with_columns(title_unit=pl.when(meta).then(_prev(title_unit)).otherwise(title_unit))


def entries_from_units(unit_rows: pl.DataFrame, dumps: pl.DataFrame) -> pl.DataFrame:
    """One row per title with its abstract and metadata, numbered within its dump, in
    dump_id order (`dumps`: doc, dump_id, dump_rank)."""
    meta, rank = pl.col("is_meta"), pl.col("rank")
    titles = unit_rows.filter(~meta & (rank % 2 == 0)).select(
        "doc", "title_unit", title="text", title_over_long="over_long"
    )
    abstracts = unit_rows.filter(~meta & (rank % 2 == 1)).select(
        "title_unit", abstract="text", abstract_over_long="over_long"
    )
    metas = unit_rows.filter(meta & pl.col("title_unit").is_not_null()).select(
        "title_unit", "authors_count", "organisation", "date_line", meta_over_long="over_long"
    )
    entries = (
        titles.join(abstracts, on="title_unit", how="left", maintain_order="left")
        .join(metas, on="title_unit", how="left", maintain_order="left")
        .join(dumps, on="doc", how="left", maintain_order="left")
        .sort("dump_rank", "title_unit")
    )
    date = pl.col("date_line")
    # One regex pass for the four parts of a date line.
    part = pl.col("date_parts").struct.field
    return (
        entries.with_columns(date_parts=date.str.extract_groups(DATE_LINE))
        .select(
            "dump_id",
            position=pl.int_range(1, pl.len() + 1, dtype=pl.Int32).over("doc"),
            title="title",
            abstract="abstract",
            has_metadata=pl.col("authors_count").is_not_null()
            | pl.col("organisation").is_not_null()
            | date.is_not_null(),
            authors_count="authors_count",
            organisation="organisation",
            published_on_text=date.str.extract(r"^(\S+ \d{1,2}(?:, \d{4})?)", 1),
            published_month=_month(part("1")),
            published_day=part("2").cast(pl.Int8),
            published_year=part("3").cast(pl.Int32),
            # The page prints a comment count only when there are comments.
            comments_count=pl.when(date.is_not_null()).then(part("4").cast(pl.Int32).fill_null(0)),
            over_long=pl.any_horizontal(
                pl.col("title_over_long"), pl.col("abstract_over_long"), pl.col("meta_over_long")
            ).fill_null(False),
        )
        .cast(ENTRY_SCHEMA)
    )


def orphans(
    unit_rows: pl.DataFrame,
    content: pl.DataFrame,
    dumps: pl.DataFrame,
    copies: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Metadata units that make no entry, kept so they can be rejected with their text:
    dump_id, unit (numbered within the dump) and raw_text (the unit's lines)."""
    lost = unit_rows.filter(pl.col("is_meta") & pl.col("title_unit").is_null())
    first_unit = content.filter(pl.col("doc").is_first_distinct()).select("doc", first="unit")
    found = (
        content.filter(pl.col("unit").is_in(lost.get_column("unit").implode()))
        .group_by("unit", maintain_order=True)
        .agg(
            doc=pl.col("doc").first(),
            line_no=pl.col("line_no").first(),
            raw_text=pl.col("line").str.join("\n"),
        )
        .join(first_unit, on="doc", how="left", maintain_order="left")
        .join(dumps, on="doc", how="left", maintain_order="left")
    )
    if copies is not None:
        # In the order the texts were given, copy by copy. Both sides are sorted by line_no
        # within each doc (units come in line order), which Polars cannot check with `by`.
        found = found.join_asof(copies, on="line_no", by="doc", check_sortedness=False)
        found = found.sort("copy", "unit")
    return found.select(
        "dump_id",
        unit=(pl.col("unit") - pl.col("first") + 1).cast(pl.Int32),
        raw_text="raw_text",
    )


def parse_text_dumps(
    docs: pl.DataFrame, max_line_chars: int = 100_000
) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Parse a batch of decoded text dumps (columns dump_id, text).

    Returns (entries, dumps, orphans) — see ENTRY_SCHEMA and DUMP_SCHEMA.
    """
    docs, copies = _one_row_per_dump(docs)
    dumps = docs.select("doc", "dump_id", dump_rank=pl.col("dump_id").rank("ordinal"))
    tagged = classify_lines(split_lines(docs, max_line_chars))
    facts = dump_facts(tagged)
    glued = facts.filter(pl.col("layout") == "glued").get_column("doc").to_list()
    content = content_lines(tagged, glued)
    unit_rows = units(content)
    return (
        entries_from_units(unit_rows, dumps),
        facts.join(dumps, on="doc", how="left", maintain_order="left")
        .select(list(DUMP_SCHEMA))
        .cast(DUMP_SCHEMA),
        orphans(unit_rows, content, dumps, copies),
    )
