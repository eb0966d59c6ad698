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
from .dates import arxiv_id_date
from .page_parse import (
    PRINTED_DATE,
    Row,
    clean_text,
    list_date_from,
    parse_count,
    printed_date,
    yearless_month_day,
)

_COUNT_AT_END = re.compile(r"(\d[\d.,]*\s*[kKmM]?|-)\s*$")
_AUTHORS = re.compile(r"^(?:·\s*)?(\d+)\s+authors?$")
_CARD_DATE = re.compile(rf"·\s*(?:Published on\s+)?({PRINTED_DATE})")
_PUBLISHED = re.compile(rf"Published on\s+({PRINTED_DATE})")
_DAILY_RANK = re.compile(r"#(\d{1,4}) Paper of the day")
_GITHUB_REPO = re.compile(r"^https://github\.com/[^/?#\s]+/[^/?#\s]+")
_ORG_HREF = re.compile(r"^/([A-Za-z0-9][\w.-]*)$")
# The label of the AI summary a paper page shows above the arXiv abstract.
AI_SUMMARY_LABEL = "AI-generated summary"


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


def _organisation(scope: LexborNode, skip: set[str]) -> tuple[str | None, str | None]:
    """(full name, handle) of the organisation: the span in `a[href="/<org>"]` that holds
    `img[alt=<org>]` (anchors in the `Submitted by` block are skipped)."""
    for anchor in scope.css('a[href^="/"]'):
        href = anchor.attributes.get("href") or ""
        slug = _ORG_HREF.match(href)
        img = anchor.css_first("img[alt]")
        if not slug or href in skip or img is None or img.attributes.get("alt") != slug[1]:
            continue
        full_name = anchor.css_first("span")  # avatars without a name span are people
        if full_name is not None and clean_text(full_name.text()):
            return clean_text(full_name.text()), slug[1]
    return None, None


def _published(text: str | None, arxiv_id: str | None) -> Row:
    """published_on and its text from a printed date; a yearless one (`Sep 28`, the render
    year left out) is dated by a new-style arXiv id, else left to the capture (page_batch)."""
    if not text:
        return {"published_on": None, "published_on_text": None}
    month_day = yearless_month_day(text)
    on = arxiv_id_date(*month_day, arxiv_id) if month_day else printed_date(text)
    return {"published_on": on, "published_on_text": text}


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
    organisation, handle = _organisation(card, skip)
    row.update(
        title=title,
        abstract=abstract,
        authors_count=int(authors[1]) if authors else None,
        organisation=organisation,
        organisation_handle=handle,
        submitter=submitter,
        **_published(date[1] if date else None, row["arxiv_id"]),
    )
    return row


def _ai_summary(scope: LexborNode) -> str | None:
    """The AI summary: the first paragraph in the block labelled AI_SUMMARY_LABEL."""
    for node in scope.css(f':lexbor-contains("{AI_SUMMARY_LABEL}")'):  # the label's own element
        if clean_text(node.text()) != AI_SUMMARY_LABEL:
            continue
        block = node.parent
        for _ in range(3):  # the label sits in the block, or in a header row of it
            if block is None:
                break
            texts = [t for p in block.css("p") if (t := clean_text(p.text())) != AI_SUMMARY_LABEL]
            if any(texts):
                return next(t for t in texts if t)
            block = block.parent
    return None


def _abstract(scope: LexborNode, ai_summary: str | None) -> str | None:
    """The arXiv abstract: the first paragraph after the `Abstract` heading that is not the
    AI summary (pages show that summary above the abstract, in the same section)."""
    heading = next((h for h in scope.css("h2, h3") if clean_text(h.text()) == "Abstract"), None)
    if heading is None or heading.parent is None:
        return None
    passed = False
    for node in heading.parent.traverse():
        if node.mem_id == heading.mem_id:
            passed = True
        elif passed and node.tag == "p":
            text = clean_text(node.text())
            if text and text != ai_summary and text != AI_SUMMARY_LABEL:
                return text
    return None


def _comments_shown(scope: LexborNode) -> int | None:
    """Comments on a paper page: the `#community` link's count, else the comments shown in
    the community section (`#community`, or the block of a `Community` heading), each of
    which prints when it was posted in a `time` element; None without either."""
    linked = _count_in(scope.css_first('a[href$="#community"]'))
    if linked is not None:
        return linked
    section = scope.css_first('[id="community"]')
    if section is None:
        headings = scope.css("h2, h3")
        heading = next((h for h in headings if h.text().strip().startswith("Community")), None)
        section = heading.parent if heading is not None else None
    return len(section.css("time")) if section is not None else None


def paper_row(tree: LexborHTMLParser, scope: LexborNode) -> Row:
    """A paper page without its JSON: h1, span.author, `Published on`, links. The title is
    None when the page has no h1."""
    h1 = scope.css_first("h1")
    row = _links(scope)
    names = [n for s in scope.css("span.author") if (n := (clean_text(s.text()) or "").strip(" ,"))]
    ai_summary = _ai_summary(scope)
    text = clean_text(scope.text(separator=" ")) or ""
    published, rank = _PUBLISHED.search(text), _DAILY_RANK.search(text)
    project = next((a for a in scope.css("a[href]") if "project page" in a.text().lower()), None)
    submitter, skip = _submitter(scope)
    if row["arxiv_id"] is None:  # no arXiv link: the page's own URL names the paper
        row["arxiv_id"] = normalise_arxiv_id(urlsplit(page_url(tree)).path.split("/papers/")[-1])
    # The organisation sits in the title block; avatars further down are upvoters, people.
    header = h1.parent if h1 is not None and h1.parent is not None else scope
    organisation, handle = _organisation(header, skip)
    row.update(
        title=clean_text(h1.text()) if h1 else None,
        abstract=_abstract(scope, ai_summary),
        authors_count=len(names) or None,
        author_names=names,
        organisation=organisation,
        organisation_handle=handle,
        submitter=submitter,
        comments_count=_comments_shown(scope),
        project_page=project.attributes.get("href") if project else None,
        ai_summary=ai_summary,
        daily_rank=int(rank[1]) if rank else None,
        **_published(published[1] if published else None, row["arxiv_id"]),
    )
    return row
