"""The page path of a batch: HTML pages and API JSON, one file at a time (selectolax and
json are fast per file; there is no line-level work to vectorise), into the same entry
columns the text path produces."""

from __future__ import annotations

import datetime as dt
import time

import polars as pl

from . import dates
from .api_json import parse_api_json
from .html_pages import parse_html
from .page_parse import PageParse, yearless_month_day
from .screening import Screened

SOURCE_FORMAT = {"html_list": "html", "html_paper": "html", "api_json": "json"}
# A date printed without a year: `Sep 28`, `Published on Sep 28`.
_YEARLESS = r"^(?:Published on\s+)?[A-Za-z]{3}[a-z]*\.? \d{1,2}$"


def _parse(s: Screened, kind: str) -> PageParse:
    if kind == "api_json":
        return parse_api_json(s.text, s.file.sidecar_listed_on, s.file.file_name)
    return parse_html(s.text)


def _capture(s: Screened, page: PageParse) -> tuple:
    """(captured_on, rule): the sidecar's date, else the list's date or the latest day the
    page lists a paper (a weekly page is captured no earlier than its last day listed)."""
    if s.file.sidecar_captured_on is not None:
        return s.file.sidecar_captured_on, "sidecar_captured_on"
    listed = page.entries["listed_on"].drop_nulls()
    candidates = [d for d in (page.list_date, listed.max() if len(listed) else None) if d]
    if not candidates:
        return None, "no_list_date"
    latest = max(candidates)
    return latest, "page_list_date" if latest == page.list_date else "latest_listed_on"


def _published_dates(entries: pl.DataFrame, s: Screened, captured_on: dt.date | None):
    """published_on and published_year_rule: a printed or ISO year is 'printed'; a yearless
    date was dated by its arXiv id ('arxiv_id', html_markup.py), or takes the capture's year
    as the text dumps' dates do ('capture_year' / 'year_before_capture')."""
    yearless = pl.col("published_on_text").str.contains(_YEARLESS).fill_null(False)
    entries = entries.with_columns(
        published_year_rule=pl.when(pl.col("published_on").is_null())
        .then(pl.lit(None, pl.String))
        .when(yearless)
        .then(pl.lit(dates.RULE_ARXIV_ID))
        .otherwise(pl.lit("printed"))
    )
    undated = entries.filter(pl.col("published_on").is_null() & yearless)
    if undated.height == 0:
        return entries
    capture = dates.resolve_capture(
        None,
        modified_on=s.file.modified_at.date(),
        max_printed_year=None,
        sidecar_captured_on=captured_on,
        sidecar_year=s.file.sidecar_capture_year,
    )
    found = {}
    for position, text in undated.select("position", "published_on_text").iter_rows():
        month_day = yearless_month_day(text)
        if month_day and dates.safe_date(2000, *month_day):
            found[position] = dates.yearless_date(*month_day, capture)
    if not found:
        return entries
    resolved = pl.DataFrame(
        {
            "position": list(found),
            "_on": [on for on, _ in found.values()],
            "_rule": [rule for _, rule in found.values()],
        },
        schema={"position": pl.Int32, "_on": pl.Date, "_rule": pl.String},
    )
    return (
        entries.join(resolved, on="position", how="left", maintain_order="left")
        .with_columns(
            published_on=pl.coalesce("published_on", "_on"),
            published_year_rule=pl.coalesce("published_year_rule", "_rule"),
        )
        .drop("_on", "_rule")
    )


def page_path(
    screened: list[Screened], kinds: dict[str, str], max_parse_seconds: float
) -> tuple[pl.DataFrame, list[dict], pl.DataFrame]:
    """(entries, dump facts, rejects) for the batch's HTML and JSON files."""
    entries, facts, rejects = [], [], []
    for s in screened:
        dump_id, kind = s.file.dump_id, kinds[s.file.dump_id]
        started = time.monotonic()
        page = _parse(s, kind)
        took = time.monotonic() - started
        captured_on, rule = _capture(s, page)
        file_reject = None
        if took > max_parse_seconds:
            file_reject = (
                f"parsing took {took:.1f} s, over the limit of {max_parse_seconds:g} s"
                " (PAPERS_MAX_PARSE_SECONDS)"
            )
        elif page.entries.height == 0 and page.rejects.height == 0:
            file_reject = "; ".join(page.problems) or "no papers found in the page"
        facts.append(
            {
                "dump_id": dump_id,
                "source_format": SOURCE_FORMAT[kind],
                "layout": kind,
                "page_type": page.page_type,
                "list_date": page.list_date,
                "list_date_rule": page.list_date_rule,
                "search_query": page.search_query,
                "data_source": page.data_source,
                "problems": "; ".join(page.problems) or None,
                "capture_year": captured_on.year if captured_on else None,
                "captured_on": captured_on,
                "capture_rule": rule,
                "file_reject": file_reject,
            }
        )
        if file_reject:
            continue
        entries.append(
            _published_dates(page.entries, s, captured_on).with_columns(
                dump_id=pl.lit(dump_id),
                has_metadata=pl.lit(True),
                pre_reject=pl.lit(None, pl.String),
            )
        )
        rejects.append(page.rejects.with_columns(dump_id=pl.lit(dump_id)))
    return (
        pl.concat(entries, how="diagonal_relaxed") if entries else pl.DataFrame(),
        facts,
        pl.concat(rejects) if rejects else pl.DataFrame(),
    )
