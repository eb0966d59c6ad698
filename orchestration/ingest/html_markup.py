"""Read paper fields from the server-rendered markup of Hugging Face papers pages.

Used when a page's embedded JSON is missing or broken. Everything is anchored on href
patterns (`/papers/<id>`, `https://github.com/`, `#community`, the login link of the upvote
button), element structure (`h3 > a`, `li`, `p`, `h1`) and printed labels (`Submitted by`,
`Published on`, `N authors`), never on styling classes, which change every few months.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from .arxiv import normalise_arxiv_id
from .page_parse import (
    PRINTED_DATE,
    Row,
    clean_text,
    list_date_from,
    parse_count,
    printed_date,
)

_COUNT_AT_END = re.compile(r"(\d[\d.,]*\s*[kKmM]?|-)\s*$")
_AUTHORS = re.compile(r"^(?:·\s*)?(\d+)\s+authors?$")
_CARD_DATE = re.compile(rf"·\s*(?:Published on\s+)?({PRINTED_DATE})")
_PUBLISHED = re.compile(rf"Published on\s+({PRINTED_DATE})")
_GITHUB_REPO = re.compile(r"^https://github\.com/[^/?#\s]+/[^/?#\s]+")
_ORG_HREF = re.compile(r"^/([A-Za-z0-9][\w.-]*)$")


def page_url(tree: LexborHTMLParser) -> str:
    """The page's own URL, as its canonical link (or og:url) gives it."""
    node = tree.css_first('link[rel="canonical"]') or tree.css_first('meta[property="og:url"]')
    return (node.attributes.get("href") or node.attributes.get("content") or "") if node else ""


def url_facts(tree: LexborHTMLParser) -> tuple[str | None, Any, str | None]:
    """(page type, list date, search query) from the canonical URL and the search box."""
    parts = urlsplit(page_url(tree))
    segments = [s for s in parts.path.split("/") if s]
    params = parse_qs(parts.query)
    box = tree.css_first('input[name="q"]')
    query = clean_text((params.get("q") or [None])[0]) or (
        clean_text(box.attributes.get("value")) if box else None
    )
    if query:
        return "search", None, query
    if segments[:1] != ["papers"]:
        return None, None, None
    kind = segments[1] if len(segments) > 1 else "date"
    value = segments[2] if len(segments) > 2 else (params.get("date") or [None])[0]
    if kind == "trending":
        return "trending", None, None
    page_type = {"week": "week", "month": "month", "date": "daily"}.get(kind)
    return page_type, list_date_from(value) if page_type else None, None


def _count_in(node: LexborNode | None) -> int | None:
    """The count a link ends with (`GitHub 1.28k`, `Upvote 1,024`, `-`)."""
    match = _COUNT_AT_END.search(clean_text(node.text()) or "") if node else None
    return parse_count(match.group(1)) if match else None


def _submitter(scope: LexborNode) -> tuple[str | None, set[str]]:
    """The username in the `Submitted by` block (its profile link, else the text after the
    label, else the avatar's alt), and the hrefs inside that block."""
    for label in scope.css(':lexbor-contains("Submitted by")'):  # the label's own element
        node: LexborNode | None = label
        for _ in range(3):  # the block is the label's parent or grandparent
            if node is None:
                break
            hrefs = {a.attributes.get("href") or "" for a in node.css("a[href]")}
            profile = next((m[1] for h in sorted(hrefs) if (m := _ORG_HREF.match(h))), None)
            text = clean_text(node.text(separator=" ")) or ""
            rest = text.partition("Submitted by")[2].split()
            img = node.css_first("img[alt]")
            name = profile or (
                rest[0] if rest else clean_text(img.attributes.get("alt")) if img else None
            )
            if name:
                return name, hrefs
            node = node.parent
    return None, set()


def _organisation(scope: LexborNode, skip: set[str]) -> str | None:
    """The organisation's full name: the span in `a[href="/<org>"]` that holds
    `img[alt=<org>]` (anchors in the `Submitted by` block are skipped)."""
    for anchor in scope.css('a[href^="/"]'):
        href = anchor.attributes.get("href") or ""
        slug = _ORG_HREF.match(href)
        img = anchor.css_first("img[alt]")
        if not slug or href in skip or img is None or img.attributes.get("alt") != slug[1]:
            continue
        full_name = anchor.css_first("span")  # avatars without a name span are people
        if full_name is not None and clean_text(full_name.text()):
            return clean_text(full_name.text())
    return None


def _links(scope: LexborNode) -> Row:
    """Fields named by links: arXiv id, GitHub repo and stars, comments, upvotes."""
    arxiv = scope.css_first('a[href^="https://arxiv.org/abs/"]') or scope.css_first(
        'a[href^="https://arxiv.org/pdf/"]'
    )
    repo = next(
        (
            a
            for a in scope.css('a[href^="https://github.com/"]')
            if _GITHUB_REPO.match(a.attributes.get("href") or "")
        ),
        None,
    )
    return {
        "arxiv_id": normalise_arxiv_id(arxiv.attributes.get("href")) if arxiv else None,
        "github_repo": repo.attributes.get("href") if repo else None,
        "github_stars": _count_in(repo),
        "comments_count": _count_in(scope.css_first('a[href$="#community"]')),
        "upvotes": _count_in(scope.css_first('a[href^="/login?next=%2Fpapers%2F"]')),
    }


def card_row(card: LexborNode) -> Row | None:
    """One list card as an entry; None when it has no title link (a cut-off card)."""
    link = card.css_first('h3 a[href^="/papers/"]')
    title = clean_text(link.text()) if link else None  # highlight spans join as printed
    if link is None or title is None:
        return None
    row = _links(card)
    paper_path = (link.attributes.get("href") or "").split("#")[0].split("?")[0]
    row["arxiv_id"] = normalise_arxiv_id(paper_path.removeprefix("/papers/")) or row["arxiv_id"]
    # The page prints the #community link only when there are comments.
    row["comments_count"] = row["comments_count"] or 0
    text = clean_text(card.text(separator=" ")) or ""
    date = _CARD_DATE.search(text)
    counts = (_AUTHORS.match(clean_text(li.text()) or "") for li in card.css("li"))
    authors = next((m for m in counts if m), None)
    abstract = next((t for p in card.css("p") if (t := clean_text(p.text()))), None)
    submitter, skip = _submitter(card)
    row.update(
        title=title,
        abstract=abstract,
        authors_count=int(authors[1]) if authors else None,
        organisation=_organisation(card, skip),
        submitter=submitter,
        published_on=printed_date(date[1]) if date else None,
        published_on_text=date[1] if date else None,
    )
    return row


def paper_row(tree: LexborHTMLParser, scope: LexborNode) -> Row:
    """A paper page without its JSON: h1, span.author, `Published on`, links. The title is
    None when the page has no h1."""
    h1 = scope.css_first("h1")
    row = _links(scope)
    names = [n for s in scope.css("span.author") if (n := (clean_text(s.text()) or "").strip(" ,"))]
    heading = next((h for h in scope.css("h2, h3") if clean_text(h.text()) == "Abstract"), None)
    abstract = heading.parent.css_first("p") if heading and heading.parent else None
    published = _PUBLISHED.search(clean_text(scope.text(separator=" ")) or "")
    project = next((a for a in scope.css("a[href]") if "project page" in a.text().lower()), None)
    submitter, skip = _submitter(scope)
    if row["arxiv_id"] is None:  # no arXiv link: the page's own URL names the paper
        row["arxiv_id"] = normalise_arxiv_id(urlsplit(page_url(tree)).path.split("/papers/")[-1])
    # The organisation sits in the title block; avatars further down are upvoters, people.
    header = h1.parent if h1 is not None and h1.parent is not None else scope
    row.update(
        title=clean_text(h1.text()) if h1 else None,
        abstract=clean_text(abstract.text()) if abstract else None,
        authors_count=len(names) or None,
        author_names=names,
        organisation=_organisation(header, skip),
        submitter=submitter,
        published_on=printed_date(published[1]) if published else None,
        published_on_text=published[1] if published else None,
        project_page=project.attributes.get("href") if project else None,
    )
    return row
