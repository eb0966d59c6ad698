"""Tell what a file holds from its content alone (never its name): a text dump, an HTML list
page, an HTML paper page, an API JSON response, or something else.

Cheap checks only: the first characters decide JSON or HTML, then substring and regex
searches (C speed, one pass each) look for the markers the pages carry. HTML is never parsed
here; the parser does that once, later.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from .text_dump import SIGNATURE

KINDS = ("text", "html_list", "html_paper", "api_json", "unknown")
_PREFIX = 2048
# A saved page starts with a doctype, a comment (`<!-- saved from url=... -->`) or a tag.
_HTML_START = re.compile(r"<(?:!--|!doctype\b|[a-z][a-z0-9-]*[\s/>])", re.IGNORECASE)
_PAPER_CONTENT = re.compile(r"""data-target\s*=\s*["']?PaperContent\b""")
_DAILY_PAPERS = re.compile(r"""data-target\s*=\s*["']?DailyPapers\b""")
_PAPER_LINK = re.compile(r"""href\s*=\s*["']?/papers/""")
_ARXIV_LINK = re.compile(r"""href\s*=\s*["']?https?://(?:www\.)?arxiv\.org/(?:abs|pdf)/""")
_SIGNATURE = re.compile(SIGNATURE)


def _is_paper(value: Any) -> bool:
    """A paper object (`id` + `title`) or a daily/search item wrapping one in `paper`."""
    if not isinstance(value, Mapping):
        return False
    paper = value.get("paper")
    if isinstance(paper, Mapping):
        return "id" in paper or "title" in paper
    return isinstance(value.get("id"), str) and "title" in value


def _json_kind(text: str) -> str | None:
    """'api_json' for an API-shaped document, 'unknown' for other JSON, None if not JSON."""
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if isinstance(data, list):
        # An empty list is what /api/daily_papers returns for a day with no list.
        ok = all(_is_paper(item) for item in data[:5]) and (not data or _is_paper(data[-1]))
        return "api_json" if ok else "unknown"
    return "api_json" if _is_paper(data) else "unknown"


def _html_kind(text: str) -> str:
    if _PAPER_CONTENT.search(text):
        return "html_paper"
    if _DAILY_PAPERS.search(text):
        return "html_list"
    lower = text.lower()
    if "<article" in lower and _PAPER_LINK.search(text):
        return "html_list"
    if "<h1" in lower and _ARXIV_LINK.search(text):
        return "html_paper"
    return "unknown"


def detect_kind(text: str) -> str:
    """One of KINDS, from the content of a decoded file."""
    head = text[:_PREFIX].lstrip("\ufeff \t\r\n")
    if head[:1] in {"[", "{"}:
        kind = _json_kind(text.lstrip("\ufeff"))
        if kind is not None:
            return kind
    if _HTML_START.match(head):
        return _html_kind(text)
    if _SIGNATURE.search(text):
        return "text"
    return "unknown"
