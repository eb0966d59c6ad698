"""The page path of a batch: HTML pages and API JSON, one file at a time (selectolax and
json are fast per file; there is no line-level work to vectorise), into the same entry
columns the text path produces."""

from __future__ import annotations

import time

import polars as pl

from .api_json import parse_api_json
from .html_pages import parse_html
from .page_parse import PageParse
from .screening import Screened

SOURCE_FORMAT = {"html_list": "html", "html_paper": "html", "api_json": "json"}


def _parse(kind: str, text: str) -> PageParse:
    return parse_api_json(text) if kind == "api_json" else parse_html(text)


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


def page_path(
    screened: list[Screened], kinds: dict[str, str], max_parse_seconds: float
) -> tuple[pl.DataFrame, list[dict], pl.DataFrame]:
    """(entries, dump facts, rejects) for the batch's HTML and JSON files."""
    entries, facts, rejects = [], [], []
    for s in screened:
        dump_id, kind = s.file.dump_id, kinds[s.file.dump_id]
        started = time.monotonic()
        page = _parse(kind, s.text)
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
            page.entries.with_columns(
                dump_id=pl.lit(dump_id),
                has_metadata=pl.lit(True),
                published_year_rule=pl.when(pl.col("published_on").is_not_null()).then(
                    pl.lit("printed")
                ),
                pre_reject=pl.lit(None, pl.String),
            )
        )
        rejects.append(page.rejects.with_columns(dump_id=pl.lit(dump_id)))
    return (
        pl.concat(entries, how="diagonal_relaxed") if entries else pl.DataFrame(),
        facts,
        pl.concat(rejects) if rejects else pl.DataFrame(),
    )
