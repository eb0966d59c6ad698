"""Every schema era of `/api/daily_papers` (one fixture each, tests/fixtures/json/), the rule
that dates a daily list, organisations, and what a paper page without its JSON gives.

Figures are read off the fixtures; the eras are listed in /work/shared/docs/hf-pages.md and
docs/api-schema-eras.md.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import polars as pl
import pytest

from orchestration.ingest.api_json import (
    daily_list_date,
    date_in_file_name,
    list_day_from_items,
    most_common_day,
    parse_api_json,
)
from orchestration.ingest.discovery import read_dump
from orchestration.ingest.html_pages import parse_html
from orchestration.ingest.page_parse import PAGE_ENTRY_SCHEMA
from orchestration.ingest.parse import parse_dumps

ROOT = Path(__file__).resolve().parent.parent
JSON_DIR = ROOT / "tests" / "fixtures" / "json"
HTML_DIR = ROOT / "tests" / "fixtures" / "html"

# file: (list date, rule given the file name, rule from the content alone, entries)
ERAS = {
    "2024-11-21.json": (dt.date(2024, 11, 21), "file_name_date", "items_published_at", 3),
    "daily_2025-03-05.json": (dt.date(2025, 3, 5), "file_name_date", "items_published_at", 2),
    "daily_2025-04-28.json": (dt.date(2025, 4, 28), "submitted_on_daily_at", None, 2),
    "daily_2025-06-17.json": (dt.date(2025, 6, 17), "submitted_on_daily_at", None, 2),
    "daily_2025-09-26.json": (dt.date(2025, 9, 26), "submitted_on_daily_at", None, 2),
    "daily_2025-10-08.json": (dt.date(2025, 10, 8), "submitted_on_daily_at", None, 2),
    "daily_2025-12-15.json": (dt.date(2025, 12, 15), "submitted_on_daily_at", None, 2),
    "daily_2026-02-23.json": (dt.date(2026, 2, 23), "submitted_on_daily_at", None, 2),
}


def text(name: str) -> str:
    return (JSON_DIR / name).read_text(encoding="utf-8")


def rows(name: str) -> list[dict]:
    return parse_api_json(text(name), file_name=name).entries.to_dicts()


def column(name: str, field: str) -> list:
    return [row[field] for row in rows(name)]


# --- every era is a daily list --------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(ERAS))
def test_every_era_is_a_daily_list(name):
    day, named_rule, content_rule, n = ERAS[name]
    result = parse_api_json(text(name), file_name=name)
    assert result.entries.schema == pl.Schema(PAGE_ENTRY_SCHEMA)
    assert (result.page_type, result.list_date, result.list_date_rule) == (
        "api_daily",
        day,
        named_rule,
    )
    assert (result.entries.height, result.rejects.height, result.problems) == (n, 0, ())
    assert set(result.entries["listed_on"]) == {day}
    # Without its name the content still dates it, except that nothing overrides the papers'
    # own submittedOnDailyAt.
    alone = parse_api_json(text(name))
    assert (alone.page_type, alone.list_date) == ("api_daily", day)
    assert alone.list_date_rule == (content_rule or named_rule)
    # A sidecar's listed_on comes first.
    asked = parse_api_json(text(name), listed_on=dt.date(2030, 1, 1), file_name=name)
    assert (asked.list_date, asked.list_date_rule) == (dt.date(2030, 1, 1), "sidecar_listed_on")


def test_every_era_fixture_is_covered():
    eras = {p.name for p in JSON_DIR.glob("*.json")} - {
        "daily_papers_2026-04-17.json",  # test_api_json.py
        "paper_2204.14126.json",
        "search_neural_tangent_kernel.json",
    }
    assert eras == set(ERAS)


def test_2024_list_time_on_the_previous_utc_day_hidden_and_repeated_authors():
    raw = json.loads(text("2024-11-21.json"))
    # No submittedOnDailyAt; two items were put on the list the evening before (UTC).
    assert all("submittedOnDailyAt" not in item["paper"] for item in raw)
    assert [item["publishedAt"][:10] for item in raw] == ["2024-11-20", "2024-11-20", "2024-11-21"]
    state, untrainable, inductive = rows("2024-11-21.json")
    # The hidden duplicate of a claimed author is skipped, as the page does; order kept.
    assert state["author_names"] == [
        "Riccardo Grazzi",
        "Julien Siems",
        "Jörg K. H. Franke",
        "Arber Zela",
        "Frank Hutter",
        "Massimiliano Pontil",
    ]
    assert state["authors_count"] == 6  # the text dumps' `6 authors`
    # A name listed twice (not hidden) keeps both positions.
    assert untrainable["author_names"][-3:] == ["Brian Cheung", "Andrei Barbu", "Andrei Barbu"]
    assert untrainable["authors_count"] == 8
    assert [r["submitter"] for r in (state, untrainable, inductive)] == ["akhaliq", "akhaliq", None]
    # published_on is the paper's (arXiv) date, not the item's list time.
    assert [r["published_on"] for r in (state, untrainable, inductive)] == [
        dt.date(2024, 11, 19),
        dt.date(2024, 10, 25),
        dt.date(2024, 6, 22),
    ]
    assert [r["comments_count"] for r in (state, untrainable, inductive)] == [2, 0, 1]
    assert [r["upvotes"] for r in (state, untrainable, inductive)] == [21, 6, 3]
    assert {r["arxiv_id"] for r in (state, untrainable, inductive)} == {
        "2411.12537",
        "2410.20035",
        "2406.15941",
    }


def test_2025_03_project_pages_keywords_and_item_summaries():
    permutations, intar = rows("daily_2025-03-05.json")
    raw = json.loads(text("daily_2025-03-05.json"))
    assert raw[0]["paper"]["projectPage"] == " https://opallab.github.io/permutations/"
    assert permutations["project_page"] == "https://opallab.github.io/permutations/"
    assert permutations["ai_keywords"] == [
        "permutation learning",
        "binary inputs",
        "neural tangent kernel",
        "ensemble complexity",
    ]
    # A GitHub URL as the project page (a code link once canonicalised, see the batch test).
    assert (intar["github_repo"], intar["project_page"]) == (
        None,
        "https://github.com/OswaldHe/InTAR",
    )
    # The item repeats the paper's summary: the abstract, never taken twice.
    assert permutations["abstract"].startswith("The ability of an architecture to realize")
    assert [r["submitter"] for r in (permutations, intar)] == ["giapitzakis", "akhaliq"]
    assert [r["authors_count"] for r in (permutations, intar)] == [3, 4]


def test_2025_04_submitted_on_daily_at_and_by():
    zoo, netllm = rows("daily_2025-04-28.json")
    assert (zoo["submitter"], netllm["submitter"]) == ("kschuerholt", "duowu")
    assert (zoo["github_repo"], netllm["github_repo"]) == (
        "https://github.com/ModelZoos/PhaseTransitionZoos",
        "https://github.com/duowuyms/NetLLM",
    )
    assert (zoo["github_stars"], zoo["ai_summary"]) == (None, None)
    assert netllm["published_on"] == dt.date(2024, 2, 3)  # an older paper, listed in 2025


def test_mid_2025_ai_summary_and_stars_without_a_repo():
    price, operators = rows("daily_2025-06-17.json")
    assert (price["github_repo"], price["github_stars"]) == (None, 12)
    assert (operators["github_repo"], operators["github_stars"]) == (
        "https://github.com/neuraloperator/neuraloperator",
        2840,
    )
    assert price["ai_summary"].startswith("Equivariant tensor products are compared")
    assert operators["ai_summary"] == (
        "A recipe converts standard neural architectures into neural operators on function "
        "spaces, keeping discretization convergence."
    )
    assert price["ai_summary"] != price["abstract"]


def test_late_september_2025_submitter_organisation_only():
    raw = json.loads(text("daily_2025-09-26.json"))
    assert all("organization" not in item and "organization" not in item["paper"] for item in raw)
    assert [
        (r["organisation"], r["organisation_handle"]) for r in rows("daily_2025-09-26.json")
    ] == [("ETH Zürich", "ethz"), ("University of Maryland", "umd")]


def test_october_2025_organization_on_item_and_paper():
    # Item and paper both name it; the second names it on the paper only.
    assert [
        (r["organisation"], r["organisation_handle"]) for r in rows("daily_2025-10-08.json")
    ] == [
        ("EdinburghNLP", "EdinburghNLP"),
        ("Kempner Institute at Harvard University", "kempnerinstitute"),
    ]
    assert column("daily_2025-10-08.json", "comments_count") == [1, 0]


def test_december_2025_and_2026_fields_leave_the_rest_alone():
    grok, align = rows("daily_2025-12-15.json")  # githubRepoAddedBy
    assert (grok["github_repo"], grok["github_stars"], grok["project_page"]) == (
        "https://github.com/AhmedImtiazPrio/grok-adversarial",
        25,
        "https://bit.ly/grok-adversarial",
    )
    assert (align["organisation"], align["organisation_handle"], align["authors_count"]) == (
        "Google",
        "google",
        9,
    )
    ntk, bench = rows("daily_2026-02-23.json")  # ai_summary_model
    assert ntk["ai_summary"].startswith("During gradient descent a wide network's function")
    assert (bench["upvotes"], bench["comments_count"], bench["submitter"]) == (
        31,
        2,
        "vijaydwivedi",
    )


def test_organisation_precedence():
    paper = {"id": "2509.05117", "title": "T"}
    org = {"name": "nvidia", "fullname": "NVIDIA"}
    other = {"name": "ethz", "fullname": "ETH Zürich"}
    cases = [
        ({"organization": org, "submitterOrganization": other}, ("NVIDIA", "nvidia")),
        ({"paper": {**paper, "organization": org}, "submitterOrganization": other},
         ("NVIDIA", "nvidia")),
        ({"paper": {**paper, "submitterOrganization": other}}, ("ETH Zürich", "ethz")),
        ({"submitterOrganization": {"name": "nvidia"}}, ("nvidia", "nvidia")),
        ({"organization": {"fullname": "NVIDIA"}}, ("NVIDIA", None)),
        ({"organization": "nvidia"}, ("nvidia", "nvidia")),
        ({"organization": {}, "submitterOrganization": None}, (None, None)),
    ]  # fmt: skip
    for extra, expected in cases:
        item = {"paper": paper, **extra}
        row = parse_api_json(json.dumps([item])).entries.row(0, named=True)
        assert (row["organisation"], row["organisation_handle"]) == expected, extra


# --- the list-date rule ---------------------------------------------------------------------


def item(listed_at: str, published_at: str = "2024-01-01T10:00:00.000Z", **paper) -> dict:
    return {"paper": {"id": "2401.00001", "title": "T", "publishedAt": published_at, **paper},
            "publishedAt": listed_at}  # fmt: skip


def test_list_day_from_items_reads_late_evening_as_the_next_day():
    evening = [item("2025-01-12T21:47:00Z"), item("2025-01-12T22:30:00Z")]
    assert list_day_from_items(evening) == dt.date(2025, 1, 13)
    # The most common day wins; a straggler does not move the list.
    day = [item("2025-01-13T01:10:00Z"), item("2025-01-13T09:00:00Z"), item("2025-01-13T18:30Z")]
    assert list_day_from_items(day) == dt.date(2025, 1, 13)
    # Search results: times years apart, or each item repeating its paper's own date.
    assert list_day_from_items([item("2025-01-12T21:47Z"), item("2019-02-13T06:56Z")]) is None
    same = "2024-01-01T10:00:00.000Z"
    assert list_day_from_items([item(same, same)]) is None
    assert list_day_from_items([item("2025-01-12T21:47Z"), {"title": "no paper"}]) is None
    assert list_day_from_items([item("not a time")]) is None
    assert list_day_from_items([]) is None


def test_daily_list_date_rule_order():
    submitted = [item("2025-03-17T23:00Z", submittedOnDailyAt="2025-03-18T00:10:00Z")]
    sidecar = dt.date(2025, 3, 17)
    assert daily_list_date(submitted, sidecar, "x/2025-03-01.json") == (
        sidecar,
        "sidecar_listed_on",
    )
    assert daily_list_date(submitted, None, "2025-03-01.json") == (
        dt.date(2025, 3, 18),
        "submitted_on_daily_at",
    )
    # Some papers listed, some not: search results, whatever the name says.
    mixed = [*submitted, item("2025-03-17T23:10Z")]
    assert daily_list_date(mixed, None, "2025-03-01.json") == (None, None)
    assert daily_list_date(mixed, sidecar) == (sidecar, "sidecar_listed_on")
    old = [item("2024-05-26T22:00Z")]
    assert daily_list_date(old, None, "hf/2024-05-27.json") == (
        dt.date(2024, 5, 27),
        "file_name_date",
    )
    assert daily_list_date(old) == (dt.date(2024, 5, 27), "items_published_at")
    assert daily_list_date([]) == (None, None)


@pytest.mark.parametrize(
    ("name", "day"),
    [
        ("2024-05-27.json", dt.date(2024, 5, 27)),
        ("archive/daily_papers_2024-05-27.json", dt.date(2024, 5, 27)),
        ("hf/daily_papers/2025-03-04/2025-03-05T10-15-00Z.json", dt.date(2025, 3, 4)),
        ("hf/2025-03-04/20250305T101500Z.json", dt.date(2025, 3, 4)),
        ("2024-02-30.json", None),
        ("search_neural_tangent_kernel.json", None),
        ("12024-05-270.json", None),
        (None, None),
    ],
)
def test_date_in_file_name(name, day):
    assert date_in_file_name(name) == day


def test_most_common_day_prefers_the_later_on_a_tie():
    d1, d2 = dt.date(2025, 1, 12), dt.date(2025, 1, 13)
    assert most_common_day([d1, d2, None]) == d2
    assert most_common_day([d1, d1, d2]) == d1
    assert most_common_day([None]) is None


# --- through the batch: sidecars, raw columns, links ------------------------------------------


def copy(tmp_path: Path, name: str, to: str, meta: dict | None = None, end: str = "") -> Path:
    target = tmp_path / to
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text(name) + end, encoding="utf-8")
    if meta is not None:
        target.with_name(target.name + ".meta.json").write_text(json.dumps(meta))
    return target


def batch(folder: Path):
    files = sorted(p for p in folder.rglob("*.json") if not p.name.endswith(".meta.json"))
    return parse_dumps([read_dump(p, folder) for p in files])


def test_batch_dates_every_era_and_records_the_rule(tmp_path):
    meta = {"listed_on": "2024-11-21", "captured_on": "2024-11-22T06:00:00Z", "status": 200}
    copy(tmp_path, "2024-11-21.json", "hf/daily_papers/2024-11-21/fetched.json", meta)
    # The same response in an archive (other bytes: the same bytes twice are one dump).
    copy(tmp_path, "2024-11-21.json", "archive/2024-11-21.json", end="\n")
    copy(tmp_path, "daily_2025-03-05.json", "saved/list.json")
    parsed = batch(tmp_path)
    dumps = {
        row["file_name"]: row
        for row in parsed.dumps.select(
            "file_name", "status", "page_type", "list_date", "list_date_rule", "captured_on",
            "capture_rule",
        ).to_dicts()
    }  # fmt: skip
    assert dumps["hf/daily_papers/2024-11-21/fetched.json"] | {"file_name": None} == {
        "file_name": None,
        "status": "loaded",
        "page_type": "api_daily",
        "list_date": dt.date(2024, 11, 21),
        "list_date_rule": "sidecar_listed_on",
        "captured_on": dt.date(2024, 11, 22),  # the sidecar's, a timestamp's UTC day
        "capture_rule": "sidecar_captured_on",
    }
    assert dumps["archive/2024-11-21.json"]["list_date_rule"] == "file_name_date"
    assert dumps["archive/2024-11-21.json"]["captured_on"] == dt.date(2024, 11, 21)
    assert dumps["saved/list.json"]["list_date_rule"] == "items_published_at"
    assert dumps["saved/list.json"]["captured_on"] == dt.date(2025, 3, 5)
    entries = parsed.entries
    assert entries["listed_on"].null_count() == 0
    # The GitHub URL given as a project page lands as a code repository link.
    # (Its abstract names the repository too.)
    intar = parsed.links.filter(pl.col("url").str.contains("InTAR"))
    assert intar.select("link_kind", "link_source").rows() == [
        ("code_repository", "abstract"),
        ("code_repository", "page"),
    ]


def test_sidecar_listed_on_is_read(tmp_path):
    path = copy(tmp_path, "daily_2025-04-28.json", "d.json", {"listed_on": "2025-04-28"})
    assert read_dump(path, tmp_path).sidecar_listed_on == dt.date(2025, 4, 28)
    path.with_name("d.json.meta.json").write_text('{"listed_on": "April"}')
    broken = read_dump(path, tmp_path)
    assert broken.sidecar_listed_on is None and "ignored" in broken.sidecar_error


# --- paper pages ------------------------------------------------------------------------------


def test_paper_page_markup_ai_summary_comments_and_yearless_date():
    html = (HTML_DIR / "paper_2509.05117_no_json.html").read_text(encoding="utf-8")
    # The page shows the AI summary above the abstract, in the same section.
    assert html.index("AI-generated summary") < html.index("We present HyPINO")
    (row,) = parse_html(html).entries.to_dicts()
    assert row["abstract"].startswith("We present HyPINO, a multi-physics neural operator")
    assert row["abstract"].endswith(
        "significantly improved accuracy and reduced computational cost."
    )
    assert row | {"abstract": None} == {
        "position": 1,
        "title": "HyPINO: Multi-Physics Neural Operators via HyperPINNs and the Method of "
        "Manufactured Solutions",
        "abstract": None,
        "arxiv_id": "2509.05117",
        "authors_count": 5,
        "author_names": [
            "Rafael Bischof",
            "Michal Piovarči",
            "Michael A. Kraus",
            "Siddhartha Mishra",
            "Bernd Bickel",
        ],
        "organisation": "ETH Zürich",
        "organisation_handle": "ethz",
        "submitter": "rbischof",
        "published_on": dt.date(2025, 9, 5),  # `Published on Sep 5`: the year from 2509
        "published_on_text": "Sep 5",
        "comments_count": 2,  # the two comments shown; the page prints no count
        "upvotes": 11,
        "github_repo": None,  # the footer's github.com/huggingface is no repository
        "github_stars": None,
        "project_page": None,
        "ai_keywords": [],
        "ai_summary": "A hypernetwork maps PDE specifications to physics-informed network "
        "weights, trained on manufactured solutions, and generalises zero-shot across PDE "
        "families.",
        "listed_on": None,
        "daily_rank": 3,  # `#3 Paper of the day`
    }


def test_paper_page_props_submitter_organisation_and_rank():
    props = {
        "paper": {"id": "2509.05117", "title": "HyPINO", "upvotes": 11},
        "comments": [{"author": {"name": "rbischof"}}],
        "dailyPaperRank": 3,
        "submitterOrganization": {"name": "ethz", "fullname": "ETH Zürich"},
    }
    escaped = json.dumps(props).replace("&", "&amp;").replace('"', "&quot;")
    page = f'<div data-target="PaperContent" data-props="{escaped}"></div>'
    row = parse_html(page).entries.row(0, named=True)
    assert (row["organisation"], row["organisation_handle"], row["daily_rank"]) == (
        "ETH Zürich",
        "ethz",
        3,
    )
    assert row["comments_count"] == 1


def test_yearless_card_date_is_dated_by_the_arxiv_id_and_keeps_the_text():
    card = (
        '<html><link rel="canonical" href="https://huggingface.co/papers/trending"><main><article>'
        '<h3><a href="/papers/{id}">T</a></h3><span>·</span><span>{date}</span>'
        "</article></main></html>"
    )
    cases = [
        ("2204.14126", "Apr 29", dt.date(2022, 4, 29)),  # the page omits the render year
        ("2512.01234", "Jan 2", dt.date(2026, 1, 2)),  # submitted in December, out in January
        ("hep-th/9901001", "Jan 2", None),  # old-style ids: left to the capture (page_batch)
    ]
    for arxiv_id, printed, day in cases:
        row = parse_html(card.format(id=arxiv_id, date=printed)).entries.row(0, named=True)
        assert (row["published_on"], row["published_on_text"]) == (day, printed)


@pytest.mark.parametrize(
    ("captured_on", "published_on", "rule"),
    [
        ("2026-06-01", dt.date(2026, 3, 2), "capture_year"),
        ("2026-01-10", dt.date(2025, 3, 2), "year_before_capture"),
    ],
)
def test_yearless_date_without_a_new_style_id_takes_the_capture_year(
    tmp_path, captured_on, published_on, rule
):
    page = (
        "<html><body><main><h1>Old Paper</h1><div>Published on Mar 2</div>"
        '<a href="https://arxiv.org/abs/hep-th/9901001">arXiv</a></main></body></html>'
    )
    path = tmp_path / "paper.html"
    path.write_text(page, encoding="utf-8")
    path.with_name("paper.html.meta.json").write_text(json.dumps({"captured_on": captured_on}))
    os.utime(path, (1_700_000_000, 1_700_000_000))
    parsed = parse_dumps([read_dump(path, tmp_path)])
    got = parsed.entries.select("arxiv_id", "published_on", "published_year_rule").rows()
    assert got == [("hep-th/9901001", published_on, rule)]
