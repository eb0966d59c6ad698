"""The papers API parser (and the helpers it shares with the HTML parser), on the JSON
fixtures: exact values, odd field types, and arbitrary input that must never raise."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.ingest.api_json import parse_api_json
from orchestration.ingest.page_parse import (
    PAGE_ENTRY_SCHEMA,
    RAW_TEXT_LIMIT,
    REJECT_SCHEMA,
    as_int,
    clean_text,
    entries_frame,
    iso_date,
    list_date_from,
    parse_count,
    printed_date,
    rejects_frame,
)

ROOT = Path(__file__).resolve().parent.parent
JSON_DIR = ROOT / "tests" / "fixtures" / "json"
SEEDS = ROOT / "seeds"

ZOO = "A Model Zoo on Phase Transitions in Neural Networks"
COLLAPSE = "Neural Collapse in Deep Linear Networks: From Balanced to Imbalanced Data"
WIDE = "Wide and Deep Neural Networks Achieve Optimality for Classification"
NTK = "Neural Tangent Kernel: Convergence and Generalization in Neural Networks"
SCALING = (
    "Scaling Limits of Wide Neural Networks with Weight Sharing: Gaussian Process Behavior, "
    "Gradient Independence, and Neural Tangent Kernel Derivation"
)
ZOO_AUTHORS = [
    "Konstantin Schürholt",
    "Léo Meynent",
    "Yefan Zhou",
    "Haiquan Lu",
    "Yaoqing Yang",
    "Damian Borth",
]
ZOO_KEYWORDS = ["weight space learning", "model zoo", "phase transitions", "loss landscape"]


def parse(name: str):
    return parse_api_json((JSON_DIR / name).read_text(encoding="utf-8"))


def seed_text(name: str) -> str:
    """A text seed with its whitespace collapsed, to look abstracts up in."""
    return " ".join((SEEDS / name).read_text(encoding="utf-8").split())


def assert_frames(result):
    assert result.entries.schema == pl.Schema(PAGE_ENTRY_SCHEMA)
    assert result.rejects.schema == pl.Schema(REJECT_SCHEMA)
    n = result.entries.height
    assert result.entries["position"].to_list() == list(range(1, n + 1))


# --- the fixtures ------------------------------------------------------------------------


def test_daily_papers_list():
    result = parse("daily_papers_2026-04-17.json")
    assert_frames(result)
    assert (result.kind, result.page_type, result.list_date, result.search_query) == (
        "api_json",
        "api_daily",
        dt.date(2026, 4, 17),
        None,
    )
    assert (result.data_source, result.problems, result.rejects.height) == ("api", (), 0)
    rows = result.entries.to_dicts()
    assert [r["title"] for r in rows] == [ZOO, COLLAPSE, WIDE]
    first = rows[0]
    assert first["abstract"].startswith("Using the weights of trained Neural Network (NN)")
    assert first | {"abstract": None} == {
        "position": 1,
        "title": ZOO,
        "abstract": None,
        "arxiv_id": "2504.18072",
        "authors_count": 6,
        "author_names": ZOO_AUTHORS,
        "organisation": None,
        "organisation_handle": None,
        "submitter": "kschuerholt",
        "published_on": dt.date(2025, 4, 25),
        "published_on_text": "2025-04-25T05:06:07.000Z",
        "comments_count": 2,
        "upvotes": 9,
        "github_repo": None,
        "github_stars": None,
        "project_page": None,
        "ai_keywords": ZOO_KEYWORDS,
        "ai_summary": f"{ZOO} is studied; see the abstract.",
        "listed_on": dt.date(2026, 4, 17),
        "daily_rank": None,
    }
    # One author is hidden in the API (a duplicate): skipped in names and count.
    collapse = rows[1]
    assert collapse["author_names"] == [
        "Hien Dang",
        "Tho Tran",
        "Stanley Osher",
        "Hung Tran-The",
        "Nhat Ho",
        "Tan Nguyen",
    ]
    assert (collapse["authors_count"], collapse["upvotes"], collapse["submitter"]) == (
        6,
        3,
        "taesiri",
    )
    assert (rows[2]["arxiv_id"], rows[2]["authors_count"], rows[2]["upvotes"]) == (
        "2204.14126",
        3,
        5,
    )
    assert [r["published_on"] for r in rows] == [
        dt.date(2025, 4, 25),
        dt.date(2023, 1, 1),
        dt.date(2022, 4, 29),
    ]


def test_wrapped_summaries_come_out_as_the_text_dumps_print_them():
    # The API keeps arXiv's hard line breaks; collapsed, they match the text seeds exactly.
    raw = json.loads((JSON_DIR / "daily_papers_2026-04-17.json").read_text(encoding="utf-8"))
    assert "\n" in raw[0]["paper"]["summary"]
    rows = parse("daily_papers_2026-04-17.json").entries.to_dicts()
    seed_000, seed_004 = (
        seed_text("000_a401d38fde9a8c54.txt"),
        seed_text("004_4283718b8e5bfa58.txt"),
    )
    for row in rows:
        assert "\n" not in row["abstract"]
        assert f"{row['title']} {row['abstract']}" in seed_004
    assert f"{ZOO} {rows[0]['abstract']}" in seed_000


def test_single_paper_object():
    result = parse("paper_2204.14126.json")
    assert_frames(result)
    assert (result.kind, result.page_type, result.list_date, result.data_source) == (
        "api_json",
        "api_paper",
        None,
        "api",
    )
    row = result.entries.row(0, named=True)
    assert row | {"abstract": None} == {
        "position": 1,
        "title": WIDE,
        "abstract": None,
        "arxiv_id": "2204.14126",
        "authors_count": 3,
        "author_names": ["Adityanarayanan Radhakrishnan", "Mikhail Belkin", "Caroline Uhler"],
        "organisation": None,
        "organisation_handle": None,
        "submitter": "nielsr",  # paper.submittedOnDailyBy
        "published_on": dt.date(2022, 4, 29),
        "published_on_text": "2022-04-29T17:58:26.000Z",
        "comments_count": None,  # a bare paper object does not count comments
        "upvotes": 5,
        "github_repo": None,
        "github_stars": None,
        "project_page": None,
        "ai_keywords": [],
        "ai_summary": None,
        "listed_on": dt.date(2026, 4, 17),
        "daily_rank": None,
    }
    assert row["abstract"].endswith("where excessive depth is harmful.")


def test_search_results():
    result = parse("search_neural_tangent_kernel.json")
    assert_frames(result)
    # Search results include papers never listed (no submittedOnDailyAt): not a daily list.
    assert (result.page_type, result.list_date, result.search_query) == ("api_search", None, None)
    rows = result.entries.to_dicts()
    assert [(r["title"], r["arxiv_id"], r["upvotes"], r["listed_on"]) for r in rows] == [
        (NTK, "1806.07572", 17, None),
        (SCALING, "1902.04760", 4, None),
        (WIDE, "2204.14126", 5, dt.date(2026, 4, 17)),
    ]
    assert [r["authors_count"] for r in rows] == [3, 1, 3]
    assert [r["submitter"] for r in rows] == [None, None, "nielsr"]


def test_new_seed_shares_papers_with_text_seed_002():
    result = parse_api_json((SEEDS / "006_api_daily_papers.json").read_text(encoding="utf-8"))
    assert_frames(result)
    assert (result.page_type, result.list_date, result.entries.height) == (
        "api_daily",
        dt.date(2026, 3, 11),
        7,
    )
    seed_002 = seed_text("002_841aa07fc6bb4a90.txt")
    for row in result.entries.to_dicts():
        assert f"{row['title']} {row['abstract']}" in seed_002
        assert row["arxiv_id"] and row["authors_count"] and row["upvotes"] is not None


# --- odd input ---------------------------------------------------------------------------


def test_items_without_title_are_rejects():
    items = [
        {"paper": {"id": "2204.14126", "title": WIDE}, "numComments": 0},
        {"paper": {"id": "2301.00437", "title": "  "}, "numComments": 1},
        "not an object",
        {"paper": {"id": "2504.18072"}, "title": ZOO},  # item-level title is a fallback
    ]
    result = parse_api_json(json.dumps(items))
    assert result.entries["title"].to_list() == [WIDE, ZOO]
    assert result.entries["position"].to_list() == [1, 2]
    assert result.rejects.rows() == [
        (2, "item has no title", '{"paper": {"id": "2301.00437", "title": " "}, "numComments": 1}'),
        (3, "item is not a JSON object", '"not an object"'),
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "not valid JSON: Expecting value: line 1 column 1 (char 0)"),
        (
            '[{"paper": {"id": "2204',
            "not valid JSON: Unterminated string starting at: line 1 column 19 (char 18)",
        ),
        ('{"capture_year": 2026}', "JSON is neither a list of papers nor a paper"),
        ('"a string"', "JSON is neither a list of papers nor a paper"),
        ("[]", "no papers in the response"),
        ("[" * 100_000, None),  # nesting deeper than the decoder's recursion limit
    ],
)
def test_unusable_documents_give_no_entries_and_say_why(text, problem):
    result = parse_api_json(text)
    assert_frames(result)
    assert result.entries.height == 0
    if problem:
        assert result.problems == (problem,)
    else:
        assert result.problems[0].startswith("not valid JSON: maximum recursion depth")


def test_wrong_field_types_mean_unknown():
    paper = {
        "id": 2204.14126,  # a float has lost digits: no id
        "title": f" {WIDE}\u200b ",
        "summary": ["not", "a", "string"],
        "authors": "Adityanarayanan Radhakrishnan",
        "publishedAt": "29 April 2022",
        "upvotes": "1,234",
        "githubRepo": "https://github.com/aradha/deep_optimality",
        "githubStars": 41.0,
        "ai_keywords": ["kernel", 3, None, " optimality "],
        "submittedOnDailyAt": 20260417,
        "submittedOnDailyBy": "nielsr",
    }
    item = {"paper": paper, "numComments": True, "organization": {"name": "mit"}}
    row = parse_api_json(json.dumps([item])).entries.row(0, named=True)
    assert row == {
        "position": 1,
        "title": WIDE,
        "abstract": None,
        "arxiv_id": None,
        "authors_count": None,
        "author_names": [],
        "organisation": "mit",  # no fullname: the handle stands in for it
        "organisation_handle": "mit",
        "submitter": None,
        "published_on": None,
        "published_on_text": "29 April 2022",
        "comments_count": None,
        "upvotes": 1234,
        "github_repo": "https://github.com/aradha/deep_optimality",
        "github_stars": 41,
        "project_page": None,
        "ai_keywords": ["kernel", "optimality"],
        "ai_summary": None,
        "listed_on": None,
        "daily_rank": None,
    }


def test_counts_beyond_int32_and_lone_surrogates_do_not_break_the_frame():
    text = '[{"paper": {"id": "2204.14126", "title": "A \\ud800 B", "upvotes": 1e20}}]'
    row = parse_api_json(text).entries.row(0, named=True)
    assert (row["title"], row["upvotes"]) == ("A \ufffd B", None)


def test_duplicate_papers_are_kept_once():
    items = [{"paper": {"id": "2204.14126v2", "title": WIDE, "upvotes": 5}}] * 2
    result = parse_api_json(json.dumps(items))
    assert result.entries.select("position", "arxiv_id").rows() == [(1, "2204.14126")]


# --- shared helpers (page_parse) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("1.28k", 1280),
        ("110k", 110000),
        ("4.35k", 4350),
        ("1,5k", 1500),
        ("2.1M", 2100000),
        ("-", 0),
        ("\u2013", 0),
        ("1,234", 1234),
        ("12,345,678", 12345678),
        ("1 234", 1234),
        ("1\u202f234", 1234),
        ("  17 ", 17),
        ("0", 0),
        (7, 7),
        ("1.5", None),
        ("", None),
        ("k", None),
        ("12k5", None),
        ("abc", None),
        ("3000000000", None),
        (-1, None),
        (True, None),
        (None, None),
        (1.0, None),
    ],
)
def test_parse_count(text, count):
    assert parse_count(text) == count


@pytest.mark.parametrize(
    ("value", "number"),
    [(41, 41), (41.0, 41), (41.5, None), ("12", 12), (True, None), (None, None), (2**40, None)],
)
def test_as_int(value, number):
    assert as_int(value) == number


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("2025-04-25T13:02:11.000Z", dt.date(2025, 4, 25)),
        ("2025-04-25T23:30:00-05:00", dt.date(2025, 4, 26)),  # the UTC day
        ("2025-04-25", dt.date(2025, 4, 25)),
        ("2025-02-30T00:00:00.000Z", None),
        ("Sep 26, 2025", None),
        (20250425, None),
        (None, None),
    ],
)
def test_iso_date(value, day):
    assert iso_date(value) == day


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("Published on Sep 26, 2025", dt.date(2025, 9, 26)),
        ("Sep 26, 2025", dt.date(2025, 9, 26)),
        ("Sept 26, 2025", dt.date(2025, 9, 26)),
        ("Sep 26", None),  # yearless: the page omits the render year
        ("Feb 30, 2025", None),
        ("Foo 26, 2025", None),
        ("", None),
        (None, None),
    ],
)
def test_printed_date(text, day):
    assert printed_date(text) == day


@pytest.mark.parametrize(
    ("value", "day"),
    [
        ("2026-01-08", dt.date(2026, 1, 8)),
        ("2026-01-08T00:00:00.000Z", dt.date(2026, 1, 8)),
        ("2026-W02", dt.date(2026, 1, 5)),
        ("2026-01", dt.date(2026, 1, 1)),
        ("2026-W54", None),
        ("2026-13", None),
        (None, None),
    ],
)
def test_list_date_from(value, day):
    assert list_date_from(value) == day


def test_clean_text():
    assert clean_text("  a\u00adb \n\t c\u200b ") == "ab c"
    assert clean_text("e\u0301") == "\u00e9"  # NFC
    assert clean_text(" \n ") is None
    assert clean_text(3) is None
    # Every whitespace character collapses, not only ASCII's; other controls stay.
    for spaced in ("a\x1cb", "a\u3000b", "a\u2028b", " a  b ", "a\t\nb", "\x85a\xa0b"):
        assert clean_text(spaced) == "a b"
    assert clean_text("a\x00b") == "a\x00b"
    assert clean_text("\u1680") is None
    assert clean_text("x\ud800y") == "x\ufffdy"  # a lone surrogate
    assert clean_text("\u00e9\u200b\u00e9") == "\u00e9\u00e9"


def test_entries_frame_merges_duplicates_and_keeps_lists():
    rows = [
        {"title": "A", "arxiv_id": "2204.14126"},
        {"title": "B", "author_names": None, "ai_keywords": ["k"]},
        {"title": "A again", "arxiv_id": "2204.14126", "author_names": ["x", "y"], "upvotes": 3},
    ]
    frame = entries_frame(rows)
    assert frame.schema == pl.Schema(PAGE_ENTRY_SCHEMA)
    assert frame.select("position", "title", "author_names", "ai_keywords", "upvotes").rows() == [
        (1, "A", ["x", "y"], [], 3),
        (2, "B", None, ["k"], None),
    ]


def test_empty_frames_have_the_schema():
    assert entries_frame([]).schema == pl.Schema(PAGE_ENTRY_SCHEMA)
    assert rejects_frame([]).schema == pl.Schema(REJECT_SCHEMA)
    long = rejects_frame([(None, "why", "x" * 5000)])
    assert long["raw_text"].str.len_chars().to_list() == [RAW_TEXT_LIMIT]


# --- never raise -------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
PAPER_KEYS = [
    "id", "title", "summary", "authors", "publishedAt", "submittedOnDailyAt", "upvotes",
    "githubRepo", "githubStars", "projectPage", "ai_keywords", "organization",
    "submittedOnDailyBy", "ai_summary", "submitterOrganization", "githubRepoAddedBy",
]  # fmt: skip
PAPERS = st.fixed_dictionaries({}, optional={key: JSON_VALUES for key in PAPER_KEYS})
ITEMS = st.fixed_dictionaries(
    {},
    optional={
        "paper": PAPERS | JSON_VALUES,
        "title": JSON_VALUES,
        "summary": JSON_VALUES,
        "numComments": JSON_VALUES,
        "submittedBy": JSON_VALUES,
        "organization": JSON_VALUES,
        "submitterOrganization": JSON_VALUES,
        "publishedAt": JSON_VALUES,
        "dailyPaperRank": JSON_VALUES,
    },
)


@given(st.text())
def test_never_raises_on_text(text):
    assert_frames(parse_api_json(text))


@given(st.binary())
def test_never_raises_on_decoded_bytes(data):
    assert_frames(parse_api_json(data.decode("utf-8", errors="replace")))


@settings(max_examples=200)
@given(st.lists(ITEMS | JSON_VALUES, max_size=6) | PAPERS | JSON_VALUES, st.text(max_size=30))
def test_never_raises_on_odd_json(document, file_name):
    result = parse_api_json(json.dumps(document), file_name=file_name)
    assert_frames(result)
    if isinstance(document, list):  # each item is an entry, a reject or a merged duplicate
        assert result.entries.height + result.rejects.height <= len(document)
    for title in result.entries["title"].to_list():
        assert title == title.strip() and not re.search(r"\s{2,}", title)
