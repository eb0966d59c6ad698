"""What the HTML and API parsers return: one `PageParse` per file, plus the small helpers
both parsers share (counts such as `1.28k`, dates, text clean-up, frame building).

Text dumps have their own parser (text_dump.py); pages and API responses carry richer
fields (arXiv id, authors, upvotes, GitHub), so they get their own, wider entry schema.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import polars as pl
import pyarrow as pa

PAGE_ENTRY_SCHEMA = {
    "position": pl.Int32,
    "title": pl.String,
    "abstract": pl.String,
    "arxiv_id": pl.String,
    "authors_count": pl.Int32,
    "author_names": pl.List(pl.String),
    "organisation": pl.String,  # display name (`fullname`)
    "organisation_handle": pl.String,  # the organisation's HF handle (`name`)
    "submitter": pl.String,
    "published_on": pl.Date,
    "published_on_text": pl.String,
    "comments_count": pl.Int32,
    "upvotes": pl.Int32,
    "github_repo": pl.String,
    "github_stars": pl.Int32,
    "project_page": pl.String,
    "ai_keywords": pl.List(pl.String),
    "ai_summary": pl.String,
    "listed_on": pl.Date,
    "daily_rank": pl.Int32,  # rank on its daily list, where a page gives it (paper pages)
}
REJECT_SCHEMA = {"position": pl.Int32, "reason": pl.String, "raw_text": pl.String}
_LIST_COLUMNS = frozenset(n for n, t in PAGE_ENTRY_SCHEMA.items() if t == pl.List(pl.String))
_SCALAR_SCHEMA = {n: t for n, t in PAGE_ENTRY_SCHEMA.items() if n not in _LIST_COLUMNS}
_ARROW_STRING_LIST = pa.large_list(pa.large_string())
_EMPTY_ENTRIES = pl.DataFrame(schema=PAGE_ENTRY_SCHEMA)
_EMPTY_REJECTS = pl.DataFrame(schema=REJECT_SCHEMA)
Row = dict[str, Any]  # one entry under construction: PAGE_ENTRY_SCHEMA names, any subset
Reject = tuple[int | None, str, str | None]  # position, reason, raw text
RAW_TEXT_LIMIT = 2000
INT32_MAX = 2**31 - 1

# Zero-width characters removed from stored text (the text path uses the same class).
ZERO_WIDTH = "[\u200b\u200c\u200d\u2060\ufeff\u00ad]"
_ZERO_WIDTH = re.compile(ZERO_WIDTH)
_ZERO_WIDTH_CHARS = ZERO_WIDTH.strip("[]")
# Lone surrogates (JSON "\ud800" escapes, odd decodes) cannot be stored as UTF-8.
_SURROGATE = re.compile("[\ud800-\udfff]")
_COUNT = re.compile(r"^(\d+(?:[.,]\d+)*)\s*([kKmM]?)$")
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
PRINTED_DATE = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? \d{1,2}(?:, \d{4})?"
_PRINTED = re.compile(r"^([A-Za-z]{3})[a-z]*\.? (\d{1,2})(?:, (\d{4}))?$")


@dataclass(frozen=True)
class PageParse:
    """One parsed page or API response (see the field comments for what each holds)."""

    kind: str  # 'html_list' | 'html_paper' | 'api_json'
    page_type: str | None  # 'daily' | 'week' | 'month' | 'trending' | 'search' | 'paper' | 'api_*'
    list_date: dt.date | None  # the list's date; None for a single paper, trending, search
    search_query: str | None  # the `q` of a search page
    data_source: str  # 'embedded_json' | 'markup' | 'api'
    entries: pl.DataFrame  # PAGE_ENTRY_SCHEMA, positions 1..n in page order, no duplicates
    rejects: pl.DataFrame  # REJECT_SCHEMA
    problems: tuple[str, ...] = field(default=())  # page-level notes
    list_date_rule: str | None = None  # which rule decided list_date (see api_json.py)


def clean_text(value: Any) -> str | None:
    """Text as stored: NFC, zero-width characters removed, whitespace collapsed; None if empty."""
    if not isinstance(value, str):
        return None
    if not value.isascii():  # ASCII text has no surrogates or zero-width characters, and is NFC
        value = _unicode_cleaned(value)
    if _spaced_once(value):  # most text: checking is ~2x cheaper than split + join
        return value or None
    return " ".join(value.split()) or None


def _spaced_once(text: str) -> bool:
    """True when `" ".join(text.split())` would return `text` itself: no whitespace but single
    inner spaces (isprintable() is False for every whitespace character except the space)."""
    return text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " "


def _unicode_cleaned(text: str) -> str:
    # Each pass runs only when needed: the regexes cost ~5 ns a character, the checks far less.
    try:
        text.encode("utf-8")  # fails exactly on lone surrogates
    except UnicodeEncodeError:
        text = _SURROGATE.sub("\ufffd", text)
    text = unicodedata.normalize("NFC", text)
    return _ZERO_WIDTH.sub("", text) if any(c in text for c in _ZERO_WIDTH_CHARS) else text


def clip(text: str | None) -> str | None:
    """Raw text kept with a reject: cleaned and cut to RAW_TEXT_LIMIT characters."""
    cleaned = clean_text(text)
    return cleaned[:RAW_TEXT_LIMIT] if cleaned else None


def parse_count(value: Any) -> int | None:
    """A printed count as an int: `1.28k` -> 1280, `110k` -> 110000, `1,234` -> 1234, `-` -> 0.

    None for anything else (including counts that do not fit an Int32 column).
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= INT32_MAX else None
    if not isinstance(value, str):
        return None
    text = re.sub(r"[\s\u00a0\u202f]", "", value)
    if text in {"-", "\u2013", "\u2014"}:  # HF prints a dash for zero upvotes
        return 0
    match = _COUNT.match(text)
    if not match:
        return None
    digits, suffix = match.groups()
    if suffix:  # `1.28k`: the separator is a decimal point
        number = (
            digits.replace(",", ".") if digits.count(",") == 1 and "." not in digits else digits
        )
    elif re.fullmatch(r"\d{1,3}(?:[.,]\d{3})+", digits):  # `1,234` / `1.234`: thousands
        number = re.sub(r"[.,]", "", digits)
    else:
        number = digits
    try:
        amount = Decimal(number) * {"": 1, "k": 1000, "m": 1_000_000}[suffix.lower()]
    except InvalidOperation:
        return None
    if amount != amount.to_integral_value() and not suffix:
        return None
    result = int(amount)
    return result if result <= INT32_MAX else None


def as_int(value: Any) -> int | None:
    """A JSON number as an Int32 value; integral floats accepted, booleans and the rest not."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return parse_count(value) if isinstance(value, int | str) else None


def iso_date(value: Any) -> dt.date | None:
    """The UTC day of an ISO timestamp (`2025-04-25T13:02:11.000Z`) or an ISO date."""
    if not isinstance(value, str) or not 10 <= len(value) <= 40:
        return None
    try:
        stamp = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if stamp.tzinfo is not None:
        try:
            stamp = stamp.astimezone(dt.UTC)
        except OverflowError:
            return None
    return stamp.date()


def yearless_month_day(text: str | None) -> tuple[int, int] | None:
    """(month, day) of a date printed without a year (`Sep 28`, `Published on Sep 28`)."""
    if not text:
        return None
    match = _PRINTED.match(re.sub(r"^Published on\s+", "", text.strip()))
    if not match or match.group(3) or match.group(1).lower() not in _MONTHS:
        return None
    return _MONTHS.index(match.group(1).lower()) + 1, int(match.group(2))


def printed_date(text: str | None) -> dt.date | None:
    """`Sep 26, 2025` (after an optional `Published on`) as a date; None without a year,
    since the page leaves the year out for the render year and the file doesn't say which."""
    if not text:
        return None
    match = _PRINTED.match(re.sub(r"^Published on\s+", "", text.strip()))
    if not match or not match.group(3) or match.group(1).lower() not in _MONTHS:
        return None
    month = _MONTHS.index(match.group(1).lower()) + 1
    try:
        return dt.date(int(match.group(3)), month, int(match.group(2)))
    except ValueError:
        return None


def list_date_from(value: Any) -> dt.date | None:
    """A list's date from `2025-09-26`, a timestamp, `2025-W39` (its Monday) or `2025-09`."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        if re.fullmatch(r"\d{4}-W\d{2}", text):
            return dt.date.fromisocalendar(int(text[:4]), int(text[6:]), 1)
        if re.fullmatch(r"\d{4}-\d{2}", text):
            return dt.date(int(text[:4]), int(text[5:]), 1)
    except ValueError:
        return None
    return iso_date(text)


def entries_frame(rows: Iterable[Row]) -> pl.DataFrame:
    """Entry rows -> PAGE_ENTRY_SCHEMA frame; duplicates (same arXiv id, else same title) are
    merged into the first, and positions are renumbered 1..n in page order."""
    kept: list[Row] = []
    by_key: dict[str, Row] = {}
    for row in rows:
        key = row.get("arxiv_id") or f"title:{(row.get('title') or '').casefold()}"
        if key in by_key:  # desktop + mobile copy of one card: fill what the first lacks
            first = by_key[key]
            for name, value in row.items():
                if first.get(name) in (None, []) and value not in (None, []):
                    first[name] = value
            continue
        by_key[key] = dict(row)
        kept.append(by_key[key])
    if not kept:
        return _EMPTY_ENTRIES.clear()
    for position, row in enumerate(kept, 1):
        row["position"] = position
        row.setdefault("author_names", [])
        row.setdefault("ai_keywords", [])
    # Scalars from the rows in one polars call (several times faster than from columns);
    # list columns through Arrow, which converts a whole column in C++ where polars builds
    # a Python-level Series per list (~20 us an entry).
    frame = pl.from_dicts(kept, schema=_SCALAR_SCHEMA)
    for index, name in enumerate(PAGE_ENTRY_SCHEMA):
        if name in _LIST_COLUMNS:
            values = pa.array([row[name] for row in kept], _ARROW_STRING_LIST)
            frame.insert_column(index, pl.Series(name, values))
    return frame


def rejects_frame(rows: Iterable[Reject]) -> pl.DataFrame:
    """(position, reason, raw text) tuples -> REJECT_SCHEMA frame, raw text clipped."""
    data = [(p, r, clip(t)) for p, r, t in rows]
    if not data:  # most pages: an empty template is far cheaper than building from rows
        return _EMPTY_REJECTS.clear()
    return pl.DataFrame(data, schema=REJECT_SCHEMA, orient="row")


def empty_parse(kind: str, data_source: str, problem: str) -> PageParse:
    """A parse with no entries at all: the caller rejects the file, with this problem."""
    return PageParse(
        kind=kind,
        page_type=None,
        list_date=None,
        search_query=None,
        data_source=data_source,
        entries=entries_frame([]),
        rejects=rejects_frame([]),
        problems=(problem,),
    )
