"""The HTML parser on every page fixture: page facts, exact entries, the markup read without
the embedded JSON (it must agree with the JSON), and arbitrary input that must never raise."""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.ingest.html_pages import MAX_DEPTH, nesting_depth, parse_html, parse_markup
from orchestration.ingest.page_parse import PAGE_ENTRY_SCHEMA, REJECT_SCHEMA

ROOT = Path(__file__).resolve().parent.parent
HTML_DIR = ROOT / "tests" / "fixtures" / "html"
SEEDS = ROOT / "seeds"

FWD = "Forward Learning of Graph Neural Networks"
COLLAPSE = "Neural Collapse in Deep Linear Networks: From Balanced to Imbalanced Data"
WIDE = "Wide and Deep Neural Networks Achieve Optimality for Classification"
ZOO = "A Model Zoo on Phase Transitions in Neural Networks"
GROK = "Deep Networks Always Grok and Here is Why"
NTK = "Neural Tangent Kernel: Convergence and Generalization in Neural Networks"
BENCH = "Benchmarking Graph Neural Networks"
PLUG = "Plug & Play Generative Networks: Conditional Iterative Generation of Images in Latent Space"
SE = (
    "Recalibrating Fully Convolutional Networks with Spatial and Channel "
    "'Squeeze & Excitation' Blocks"
)
SELFKD = "Self-Knowledge Distillation with Progressive Refinement of Targets"
NO_JSON = "no embedded JSON (DailyPapers data-props); read the cards' markup"
STRIPPED = "DailyPapers div has no data-props; read the cards' markup"
CUT_CARD = "card has no title link (h3 > a[href^='/papers/']): cut off?"
NO_PAPER_JSON = "no embedded JSON (PaperContent data-props); read the page's markup"

# file: (kind, page_type, list_date, search_query, data_source, entries, rejects, problems)
PAGES = {
    "daily_2026-01-08.html": (
        "html_list", "daily", dt.date(2026, 1, 8), None, "embedded_json", 3, 0, ()),
    "week_2026-W02.html": (
        "html_list", "week", dt.date(2026, 1, 5), None, "embedded_json", 2, 0, ()),
    "trending.html": ("html_list", "trending", None, None, "embedded_json", 2, 0, ()),
    "month_2026-01_broken_json.html": (
        "html_list", "month", dt.date(2026, 1, 1), None, "markup", 2, 0,
        ("embedded JSON is not valid JSON; read the cards' markup",)),
    "daily_no_json.html": (
        "html_list", "daily", dt.date(2026, 3, 11), None, "markup", 3, 0, (NO_JSON,)),
    "search_graph_neural_networks.html": (
        "html_list", "search", None, "graph neural networks", "embedded_json", 2, 0, ()),
    "search_entities.html": ("html_list", "search", None, "networks", "embedded_json", 2, 0, ()),
    "truncated_card.html": (
        "html_list", "daily", dt.date(2026, 4, 17), None, "markup", 2, 1, (NO_JSON,)),
    "paper_2504.18072.html": ("html_paper", "paper", None, None, "embedded_json", 1, 0, ()),
    "paper_2003.00982_no_json.html": (
        "html_paper", "paper", None, None, "markup", 1, 0, (NO_PAPER_JSON,)),
    "paper_2509.05117_no_json.html": (  # AI summary, comments, yearless date: test_schema_eras
        "html_paper", "paper", None, None, "markup", 1, 0, (NO_PAPER_JSON,)),
}  # fmt: skip


def read(name: str) -> str:
    return (HTML_DIR / name).read_text(encoding="utf-8")


def rows(result) -> list[dict]:
    return result.entries.to_dicts()


def assert_frames(result):
    assert result.entries.schema == pl.Schema(PAGE_ENTRY_SCHEMA)
    assert result.rejects.schema == pl.Schema(REJECT_SCHEMA)
    n = result.entries.height
    assert result.entries["position"].to_list() == list(range(1, n + 1))
    assert result.entries["title"].null_count() == 0
    assert not any("internal error" in p for p in result.problems)


def collapsed(name: str) -> str:
    return " ".join((SEEDS / name).read_text(encoding="utf-8").split())


@pytest.mark.parametrize("name", sorted(PAGES))
def test_page_facts(name):
    result = parse_html(read(name))
    assert_frames(result)
    facts = (
        result.kind,
        result.page_type,
        result.list_date,
        result.search_query,
        result.data_source,
        result.entries.height,
        result.rejects.height,
        result.problems,
    )
    assert facts == PAGES[name]


def test_every_html_fixture_is_covered():
    assert {p.name for p in HTML_DIR.glob("*.html")} == set(PAGES)


# --- embedded JSON -----------------------------------------------------------------------


def test_daily_list_from_embedded_json():
    fwd, collapse, wide = rows(parse_html(read("daily_2026-01-08.html")))
    assert fwd["abstract"].startswith("Graph neural networks (GNNs) have achieved remarkable")
    assert fwd | {"abstract": None} == {
        "position": 1,
        "title": FWD,
        "abstract": None,
        "arxiv_id": "2403.11004",
        "authors_count": 8,
        "author_names": [
            "Namyong Park",
            "Xing Wang",
            "Antoine Simoulin",
            "Shuai Yang",
            "Grey Yang",
            "Ryan Rossi",
            "Puja Trivedi",
            "Nesreen Ahmed",
        ],
        "organisation": "AI at Meta",  # the org's fullname; its handle kept beside it
        "organisation_handle": "facebook",
        "submitter": "akhaliq",
        "published_on": dt.date(2024, 3, 16),
        "published_on_text": "2024-03-16T21:40:59.000Z",
        "comments_count": 1,
        "upvotes": 12,
        "github_repo": "https://github.com/facebookresearch/forwardgnn",
        "github_stars": 41,
        "project_page": None,
        "ai_keywords": [
            "forward learning",
            "graph neural networks",
            "backpropagation",
            "forward-forward algorithm",
        ],
        "ai_summary": "Forward Learning of Graph Neural Networks is studied; see the abstract.",
        "listed_on": dt.date(2026, 1, 8),
        "daily_rank": None,
    }
    # A hidden (duplicate) author is skipped: 6 names, as the text dumps' `6 authors`.
    assert (collapse["title"], collapse["authors_count"], len(collapse["author_names"])) == (
        COLLAPSE,
        6,
        6,
    )
    assert "Tan Minh Nguyen" not in collapse["author_names"]
    assert (wide["title"], wide["upvotes"], wide["comments_count"], wide["submitter"]) == (
        WIDE,
        0,
        0,
        "nielsr",
    )


def test_week_list_date_is_the_monday_of_the_iso_week():
    result = parse_html(read("week_2026-W02.html"))
    grok, ntk = rows(result)
    assert [grok["title"], ntk["title"]] == [GROK, NTK]
    assert [grok["listed_on"], ntk["listed_on"]] == [dt.date(2026, 1, 6), dt.date(2026, 1, 7)]
    assert (grok["project_page"], grok["github_stars"], grok["comments_count"]) == (
        "https://bit.ly/grok-adversarial",
        25,
        3,
    )
    assert ntk["author_names"] == ["Arthur Jacot", "Franck Gabriel", "Clément Hongler"]


def test_trending_has_no_date_and_a_trending_only_paper_has_no_listing():
    bench, plug = rows(parse_html(read("trending.html")))
    assert (bench["title"], bench["github_stars"], bench["listed_on"]) == (
        BENCH,
        2630,
        dt.date(2026, 1, 9),
    )
    assert (plug["title"], plug["submitter"], plug["listed_on"], plug["github_stars"]) == (
        PLUG,
        None,
        None,
        610,
    )


def test_search_page_reads_search_results_not_the_daily_list():
    result = parse_html(read("search_graph_neural_networks.html"))
    assert [r["title"] for r in rows(result)] == [FWD, BENCH]
    assert ZOO not in result.entries["title"].to_list()  # it is the page's dailyPapers


def test_paper_page_from_embedded_json():
    result = parse_html(read("paper_2504.18072.html"))
    (row,) = rows(result)
    assert row["abstract"].startswith("Using the weights of trained Neural Network (NN) models")
    assert row | {"abstract": None} == {
        "position": 1,
        "title": ZOO,
        "abstract": None,
        "arxiv_id": "2504.18072",
        "authors_count": 6,
        "author_names": [
            "Konstantin Schürholt",
            "Léo Meynent",
            "Yefan Zhou",
            "Haiquan Lu",
            "Yaoqing Yang",
            "Damian Borth",
        ],
        "organisation": None,
        "organisation_handle": None,
        "submitter": "kschuerholt",
        "published_on": dt.date(2025, 4, 25),
        "published_on_text": "2025-04-25T05:06:07.000Z",
        "comments_count": 2,  # the props' comments list, as the text dumps print `... 2`
        "upvotes": 9,
        "github_repo": None,
        "github_stars": None,
        "project_page": None,
        "ai_keywords": [
            "weight space learning",
            "model zoo",
            "phase transitions",
            "loss landscape",
        ],
        "ai_summary": "A Model Zoo on Phase Transitions in Neural Networks is studied; see the "
        "abstract.",
        "listed_on": dt.date(2025, 4, 28),
        "daily_rank": 7,  # the props' dailyPaperRank
    }


# --- markup ------------------------------------------------------------------------------


def test_paper_page_from_markup():
    (row,) = rows(parse_html(read("paper_2003.00982_no_json.html")))
    assert row["abstract"].startswith("In the last few years, graph neural networks (GNNs)")
    assert row | {"abstract": None} == {
        "position": 1,
        "title": BENCH,
        "abstract": None,
        "arxiv_id": "2003.00982",
        "authors_count": 6,
        "author_names": [
            "Vijay Prakash Dwivedi",
            "Chaitanya K. Joshi",
            "Anh Tuan Luu",
            "Thomas Laurent",
            "Yoshua Bengio",
            "Xavier Bresson",
        ],
        "organisation": None,  # upvoter avatars further down are people, not an org
        "organisation_handle": None,
        "submitter": "vijaydwivedi",  # the profile link, not the display name
        "published_on": dt.date(2020, 3, 2),
        "published_on_text": "Mar 2, 2020",
        "comments_count": 3,
        "upvotes": 1024,  # printed `1,024`
        "github_repo": "https://github.com/graphdeeplearning/benchmarking-gnns",  # not the footer's
        "github_stars": 2630,  # printed `2.63k`
        "project_page": "https://graphdeeplearning.github.io/project/benchmarking-gnns/",
        "ai_keywords": [],
        "ai_summary": None,
        "listed_on": None,
        "daily_rank": None,
    }


def test_broken_json_falls_back_to_cards_rendered_twice():
    se, selfkd = rows(parse_html(read("month_2026-01_broken_json.html")))
    assert se["abstract"].startswith("In a wide range of semantic segmentation tasks")
    assert se | {"abstract": None} == {
        "position": 1,
        "title": SE,
        "abstract": None,
        "arxiv_id": "1808.08127",
        "authors_count": 3,  # `3 authors`; the names are not in the card
        "author_names": [],
        "organisation": None,
        "organisation_handle": None,
        "submitter": None,
        "published_on": dt.date(2018, 8, 23),
        "published_on_text": "Aug 23, 2018",  # `Published on` (desktop block) left out
        "comments_count": 2,
        "upvotes": 1234,
        "github_repo": "https://github.com/ai-med/squeeze_and_excitation",
        "github_stars": 636,
        "project_page": None,
        "ai_keywords": [],
        "ai_summary": None,
        "listed_on": None,
        "daily_rank": None,
    }
    assert (selfkd["title"], selfkd["upvotes"], selfkd["comments_count"]) == (SELFKD, 0, 0)
    assert (selfkd["authors_count"], selfkd["published_on"]) == (4, dt.date(2020, 6, 22))


def test_compact_cards_without_json():
    result = parse_html(read("daily_no_json.html"))
    assert result.entries.select(
        "title", "arxiv_id", "upvotes", "comments_count", "submitter"
    ).rows() == [
        ("Contextual Bandits with Online Neural Regression", "2312.07145", 4, 0, "akhaliq"),
        ("Tunable Convolutions with Parametric Multi-Loss Optimization", "2304.00898", 7, 1,
         "nielsr"),
        ("What Can Be Learnt With Wide Convolutional Neural Networks?", "2208.01003", 0, 0,
         "taesiri"),
    ]  # fmt: skip
    # Compact cards print no abstract, authors or date; each is listed on the page's date.
    for column in ("abstract", "authors_count", "published_on", "published_on_text"):
        assert result.entries[column].null_count() == 3
    assert set(result.entries["listed_on"]) == {dt.date(2026, 3, 11)}
    assert result.list_date_rule == "page_date"


def test_truncated_card_is_a_reject():
    result = parse_html(read("truncated_card.html"))
    assert result.entries["title"].to_list() == [ZOO, COLLAPSE]
    assert result.rejects.rows() == [(3, CUT_CARD, "Submitted by nielsr 5 <")]


def test_entities_are_decoded_in_markup_and_json():
    from_json, from_markup = (
        rows(parse_html(read("search_entities.html"))),
        rows(parse_markup(read("search_entities.html"))),
    )
    raw = read("search_entities.html")
    assert "&#39;Squeeze &amp; Excitation&#39;" in raw and "Plug &amp; Play" in raw
    assert "&quot;condition&quot; network" in raw
    for got in (from_json, from_markup):
        assert [r["title"] for r in got] == [SE, PLUG]
        assert "'squeeze & excitation' (SE) modules" in got[0]["abstract"]
        assert (
            'call the general class of models "Plug and Play Generative Networks".'
            in (got[1]["abstract"])
        )
    assert [r["abstract"] for r in from_json] == [r["abstract"] for r in from_markup]


def test_highlight_spans_join_without_losing_or_adding_spaces():
    raw = read("search_entities.html")
    # `Generative <span class="highlight">Networks</span>:` must read `Networks:`.
    assert '<span class="highlight">Networks</span>:' in raw
    result = parse_markup(raw)
    assert result.entries["title"].to_list() == [SE, PLUG]
    graph = parse_markup(read("search_graph_neural_networks.html"))
    assert '<span class="highlight">Graph</span> <span class="highlight">Neural</span>' in read(
        "search_graph_neural_networks.html"
    )
    assert (graph.page_type, graph.search_query) == ("search", "graph neural networks")
    assert graph.entries["title"].to_list() == [FWD, BENCH]


# The markup, read with the JSON stripped, must agree with the JSON on what cards print.
CARD_FIELDS = ["title", "arxiv_id", "upvotes", "comments_count", "github_repo", "github_stars"]
FULL_CARD_FIELDS = [*CARD_FIELDS, "abstract", "published_on", "organisation"]


@pytest.mark.parametrize(
    ("name", "fields", "problems"),
    [
        ("daily_2026-01-08.html", [*CARD_FIELDS, "organisation", "submitter"], (STRIPPED,)),
        ("week_2026-W02.html", FULL_CARD_FIELDS, (STRIPPED,)),
        ("trending.html", FULL_CARD_FIELDS, (STRIPPED,)),
        ("search_graph_neural_networks.html", FULL_CARD_FIELDS, (STRIPPED,)),
        ("search_entities.html", FULL_CARD_FIELDS, (STRIPPED,)),
        ("paper_2504.18072.html", [*FULL_CARD_FIELDS, "author_names", "submitter"],
         ("PaperContent div has no data-props; read the page's markup",)),
    ],
)  # fmt: skip
def test_markup_agrees_with_embedded_json(name, fields, problems):
    from_json, from_markup = parse_html(read(name)), parse_markup(read(name))
    assert_frames(from_markup)
    assert from_markup.data_source == "markup" and from_markup.problems == problems
    assert (from_markup.page_type, from_markup.list_date) == (
        from_json.page_type,
        from_json.list_date,
    )
    # Desktop and mobile copies of each card count once.
    assert from_markup.entries.select(fields).rows() == from_json.entries.select(fields).rows()
    # A card prints `N authors` or an organisation, never both.
    for markup_row, json_row in zip(rows(from_markup), rows(from_json), strict=True):
        assert markup_row["authors_count"] in (None, json_row["authors_count"])
        if markup_row["organisation"] is None and "published_on" in fields:
            assert markup_row["authors_count"] == json_row["authors_count"]


def test_duplicate_cards_in_separate_articles_count_once():
    card = (
        '<article><h3><a href="/papers/{id}">{title}</a></h3>'
        '<a href="/login?next=%2Fpapers%2F{id}"><div>{votes}</div></a>{extra}</article>'
    )
    page = (
        "<html><body><main>"
        + card.format(id="2204.14126", title=WIDE, votes="5", extra="")
        + card.format(id="2204.14126", title=WIDE, votes="5", extra="<ul><li>3 authors</li></ul>")
        + card.format(id="2504.18072", title=ZOO, votes="-", extra="")
        + "</main></body></html>"
    )
    result = parse_html(page)
    assert result.entries.select("position", "title", "upvotes", "authors_count").rows() == [
        (1, WIDE, 5, 3),  # the second copy fills what the first lacked
        (2, ZOO, 0, None),
    ]
    assert (result.page_type, result.list_date) == ("daily", None)


@pytest.mark.parametrize(
    ("page", "problems", "kind"),
    [
        ("", ("no paper cards or paper content in the page",), "html_list"),
        ("<html><body><p>nothing here</p></body></html>",
         ("no paper cards or paper content in the page",), "html_list"),
        ('<div data-target="DailyPapers" data-props="{&quot;dateString&quot;:1}"></div>',
         ("DailyPapers props hold no paper list; read the cards' markup",
          "no paper entries found on the page"), "html_list"),
        ('<div data-target="DailyPapers" data-props="[1, 2]"></div>',
         ("embedded JSON is not an object; read the cards' markup",
          "no paper entries found on the page"), "html_list"),
        ('<div data-target="PaperContent" data-props="{&quot;paper&quot;:"><h1>T</h1></div>',
         ("embedded JSON is not valid JSON; read the page's markup",), "html_paper"),
        ('<div data-target="PaperContent" data-props="{}"></div>',
         ("PaperContent props hold no paper; read the page's markup",
          "no paper entries found on the page"), "html_paper"),
    ],
)  # fmt: skip
def test_pages_without_entries_say_why(page, problems, kind):
    result = parse_html(page)
    assert_frames(result)
    assert (result.kind, result.problems) == (kind, problems)


def test_paper_content_without_a_title_is_a_reject():
    props = "{&quot;paper&quot;:{&quot;id&quot;:&quot;2204.14126&quot;}}"
    page = f'<div data-target="PaperContent" data-props="{props}"></div>'
    result = parse_html(page)
    assert result.entries.height == 0
    assert result.rejects.select("position", "reason").rows() == [(1, "item has no title")]


def test_raw_text_of_a_reject_is_capped():
    page = "<main><article><p>" + "word " * 2000 + "</p></article></main>"
    (raw,) = parse_html(page).rejects["raw_text"].to_list()
    assert len(raw) == 2000


def test_new_seed_shares_papers_with_text_seed_000():
    result = parse_html((SEEDS / "005_hf_daily_2026-06-01.html").read_text(encoding="utf-8"))
    assert_frames(result)
    assert (result.page_type, result.list_date, result.data_source) == (
        "daily",
        dt.date(2026, 6, 1),
        "embedded_json",
    )
    seed_000 = collapsed("000_a401d38fde9a8c54.txt")
    for row in rows(result):
        assert f"{row['title']} {row['abstract']}" in seed_000
    assert result.entries["arxiv_id"].null_count() == 0


@pytest.mark.parametrize(
    ("name", "seed"),
    [
        ("daily_2026-01-08.html", "003_0ee2deba839f99fc.txt"),
        ("week_2026-W02.html", "000_a401d38fde9a8c54.txt"),
        ("search_entities.html", "002_841aa07fc6bb4a90.txt"),
        ("month_2026-01_broken_json.html", "000_a401d38fde9a8c54.txt"),
    ],
)
def test_fixture_papers_are_the_text_seeds_papers(name, seed):
    text = collapsed(seed)
    for row in rows(parse_html(read(name))):
        assert f"{row['title']} {row['abstract']}" in text


# --- pathological input ------------------------------------------------------------------


@pytest.mark.parametrize(
    "page",
    [
        "<div>" * 200_000,
        "<div/>" * 200_000,
        "<em><em><em><div>" * 20_000,
        "<svg>" + "<div>" * 100_000,
        "<main>" + "<article>" * 100_000 + '<h3><a href="/papers/1">t</a>',
    ],
)
def test_deep_nesting_is_refused_quickly(page):
    start = time.perf_counter()
    result = parse_html(page)
    assert time.perf_counter() - start < 1
    assert result.problems == (f"markup nested deeper than {MAX_DEPTH} levels",)
    assert_frames(result)


def test_depth_estimate_ignores_scripts_comments_and_void_elements():
    assert nesting_depth("<script>" + "if (a<b && i<div) {}" * 1000 + "</script>") == 0
    assert nesting_depth("<!--" + "<div>" * 1000 + "-->") == 0
    assert nesting_depth("<p><li><img><br><input>" * 1000) == 0
    assert nesting_depth("<div><span></span></div>" * 1000) == 2
    assert nesting_depth(read("search_graph_neural_networks.html")) < 30


@pytest.mark.parametrize(
    ("page", "depth"),
    [
        ("<DIV><Span>", 2),
        ("<divx><div>", 1),  # another element's name, not a div
        ("<a-b><a>", 1),
        ("<div-->", 1),  # `-->` ends the name
        ("<div--->", 0),  # `div-`
        ("<kbd><\u212abd>", 1),  # tag names match in ASCII case only (Kelvin sign)
        ("</div></div><div>", 1),
        ("<!--><div>-->", 0),  # `<!-->` opens a comment that `-->` closes later
        ("<!-- <!--->--><div>", 1),  # an inner `<!--` hides the `-->` it overlaps
        ("<!-- <!---->x<div>", 1),
        ("<textarea><div>", 0),  # unclosed: the rest is text
        ("<script><div></script ><div>", 1),
        ("<SCRIPT><div></SCRIPT\u2003><div>", 1),
        ("<script2><div>", 1),  # no script element
        ("<script\u0439><div>", 1),
        ("<\u017fcript><div>", 1),
        ("<script><div></\u017fcript><div></script><div>", 1),
        ("<title><div></title><div>", 1),
        ("<style><div></style><div><div>", 2),
        ("<div title='<script>'><div></script><div>", 2),
    ],
)
def test_depth_reads_tags_and_opaque_blocks_as_a_tokenizer_does(page, depth):
    assert nesting_depth(page) == depth


def test_many_cards_stay_fast():
    card = '<article><h3><a href="/papers/2204.{n:05d}">Title {n}</a></h3></article>'
    page = "<main>" + "".join(card.format(n=n) for n in range(5000)) + "</main>"
    start = time.perf_counter()
    result = parse_html(page)
    assert time.perf_counter() - start < 5
    assert result.entries.height == 5000


FRAGMENTS = st.sampled_from(
    [
        "<article>", "</article>", "<h3>", "</h3>", '<a href="/papers/2204.14126">',
        '<a href="/papers/x">', "</a>", '<span class="highlight">', "</span>", "<li>",
        "3 authors", "<p>", "·", "Published on Sep 26, 2025", '<a href="https://github.com/o/r">',
        "1.28k", "-", '<a href="/papers/2204.14126#community">',
        '<a href="/login?next=%2Fpapers%2F1">',
        "Submitted by", '<a href="/org"><img alt="org"><span>Org</span></a>', "<h1>", "</h1>",
        '<span class="author">', '<div data-target="DailyPapers" data-props="',
        '<div data-target="PaperContent" data-props="', "{&quot;dailyPapers&quot;:[", '">',
        "</div>", "&amp;", "&#39;", "<main>", "<script>", "<!--", '<link rel="canonical" '
        'href="https://huggingface.co/papers/week/2026-W02">', '<input name="q" value="x">',
    ]
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(FRAGMENTS | st.text(max_size=8), max_size=40).map("".join))
def test_never_raises_on_page_like_fragments(page):
    assert_frames(parse_html(page))


@settings(deadline=None)
@given(st.text())
def test_never_raises_on_text(text):
    assert_frames(parse_html(text))


@settings(deadline=None)
@given(st.binary())
def test_never_raises_on_decoded_bytes(data):
    for encoding in ("utf-8", "latin-1"):
        result = parse_html(data.decode(encoding, errors="replace"))
        assert_frames(result)
        for title in result.entries["title"].to_list():
            assert not re.search(r"\s{2,}", title)
