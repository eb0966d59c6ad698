"""detect_kind: what a file holds, from its content alone."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orchestration.ingest.page_kinds import KINDS, detect_kind

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"

EXPECTED = {
    "seeds/000_a401d38fde9a8c54.txt": "text",
    "seeds/001_73aae1bdc1084e9d.txt": "text",
    "seeds/002_841aa07fc6bb4a90.txt": "text",
    "seeds/003_0ee2deba839f99fc.txt": "text",
    "seeds/004_4283718b8e5bfa58.txt": "text",
    "seeds/000_a401d38fde9a8c54.txt.meta.json": "unknown",  # capture sidecar, not a page
    "seeds/005_hf_daily_2026-06-01.html": "html_list",
    "seeds/006_api_daily_papers.json": "api_json",
    "tests/fixtures/html/daily_2026-01-08.html": "html_list",
    "tests/fixtures/html/week_2026-W02.html": "html_list",
    "tests/fixtures/html/trending.html": "html_list",
    "tests/fixtures/html/month_2026-01_broken_json.html": "html_list",
    "tests/fixtures/html/daily_no_json.html": "html_list",
    "tests/fixtures/html/search_graph_neural_networks.html": "html_list",
    "tests/fixtures/html/search_entities.html": "html_list",
    "tests/fixtures/html/truncated_card.html": "html_list",
    "tests/fixtures/html/paper_2504.18072.html": "html_paper",
    "tests/fixtures/html/paper_2003.00982_no_json.html": "html_paper",
    "tests/fixtures/html/paper_2509.05117_no_json.html": "html_paper",
    "tests/fixtures/json/daily_papers_2026-04-17.json": "api_json",
    "tests/fixtures/json/paper_2204.14126.json": "api_json",
    "tests/fixtures/json/search_neural_tangent_kernel.json": "api_json",
    # One daily response per schema era of /api/daily_papers (see tests/fixtures/README.md).
    "tests/fixtures/json/2024-11-21.json": "api_json",
    "tests/fixtures/json/daily_2025-03-05.json": "api_json",
    "tests/fixtures/json/daily_2025-04-28.json": "api_json",
    "tests/fixtures/json/daily_2025-06-17.json": "api_json",
    "tests/fixtures/json/daily_2025-09-26.json": "api_json",
    "tests/fixtures/json/daily_2025-10-08.json": "api_json",
    "tests/fixtures/json/daily_2025-12-15.json": "api_json",
    "tests/fixtures/json/daily_2026-02-23.json": "api_json",
}


@pytest.mark.parametrize("relative", sorted(EXPECTED))
def test_seed_and_fixture_kinds(relative):
    assert detect_kind((ROOT / relative).read_text(encoding="utf-8")) == EXPECTED[relative]


def test_every_fixture_is_listed():
    on_disk = {str(p.relative_to(ROOT)) for p in FIXTURES.rglob("*.*") if p.suffix != ".md"}
    assert on_disk <= set(EXPECTED)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # Text dumps: any of the papers-page phrases.
        ("new\n\nGet trending papers in your email inbox!\n\nSubscribe\n", "text"),
        ("SubscribeDaily PapersSome Title\nIts abstract.", "text"),
        ("byAK and the research community\nJun 1\n", "text"),
        ("Just some notes about neural networks.\n", "unknown"),
        ("", "unknown"),
        # JSON: shape decides.
        ("[]", "api_json"),  # /api/daily_papers on a day with no list
        ('[{"paper": {"id": "2204.14126", "title": "T"}, "numComments": 0}]', "api_json"),
        ('[{"id": "2204.14126", "title": "T", "upvotes": 1}]', "api_json"),
        ('{"id": "2204.14126", "title": "T", "authors": []}', "api_json"),
        ('\ufeff{"id": "2204.14126", "title": "T"}', "api_json"),
        ('{"capture_year": 2026}', "unknown"),
        ("[1, 2, 3]", "unknown"),
        ('[{"paper": {"id": "1"}}, {"name": "x"}]', "unknown"),
        ('{"dailyPapers": []}', "unknown"),
        ('["Daily Papers"]', "unknown"),  # JSON, even if it quotes the phrase
        ("[Daily Papers] notes", "text"),  # not JSON after all
        # HTML: markers decide.
        ('<!doctype html><div data-target="PaperContent" data-props="{}"></div>', "html_paper"),
        ('<html><div data-target="DailyPapers" data-props="{}"></div></html>', "html_list"),
        (
            "<!-- saved from url=(0030)https://huggingface.co/papers -->\n<html>"
            '<article><h3><a href="/papers/2204.14126">T</a></h3></article>',
            "html_list",
        ),
        (
            '<html><h1>T</h1><a href="https://arxiv.org/abs/2204.14126">arXiv</a></html>',
            "html_paper",
        ),
        ("<html><body><p>Daily Papers</p></body></html>", "unknown"),
        ("<div>Get trending papers in your email inbox!</div>", "unknown"),
        ("<html><h1>T</h1><a href='/papers/1'>x</a></html>", "unknown"),
    ],
)
def test_kind_from_content(text, kind):
    assert detect_kind(text) == kind


def test_the_file_name_plays_no_part(tmp_path):
    text = (FIXTURES / "json" / "paper_2204.14126.json").read_text(encoding="utf-8")
    assert detect_kind(text) == "api_json"
    assert detect_kind("<html>" + text) == "unknown"  # same bytes behind a tag: HTML rules


def test_fast_on_a_large_page():
    # Cheap checks only: ten megabytes of markup take a few milliseconds, not a parse.
    page = (FIXTURES / "html" / "daily_2026-01-08.html").read_text(encoding="utf-8")
    big = page.replace("</main>", "<div>" * 10 + "x" * 10_000_000 + "</main>")
    start = time.perf_counter()
    assert detect_kind(big) == "html_list"
    assert time.perf_counter() - start < 0.5


def test_large_json_is_parsed_once_and_quickly():
    items = [{"paper": {"id": "2204.14126", "title": f"T{i}"}} for i in range(50_000)]
    start = time.perf_counter()
    assert detect_kind(json.dumps(items)) == "api_json"
    assert time.perf_counter() - start < 2


@given(st.text())
def test_any_text_gets_a_kind(text):
    assert detect_kind(text) in KINDS


@given(st.binary())
def test_any_decoded_bytes_get_a_kind(data):
    assert detect_kind(data.decode("utf-8", errors="replace")) in KINDS
