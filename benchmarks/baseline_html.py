"""The straightforward BeautifulSoup parser of a saved papers list page (the HTML baseline).

A user with BeautifulSoup would find the `DailyPapers` div, read its `data-props` JSON and
take each paper's title, abstract, authors, date and comment count — what
orchestration.ingest.html_pages.parse_html reads first too. BeautifulSoup comes with the
project's dev extra; without it the HTML target is reported as not measured.
"""

from __future__ import annotations

import json


def parse_page(html: str) -> list[dict]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    div = soup.find("div", attrs={"data-target": "DailyPapers"})
    if div is None or not div.get("data-props"):
        return []
    props = json.loads(div["data-props"])
    items = props.get("searchResults") or props.get("dailyPapers") or []
    entries = []
    for item in items:
        paper = item.get("paper") or item
        title = " ".join((paper.get("title") or item.get("title") or "").split())
        if not title:
            continue
        entries.append(
            {
                "title": title,
                "abstract": " ".join((paper.get("summary") or "").split()) or None,
                "authors_count": len(paper.get("authors") or []),
                "published_on": (paper.get("publishedAt") or "")[:10] or None,
                "comments_count": item.get("numComments"),
            }
        )
    return entries


def available() -> bool:
    try:
        import bs4  # noqa: F401
    except ImportError:
        return False
    return True
