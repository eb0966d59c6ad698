"""Parse saved Hugging Face papers pages: list pages (daily, week, month, trending, search)
and single paper pages.

The pages embed their whole data set as JSON (`data-props` of the DailyPapers or
PaperContent div); that is read first. Without it, or when it is broken, the server-rendered
markup is read instead, anchored on href patterns and element structure, never on styling
classes (they change every few months).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from selectolax.lexbor import LexborHTMLParser, LexborNode

from .api_json import (
    RULE_PAGE,
    RULE_SUBMITTED_ON_DAILY,
    common_listed_on,
    listing_from_props,
    rows_from_items,
)
from .html_markup import card_row, paper_row, url_facts
from .page_parse import PageParse, Reject, Row, empty_parse, entries_frame, rejects_frame

# Browsers stop nesting at 512 levels (WebKit); lexbor has no cap and deep nesting makes it
# quadratic (200,000 nested divs take minutes), so deeper markup is refused before parsing.
MAX_DEPTH = 512
MAX_CARDS = 10_000
# HTML elements that nest until closed (void elements, `p`/`li`/`td` and the like close
# themselves; SVG's `<path/>` is not counted, so `/>` needs no special case).
# fmt: off
_NESTING = frozenset({
    "a", "abbr", "address", "article", "aside", "b", "bdi", "bdo", "blockquote", "button",
    "center", "cite", "code", "data", "del", "details", "dfn", "dialog", "dir", "div", "dl",
    "em", "fieldset", "figcaption", "figure", "font", "footer", "form", "h1", "h2", "h3", "h4",
    "h5", "h6", "header", "hgroup", "i", "ins", "kbd", "label", "legend", "main", "mark", "menu",
    "nav", "nobr", "ol", "pre", "q", "s", "samp", "search", "section", "select", "small", "span",
    "strike", "strong", "sub", "summary", "sup", "table", "time", "tt", "u", "ul", "var",
})
# fmt: on
# A tag and its name; `-->` ends a name (`<div-->` is a div): the comment closer comes first.
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9]*(?:-(?!->)[A-Za-z0-9]*)*)")
_TAG_START = re.compile(rb"<[A-Za-z]")  # an opening tag, in the UTF-8 bytes
# Script, style, title, textarea and comments hold text, not elements (`a<b` in code is no tag).
# Their names match in ASCII case only (`(?ai:)`), as tag names do: `<\u017fcript>` is no script.
_OPAQUE_START = re.compile(r"<(?:(?ai:(script|style|textarea|title))\b|!--)")
_OPAQUE_END = {
    name: re.compile(rf"</(?ai:{name})\s*>") for name in ("script", "style", "textarea", "title")
}


def _comment_end(html: str, pos: int) -> int:
    """Where a comment opened before `pos` ends (after its `-->`); the end of the text if it
    never does. A `<!--` inside it that overlaps the `-->` (`<!--->`, `<!-->`) hides it."""
    while (end := html.find("-->", pos)) >= 0:
        inner = html.find("<!--", max(pos, end - 3), end + 2)  # one overlapping the `-->`
        if inner < 0:
            return end + 3
        pos = inner + 4
    return len(html)


def _opaque_end(html: str, start: re.Match[str]) -> int:
    """Where the opaque block that `start` opens ends (the end of the text if unclosed)."""
    if start.group(1) is None:
        return _comment_end(html, start.end())
    end = _OPAQUE_END[start.group(1).lower()].search(html, start.end())
    return end.end() if end else len(html)


def nesting_depth(html: str, limit: int = MAX_DEPTH) -> int:
    """Deepest element nesting the markup asks for (stops counting once past `limit`).

    Regex searches step over the text and opaque blocks in C; Python only sees the tags.
    """
    depth = deepest = pos = 0
    while True:
        opaque = _OPAQUE_START.search(html, pos)
        stop = opaque.start() if opaque else len(html)
        for closing, name in _TAG.findall(html, pos, stop):
            if name.lower() not in _NESTING:
                continue
            if closing:
                depth = depth - 1 if depth else 0
            else:
                depth += 1
                if depth > deepest:
                    deepest = depth
                    if deepest > limit:
                        return deepest
        if opaque is None:
            return deepest
        pos = _opaque_end(html, opaque)


def _props(div: LexborNode, target: str, then: str) -> tuple[Mapping[str, Any] | None, str]:
    """The div's `data-props` object (selectolax has already decoded the entities), or None
    and the problem to report."""
    raw = div.attributes.get("data-props")
    if not raw:
        return None, f"{target} div has no data-props; read {then}"
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        return None, f"embedded JSON is not valid JSON; read {then}"
    if not isinstance(data, Mapping):
        return None, f"embedded JSON is not an object; read {then}"
    return data, f"{target} props hold no paper list; read {then}"


def _list_from_markup(tree: LexborHTMLParser, scope: LexborNode, problems: list[str]) -> PageParse:
    """Every `article` is a card; one without a title link is a reject at its ordinal."""
    cards = scope.css("article")
    if len(cards) > MAX_CARDS:
        problems.append(f"{len(cards)} cards; only the first {MAX_CARDS} were read")
    rows: list[Row] = []
    rejects: list[Reject] = []
    for ordinal, card in enumerate(cards[:MAX_CARDS], 1):
        row = card_row(card)
        if row is None:
            reason = "card has no title link (h3 > a[href^='/papers/']): cut off?"
            rejects.append((ordinal, reason, card.text(separator=" ")))
        else:
            rows.append(row)
    page_type, list_date, query = url_facts(tree)
    return _list_parse(page_type or "daily", list_date, query, "markup", rows, rejects, problems)


def _list_parse(
    page_type: str,
    list_date: Any,
    query: str | None,
    source: str,
    rows: list[Row],
    rejects: list[Reject],
    problems: list[str],
) -> PageParse:
    """A list page's PageParse; a daily list with no printed date takes its items' day, and
    its items with no day of their own take the list's."""
    rule = RULE_PAGE if list_date is not None else None
    if page_type == "daily" and list_date is None:
        list_date = common_listed_on(rows)
        rule = RULE_SUBMITTED_ON_DAILY if list_date is not None else None
    if page_type == "daily" and list_date is not None:
        for row in rows:
            row["listed_on"] = row.get("listed_on") or list_date
    if not rows:
        problems.append("no paper entries found on the page")
    return PageParse(
        kind="html_list",
        page_type=page_type,
        list_date=list_date if page_type in {"daily", "week", "month"} else None,
        search_query=query,
        data_source=source,
        entries=entries_frame(rows),
        rejects=rejects_frame(rejects),
        problems=tuple(problems),
        list_date_rule=rule if page_type in {"daily", "week", "month"} else None,
    )


def _paper_parse(
    rows: list[Row], rejects: list[Reject], source: str, problems: list[str]
) -> PageParse:
    if not rows:
        problems.append("no paper entries found on the page")
    return PageParse(
        kind="html_paper",
        page_type="paper",
        list_date=None,
        search_query=None,
        data_source=source,
        entries=entries_frame(rows),
        rejects=rejects_frame(rejects),
        problems=tuple(problems),
    )


def _paper_from_markup(tree: LexborHTMLParser, scope: LexborNode, problems: list[str]) -> PageParse:
    row = paper_row(tree, scope)
    if row["title"] is None:
        reject = (1, "paper page has no title (h1)", scope.text(separator=" "))
        return _paper_parse([], [reject], "markup", problems)
    return _paper_parse([row], [], "markup", problems)


def _too_deep(html: str, data: bytes) -> bool:
    """Nested deeper than MAX_DEPTH? Each level needs an opening tag (`<` and a letter), so a
    page with no more of those than MAX_DEPTH (one C scan) needs no depth count."""
    return len(_TAG_START.findall(data)) > MAX_DEPTH and nesting_depth(html) > MAX_DEPTH


def _parse(html: str) -> PageParse:
    # Lone surrogates cannot be encoded; `replace` keeps the parser from failing on them.
    data = html.encode("utf-8", "replace")
    if _too_deep(html, data):
        return empty_parse("html_list", "markup", f"markup nested deeper than {MAX_DEPTH} levels")
    tree = LexborHTMLParser(data)
    scope = tree.css_first("main") or tree.body or tree.root
    if scope is None:
        return empty_parse("html_list", "markup", "empty document")
    problems: list[str] = []
    paper_div = tree.css_first('div[data-target="PaperContent"]')
    if paper_div is not None:
        props, problem = _props(paper_div, "PaperContent", "the page's markup")
        if props is not None and isinstance(props.get("paper"), Mapping):
            rows, rejects = rows_from_items([props])  # props hold comments and organization too
            return _paper_parse(rows, rejects, "embedded_json", problems)
        problems.append(problem.replace("paper list", "paper"))
        return _paper_from_markup(tree, scope, problems)
    list_div = tree.css_first('div[data-target="DailyPapers"]')
    if list_div is not None:
        props, problem = _props(list_div, "DailyPapers", "the cards' markup")
        listing = listing_from_props(props) if props is not None else None
        if listing is not None:
            page_type, list_date, query, items = listing
            url_type, url_date, url_query = url_facts(tree)
            rows, rejects = rows_from_items(items)
            date = list_date or (url_date if url_type == page_type else None)
            query = query or (url_query if page_type == "search" else None)
            return _list_parse(page_type, date, query, "embedded_json", rows, rejects, problems)
        problems.append(problem)
        return _list_from_markup(tree, list_div, problems)
    if scope.css_first("article") is not None:
        problems.append("no embedded JSON (DailyPapers data-props); read the cards' markup")
        return _list_from_markup(tree, scope, problems)
    if scope.css_first("h1") is not None:
        problems.append("no embedded JSON (PaperContent data-props); read the page's markup")
        return _paper_from_markup(tree, scope, problems)
    return empty_parse("html_list", "markup", "no paper cards or paper content in the page")


def parse_html(html: str) -> PageParse:
    """Parse one saved page. Never raises: a failure is reported as a problem."""
    try:
        return _parse(html)
    except Exception as error:  # a parser bug must cost one file, not the batch
        return empty_parse(
            "html_list", "markup", f"internal error: {type(error).__name__}: {error}"
        )


def parse_markup(html: str) -> PageParse:
    """Like parse_html but ignoring the embedded JSON (to cross-check the card markup)."""
    stripped = re.sub(r"\sdata-props=\"[^\"]*\"", "", html)
    return parse_html(stripped)
