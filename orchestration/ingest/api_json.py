"""Parse the Hugging Face papers API (`/api/daily_papers`, `/api/papers/<id>`,
`/api/papers/search`) and the same objects embedded in pages (DailyPapers / PaperContent
`data-props`). Every field is read defensively: the API adds, drops and renames fields, and
a saved response may be cut off or hand-edited, so a wrong type means "unknown", not a crash.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from .arxiv import normalise_arxiv_id
from .page_parse import (
    PageParse,
    Reject,
    Row,
    as_int,
    clean_text,
    empty_parse,
    entries_frame,
    iso_date,
    list_date_from,
    rejects_frame,
)


def _obj(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _username(user: Any) -> str | None:
    # User objects carry the handle in `name` (and again in `user`); `fullname` is display text.
    user = _obj(user)
    return clean_text(user.get("name")) or clean_text(user.get("user"))


def _organisation(*candidates: Any) -> tuple[str | None, str | None]:
    """(display name, HF handle) of the first organisation named: objects carry the handle in
    `name` and the display name in `fullname`; a bare string is taken as both."""
    for candidate in candidates:
        if isinstance(candidate, str):
            handle = clean_text(candidate)
            if handle:
                return handle, handle
            continue
        org = _obj(candidate)
        handle = clean_text(org.get("name"))
        name = clean_text(org.get("fullname")) or handle
        if name:
            return name, handle
    return None, None


def _strings(values: Any, key: str | None = None) -> list[str]:
    """Cleaned strings of a JSON list (or of each object's `key`), hidden authors skipped."""
    if not isinstance(values, list):
        return []
    out = []
    for value in values:
        if key is not None:
            if not isinstance(value, Mapping) or value.get("hidden") is True:
                continue
            value = value.get(key)
        text = clean_text(value)
        if text:
            out.append(text)
    return out


def _comments(item: Mapping[str, Any]) -> int | None:
    # List items count them in `numComments`; a paper page's props carry the comments.
    if "numComments" in item:
        return as_int(item.get("numComments"))
    comments = item.get("comments")
    return len(comments) if isinstance(comments, list) else None


def row_from_paper(paper: Mapping[str, Any], item: Mapping[str, Any] | None = None) -> Row:
    """One entry from a `paper` object and, for list items, the item around it."""
    item = item or {}
    names = _strings(paper.get("authors"), "name")
    # `paper.publishedAt` is the arXiv date; the item-level one can differ by hours.
    published_text = paper.get("publishedAt") or item.get("publishedAt")
    published_text = published_text if isinstance(published_text, str) else None
    # `organization` from October 2025; before it (late September 2025) only the submitter's
    # organisation, at item level on lists and in a paper page's props.
    organisation, handle = _organisation(
        item.get("organization"),
        paper.get("organization"),
        item.get("submitterOrganization"),
        paper.get("submitterOrganization"),
    )
    return {
        "title": clean_text(paper.get("title")) or clean_text(item.get("title")),
        "abstract": clean_text(paper.get("summary")) or clean_text(item.get("summary")),
        "arxiv_id": normalise_arxiv_id(paper.get("id")),
        "authors_count": len(names) if isinstance(paper.get("authors"), list) else None,
        "author_names": names,
        "organisation": organisation,
        "organisation_handle": handle,
        "submitter": _username(item.get("submittedBy"))
        or _username(paper.get("submittedOnDailyBy")),
        "published_on": iso_date(published_text),
        "published_on_text": clean_text(published_text),
        "comments_count": _comments(item),
        "upvotes": as_int(paper.get("upvotes")),
        "github_repo": clean_text(paper.get("githubRepo")),
        # Stars were once given without any githubRepo: kept, they are the API's figure.
        "github_stars": as_int(paper.get("githubStars")),
        "project_page": clean_text(paper.get("projectPage")),  # may start with a space
        "ai_keywords": _strings(paper.get("ai_keywords")),
        "ai_summary": clean_text(paper.get("ai_summary")),
        "listed_on": iso_date(paper.get("submittedOnDailyAt")),
        "daily_rank": as_int(item.get("dailyPaperRank")),  # a paper page's props
    }


def _raw(value: Any) -> str:
    try:
        return json.dumps(value, ensure_ascii=False, default=str)[:4000]
    except (ValueError, RecursionError):
        return repr(value)[:4000]


def rows_from_items(items: list[Any]) -> tuple[list[Row], list[Reject]]:
    """Entries from daily-paper items (`{paper: {...}, ...}`) or bare paper objects; an item
    with no title becomes a reject at its position in the list."""
    rows, rejects = [], []
    for position, item in enumerate(items, 1):
        if not isinstance(item, Mapping):
            rejects.append((position, "item is not a JSON object", _raw(item)))
            continue
        paper = item.get("paper")
        row = row_from_paper(paper, item) if isinstance(paper, Mapping) else row_from_paper(item)
        if row["title"] is None:
            rejects.append((position, "item has no title", _raw(item)))
        else:
            rows.append(row)
    return rows, rejects


def common_listed_on(rows: list[Row]) -> Any:
    """The day every row was listed on, when they all agree (a daily list), else None."""
    days = {row.get("listed_on") for row in rows}
    return days.pop() if len(days) == 1 else None


def listing_from_props(props: Mapping[str, Any]) -> tuple[str, Any, str | None, list[Any]] | None:
    """(page_type, list date, search query, items) of a DailyPapers props object, or None
    when it holds no list. On a search page `searchResults` is the list that was asked for."""
    query = clean_text(_obj(props.get("query")).get("q"))
    results = props.get("searchResults")
    if query or (isinstance(results, list) and results):
        items = results if isinstance(results, list) else props.get("dailyPapers")
        return ("search", None, query, items) if isinstance(items, list) else None
    items = props.get("dailyPapers")
    if not isinstance(items, list):
        return None
    if props.get("isTrending") is True:
        return "trending", None, None, items
    page_type = {"week": "week", "month": "month"}.get(str(props.get("periodType")), "daily")
    return page_type, list_date_from(props.get("dateString")), None, items


# List-date rules, as recorded in raw.dumps.list_date_rule, in the order they are tried.
RULE_SIDECAR = "sidecar_listed_on"
RULE_SUBMITTED_ON_DAILY = "submitted_on_daily_at"
RULE_FILE_NAME = "file_name_date"
RULE_ITEMS_PUBLISHED = "items_published_at"
RULE_PAGE = "page_date"  # HTML: the page's own dateString or URL
# An item's `publishedAt` is when it was put on a list. AK posts in the (US) evening before
# the list's day, so from 18:00 UTC a post belongs to the next day's list: 2025-01-12T21:47Z
# is on the 2025-01-13 list. Others submit through the list's day, before 18:00 UTC.
LIST_DAY_SHIFT = dt.timedelta(hours=6)
# A daily list is posted within a day or so; search results span the papers' years.
MAX_LIST_SPAN = dt.timedelta(days=2)
# An ISO date in a file or folder name (`2024-05-27.json`), not a timestamp's (`...T10-00Z`).
_NAME_DATE = re.compile(r"(?<!\d)(\d{4}-\d{2}-\d{2})(?![\dT])")


def most_common_day(days: Iterable[dt.date | None]) -> dt.date | None:
    """The day most of `days` fall on (the later on a tie); None when there are none."""
    counts = Counter(d for d in days if d is not None)
    return max(counts, key=lambda d: (counts[d], d)) if counts else None


def date_in_file_name(file_name: str | None) -> dt.date | None:
    """The list date an archive names a file or its folder by: `2024-05-27.json`, or
    `daily_papers/2025-03-04/<fetched-at>.json` (the file name's own date first)."""
    for part in reversed((file_name or "").replace("\\", "/").split("/")):
        for match in _NAME_DATE.finditer(part):
            try:
                return dt.date.fromisoformat(match.group(1))
            except ValueError:
                continue
    return None


def _utc(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not 10 <= len(value) <= 40:
        return None
    try:
        stamp = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        return stamp.replace(tzinfo=dt.UTC) if stamp.tzinfo is None else stamp.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        return None


def list_day_from_items(items: list[Any]) -> dt.date | None:
    """The list day that the items' own `publishedAt` (the time each was put on the list)
    say, or None when they do not read as one list: every item must wrap a `paper` and carry
    the time, the times must lie within MAX_LIST_SPAN, and not every one may merely repeat
    its paper's `publishedAt` (search results do). The day is the most common of the times
    moved on by LIST_DAY_SHIFT."""
    stamps, repeats = [], []
    for item in items:
        paper = _obj(item).get("paper")
        stamp = _utc(_obj(item).get("publishedAt"))
        if not isinstance(paper, Mapping) or stamp is None:
            return None
        stamps.append(stamp)
        repeats.append(stamp == _utc(paper.get("publishedAt")))
    if not stamps or all(repeats) or max(stamps) - min(stamps) > MAX_LIST_SPAN:
        return None
    return most_common_day((stamp + LIST_DAY_SHIFT).date() for stamp in stamps)


def daily_list_date(
    items: list[Any], listed_on: dt.date | None = None, file_name: str | None = None
) -> tuple[dt.date | None, str | None]:
    """(list date, rule) of an API list when it is a daily list, else (None, None).

    Rules, first that applies: the sidecar's `listed_on` (the date the fetcher asked for);
    every paper's `submittedOnDailyAt` (from 2025-03-17; their most common day); an ISO date
    in the file name, as archives name these responses; the items' `publishedAt` read as list
    times (list_day_from_items). Without a sidecar, a list where only some papers have
    `submittedOnDailyAt` is search results whatever its name: they include papers never
    listed, which no daily list does.
    """
    if listed_on is not None:
        return listed_on, RULE_SIDECAR
    papers = [_obj(_obj(i).get("paper")) or _obj(i) for i in items]
    submitted = [p.get("submittedOnDailyAt") for p in papers]
    if submitted and all(isinstance(s, str) for s in submitted):
        day = most_common_day(map(iso_date, submitted))
        if day is not None:
            return day, RULE_SUBMITTED_ON_DAILY
    if any(isinstance(s, str) for s in submitted):
        return None, None
    named = date_in_file_name(file_name)
    if named is not None:
        return named, RULE_FILE_NAME
    day = list_day_from_items(items)
    return (day, RULE_ITEMS_PUBLISHED) if day is not None else (None, None)


def parse_api_json(
    text: str, listed_on: dt.date | None = None, file_name: str | None = None
) -> PageParse:
    """Parse an API response: a list of daily-paper or search items, or one paper object.

    `listed_on` (a sidecar's) and `file_name` help date a daily list (daily_list_date); every
    entry of a daily list is listed on its date unless its paper says otherwise.
    """
    try:
        data = json.loads(text.lstrip("\ufeff"))
    except (ValueError, RecursionError) as error:  # RecursionError: absurdly deep nesting
        return empty_parse("api_json", "api", f"not valid JSON: {str(error)[:200]}")
    list_date = rule = None
    if isinstance(data, list):
        list_date, rule = daily_list_date(data, listed_on, file_name)
        page_type, items = ("api_daily" if list_date else "api_search"), data
    elif isinstance(data, Mapping) and (isinstance(data.get("paper"), Mapping) or "id" in data):
        page_type, items = "api_paper", [data]
    else:
        return empty_parse("api_json", "api", "JSON is neither a list of papers nor a paper")
    rows, rejects = rows_from_items(items)
    if list_date is not None:
        for row in rows:
            row["listed_on"] = row["listed_on"] or list_date
    problems = () if rows else ("no papers in the response",)
    return PageParse(
        kind="api_json",
        page_type=page_type,
        list_date=list_date,
        search_query=None,
        data_source="api",
        entries=entries_frame(rows),
        rejects=rejects_frame(rejects),
        problems=problems,
        list_date_rule=rule,
    )
