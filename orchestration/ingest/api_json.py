"""Parse the Hugging Face papers API (`/api/daily_papers`, `/api/papers/<id>`,
`/api/papers/search`) and the same objects embedded in pages (DailyPapers / PaperContent
`data-props`). Every field is read defensively: the API adds, drops and renames fields, and
a saved response may be cut off or hand-edited, so a wrong type means "unknown", not a crash.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
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


def _organisation(*candidates: Any) -> str | None:
    for org in map(_obj, candidates):
        name = clean_text(org.get("fullname")) or clean_text(org.get("name"))
        if name:
            return name
    return None


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
    repo = clean_text(paper.get("githubRepo"))
    return {
        "title": clean_text(paper.get("title")) or clean_text(item.get("title")),
        "abstract": clean_text(paper.get("summary")) or clean_text(item.get("summary")),
        "arxiv_id": normalise_arxiv_id(paper.get("id")),
        "authors_count": len(names) if isinstance(paper.get("authors"), list) else None,
        "author_names": names,
        "organisation": _organisation(item.get("organization"), paper.get("organization")),
        "submitter": _username(item.get("submittedBy"))
        or _username(paper.get("submittedOnDailyBy")),
        "published_on": iso_date(published_text),
        "published_on_text": clean_text(published_text),
        "comments_count": _comments(item),
        "upvotes": as_int(paper.get("upvotes")),
        "github_repo": repo,
        "github_stars": as_int(paper.get("githubStars")) if repo else None,
        "project_page": clean_text(paper.get("projectPage")),
        "ai_keywords": _strings(paper.get("ai_keywords")),
        "listed_on": iso_date(paper.get("submittedOnDailyAt")),
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


def _api_list(items: list[Any]) -> tuple[str, bool]:
    """Tell a daily list from search results by content: every daily item carries
    `paper.submittedOnDailyAt`; search results include papers never listed."""
    papers = [_obj(_obj(i).get("paper")) or _obj(i) for i in items]
    daily = all(isinstance(p.get("submittedOnDailyAt"), str) for p in papers)
    return ("api_daily" if daily else "api_search"), daily


def parse_api_json(text: str) -> PageParse:
    """Parse an API response: a list of daily-paper or search items, or one paper object."""
    try:
        data = json.loads(text.lstrip("\ufeff"))
    except (ValueError, RecursionError) as error:  # RecursionError: absurdly deep nesting
        return empty_parse("api_json", "api", f"not valid JSON: {str(error)[:200]}")
    if isinstance(data, list):
        page_type, daily = _api_list(data)
        items = data
    elif isinstance(data, Mapping) and (isinstance(data.get("paper"), Mapping) or "id" in data):
        page_type, daily, items = "api_paper", False, [data]
    else:
        return empty_parse("api_json", "api", "JSON is neither a list of papers nor a paper")
    rows, rejects = rows_from_items(items)
    list_date = common_listed_on(rows) if daily else None
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
    )
