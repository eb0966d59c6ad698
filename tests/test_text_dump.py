"""The text parser against the seed dumps: exact figures read from the files themselves."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from orchestration.ingest.parse import parse_dumps
from orchestration.ingest.text_dump import parse_text_dumps

# Read off the files: entries are `• N authors` blocks (000, 003, 004), title/abstract
# pairs after the header (001: 240 lines, 2 header lines; 002: 104 content lines).
SEED_FIGURES = {
    # dump_id: (layout, entries, entries with metadata, date selector, comments total)
    "000_a401d38fde9a8c54.txt": ("with_metadata", 47, 47, "Jun 1", 2),
    "001_73aae1bdc1084e9d.txt": ("glued", 119, 0, None, None),
    "002_841aa07fc6bb4a90.txt": ("title_abstract", 52, 0, "Mar 11", None),
    "003_0ee2deba839f99fc.txt": ("with_metadata", 44, 44, "Jan 8", 14),
    "004_4283718b8e5bfa58.txt": ("with_metadata", 27, 27, "Apr 17", 3),
}


def entry(batch, dump_id: str, position: int) -> dict:
    rows = batch.entries.filter(
        (pl.col("dump_id") == dump_id) & (pl.col("position") == position)
    ).to_dicts()
    assert len(rows) == 1, (dump_id, position)
    return rows[0]


@pytest.mark.parametrize("dump_id", sorted(SEED_FIGURES))
def test_seed_layout_and_counts(seed_batch, dump_id):
    layout, n, with_meta, selector, comments = SEED_FIGURES[dump_id]
    dump = seed_batch.dumps.filter(pl.col("dump_id") == dump_id).row(0, named=True)
    entries = seed_batch.entries.filter(pl.col("dump_id") == dump_id)
    assert dump["status"] == "loaded"
    assert dump["layout"] == layout
    assert dump["date_selector"] == selector
    assert (dump["entries_parsed"], dump["entries_loaded"], dump["entries_rejected"]) == (n, n, 0)
    assert entries.height == n
    assert entries["position"].to_list() == list(range(1, n + 1))
    assert int(entries["has_metadata"].sum()) == with_meta
    assert entries["comments_count"].sum() == (comments or 0)
    assert entries["comments_count"].null_count() == (0 if with_meta else n)
    assert entries["abstract"].null_count() == 0


def recurring(entries: pl.DataFrame) -> int:
    per_paper = entries.group_by("paper_id").agg(pl.col("dump_id").n_unique())
    return per_paper.filter(pl.col("dump_id") > 1).height


def test_seed_totals(seed_batch):
    text = seed_batch.entries.filter(pl.col("dump_id").str.ends_with(".txt"))
    assert text.height == 289
    assert text["paper_id"].n_unique() == 247
    assert recurring(text) == 37
    # With the HTML page (6 papers of 000) and the API JSON (7 papers of 002): no new paper,
    # and Plug & Play Generative Networks and Tunable Convolutions now recur too.
    assert seed_batch.entries.height == 289 + 6 + 7
    assert seed_batch.entries["paper_id"].n_unique() == 247
    assert recurring(seed_batch.entries) == 39
    assert seed_batch.rejects.height == 0


def test_glued_header_is_cut_from_the_first_title(seed_batch):
    first = entry(seed_batch, "001_73aae1bdc1084e9d.txt", 1)
    assert first["title"] == (
        "SPARSE Data, Rich Results: Few-Shot Semi-Supervised Learning via "
        "Class-Conditioned Image Translation"
    )
    assert first["abstract"].startswith("Deep learning has revolutionized medical imaging")
    last = entry(seed_batch, "001_73aae1bdc1084e9d.txt", 119)
    assert last["title"] == (
        "A Survey on Dynamic Neural Networks: from Computer Vision to Multi-modal Sensor Fusion"
    )


def test_metadata_fields(seed_batch):
    first = entry(seed_batch, "000_a401d38fde9a8c54.txt", 1)
    assert first["title"].startswith("Scaling Limits of Wide Neural Networks with Weight Sharing")
    assert first["authors_count"] == 1  # HF prints `1 authors`
    assert first["published_on"] == dt.date(2019, 2, 13)
    assert first["published_year_rule"] == "printed"
    assert first["comments_count"] == 0
    # The file ends without a newline, right after the last date line.
    last = entry(seed_batch, "000_a401d38fde9a8c54.txt", 47)
    assert last["title"] == "Deep Networks Always Grok and Here is Why"
    assert (last["authors_count"], last["published_on"]) == (3, dt.date(2024, 2, 23))
    largest = entry(seed_batch, "000_a401d38fde9a8c54.txt", 33)
    assert largest["title"].startswith(
        "Pre-training vision models for the classification of alerts"
    )
    assert largest["authors_count"] == 18


@pytest.mark.parametrize(
    ("dump_id", "position", "title_start", "published", "comments"),
    [
        (
            "000_a401d38fde9a8c54.txt",
            25,
            "A Model Zoo on Phase Transitions",
            dt.date(2025, 4, 25),
            2,
        ),
        ("003_0ee2deba839f99fc.txt", 29, "Skip a Layer or Loop it?", dt.date(2025, 7, 10), 14),
        (
            "004_4283718b8e5bfa58.txt",
            9,
            "A Model Zoo on Phase Transitions",
            dt.date(2025, 4, 25),
            2,
        ),
        ("004_4283718b8e5bfa58.txt", 10, "Flow Equivariant Recurrent", dt.date(2025, 7, 19), 1),
    ],
)
def test_comment_counts_after_the_date(
    seed_batch, dump_id, position, title_start, published, comments
):
    row = entry(seed_batch, dump_id, position)
    assert row["title"].startswith(title_start)
    assert (row["published_on"], row["comments_count"]) == (published, comments)


@pytest.mark.parametrize(
    ("dump_id", "position", "text", "published"),
    [
        ("000_a401d38fde9a8c54.txt", 13, "Apr 12", dt.date(2026, 4, 12)),
        ("000_a401d38fde9a8c54.txt", 29, "May 24", dt.date(2026, 5, 24)),
        ("004_4283718b8e5bfa58.txt", 6, "Feb 19", dt.date(2026, 2, 19)),
    ],
)
def test_yearless_dates_take_the_capture_year(seed_batch, dump_id, position, text, published):
    row = entry(seed_batch, dump_id, position)
    assert row["published_on_text"] == text
    assert row["published_year_rule"] == "capture_year"
    assert row["published_on"] == published
    yearless = seed_batch.entries.filter(pl.col("published_year_rule") == "capture_year")
    assert yearless.height == 3


def test_seed_captures(seed_batch):
    dumps = {r["dump_id"]: r for r in seed_batch.dumps.to_dicts()}
    assert dumps["000_a401d38fde9a8c54.txt"]["captured_on"] == dt.date(2026, 6, 1)
    assert dumps["003_0ee2deba839f99fc.txt"]["captured_on"] == dt.date(2026, 1, 8)
    assert dumps["000_a401d38fde9a8c54.txt"]["capture_rule"] == "sidecar_capture_year"
    assert dumps["000_a401d38fde9a8c54.txt"]["max_printed_year"] == 2025
    no_selector = dumps["001_73aae1bdc1084e9d.txt"]
    assert (no_selector["captured_on"], no_selector["capture_rule"]) == (None, "no_date_selector")


def test_recurring_paper_reads_the_same_everywhere(seed_batch):
    wide = seed_batch.entries.filter(
        pl.col("title") == "Wide and Deep Neural Networks Achieve Optimality for Classification"
    )
    # In every text dump and in the HTML page: one paper, one abstract, whatever the format.
    assert sorted(wide["dump_id"].str.slice(0, 3).to_list()) == [
        "000",
        "001",
        "002",
        "003",
        "004",
        "005",
    ]
    assert wide["paper_id"].n_unique() == 1
    assert wide["abstract"].n_unique() == 1
    assert wide["arxiv_id"].drop_nulls().to_list() == ["2204.14126"]


def parse_one(text: str, **overrides):
    from orchestration.ingest.discovery import DumpFile

    data = text.encode("utf-8")
    f = DumpFile(
        path=None,
        file_name="t.txt",
        dump_id="t.txt",
        data=data,
        sha256="0" * 64,
        modified_at=dt.datetime(2026, 5, 1),
        **overrides,
    )
    return parse_dumps([f])


HEADER = (
    "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\n"
    "byAK and the research community\n\nJan 8\n\n"
)


def test_hard_line_breaks_and_organisation():
    batch = parse_one(
        HEADER + "A  Title\n\nFirst line of the abstract\nsecond line.\n\n  Google\n·\nDec 30\n\n"
        "Another Title\n\nAbstract.\n\n  • 2 authors\n·\nJan 3 5"
    )
    first, second = batch.entries.to_dicts()
    assert first["title"] == "A Title"
    assert first["abstract"] == "First line of the abstract second line."
    assert (first["organisation"], first["authors_count"]) == ("Google", None)
    # Captured Jan 8 2026 (file modified May 2026): `Dec 30` cannot be after the capture.
    assert (first["published_on"], first["published_year_rule"]) == (
        dt.date(2025, 12, 30),
        "year_before_capture",
    )
    assert (second["published_on"], second["comments_count"]) == (dt.date(2026, 1, 3), 5)


def test_bad_entries_are_rejected_with_reasons():
    batch = parse_one(
        HEADER + "Same Title\n\nAbstract one.\n\n  • 1 authors\n·\nFeb 30, 2020\n\n"
        "Same  title!\n\nAbstract two.\n\n  • 1 authors\n·\nFeb 3, 2020\n\n"
        "Good\n\nFine.\n\n  • 1 authors\n·\nFeb 4, 2020\n\n"
        "Cut off title"
    )
    assert batch.entries["position"].to_list() == [3]
    reasons = dict(batch.rejects.select("position", "reason").rows())
    assert reasons[1] == "impossible date 'Feb 30, 2020'"
    assert reasons[2] == "duplicate in dump: same title as position 1"
    assert reasons[4].startswith("incomplete entry")
    dump = batch.dumps.row(0, named=True)
    assert (dump["entries_parsed"], dump["entries_loaded"], dump["entries_rejected"]) == (4, 1, 3)


def test_a_file_that_is_not_a_dump_is_rejected_whole():
    batch = parse_one("# README\n\nSome notes\n\nabout this folder.\n")
    dump = batch.dumps.row(0, named=True)
    assert dump["status"] == "rejected"
    assert "no papers-page header" in dump["reject_reason"]
    assert batch.entries.height == 0
    assert batch.rejects["position"].to_list() == [None]


def test_layouts_parse_the_same_entries():
    """The same two cards in the three layouts give the same titles and abstracts."""
    cards = [("Title One", "Abstract one."), ("Title Two", "Abstract two.")]
    blank = HEADER + "\n\n".join(f"{t}\n\n{a}" for t, a in cards)
    glued = "Get trending papers in your email inbox!\nSubscribe" + "\n".join(
        f"{t}\n{a}" for t, a in cards
    )
    docs = pl.DataFrame({"dump_id": ["blank", "glued"], "text": [blank, glued]})
    entries, dumps, _ = parse_text_dumps(docs)
    assert dumps["layout"].to_list() == ["title_abstract", "glued"]
    for dump_id in ("blank", "glued"):
        got = entries.filter(pl.col("dump_id") == dump_id).select("title", "abstract").rows()
        assert got == cards


def test_a_dump_id_given_twice_reads_as_one_dump():
    """Two texts under one dump_id are one dump, the second read after the first; its
    orphan metadata blocks keep the order the texts were given in."""
    first = HEADER + "Title One\n\nAbstract one.\n\n  • 1 authors\n·\nJan 2\n"
    second = "  • 2 authors\n·\nJan 3\n\nTitle Two\n\nAbstract two."
    other = HEADER + "  • 9 authors\n·\nJan 4\n\nTitle Three\n\nAbstract three."
    given = pl.DataFrame({"dump_id": ["a", "b", "a"], "text": [first, other, second]})
    as_one = pl.DataFrame({"dump_id": ["a", "b"], "text": [first + "\n" + second, other]})
    entries, dumps, orphans = parse_text_dumps(given)
    expected = parse_text_dumps(as_one)
    assert entries.equals(expected[0]) and dumps.equals(expected[1])
    assert entries.filter(pl.col("dump_id") == "a")["title"].to_list() == ["Title One", "Title Two"]
    # By the order given: b's orphan (text 2) before a's second text (text 3).
    assert orphans.select("dump_id", "unit").rows() == [("b", 1), ("a", 4)]
    assert expected[2].select("dump_id", "unit").rows() == [("a", 4), ("b", 1)]
