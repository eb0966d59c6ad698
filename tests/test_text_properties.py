"""Property-based tests of the text parser: it never crashes, and it never loses or alters a
well-formed entry, whatever the layout."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from orchestration.ingest.discovery import DumpFile
from orchestration.ingest.frames import replace_where
from orchestration.ingest.identity import title_key
from orchestration.ingest.parse import clean_columns, clean_text, parse_dumps
from orchestration.ingest.text_dump import parse_text_dumps

WORD = st.text(
    alphabet=st.characters(categories=("Lu", "Ll", "Nd"), max_codepoint=0x2FF),
    min_size=1,
    max_size=12,
).filter(lambda w: w not in {"new", "Subscribe"})
TITLE = st.lists(WORD, min_size=2, max_size=12).map(" ".join)
ABSTRACT = st.lists(WORD, min_size=5, max_size=60).map(lambda ws: " ".join(ws) + ".")
ENTRY = st.tuples(
    TITLE,
    ABSTRACT,
    st.integers(1, 40),
    st.dates(dt.date(1995, 1, 1), dt.date(2025, 12, 31)),
    st.integers(0, 30),
)
ENTRIES = st.lists(ENTRY, min_size=1, max_size=12, unique_by=lambda e: title_key(e[0]))
HEADER = (
    "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\n"
    "byAK and the research community\n\nJun 1\n\n"
)


def render(entries, layout: str) -> str:
    if layout == "glued":
        body = "\n".join(f"{t}\n{a}" for t, a, *_ in entries)
        return "Get trending papers in your email inbox!\nSubscribe" + body
    if layout == "title_abstract":
        return HEADER + "\n\n".join(f"{t}\n\n{a}" for t, a, *_ in entries)
    cards = []
    for title, abstract, authors, date, comments in entries:
        when = f"{date:%b} {date.day}, {date.year}" + (f" {comments}" if comments else "")
        cards.append(f"{title}\n\n{abstract}\n\n  • {authors} authors\n·\n{when}")
    return HEADER + "\n\n".join(cards)


def parse(text: str):
    f = DumpFile(
        path=None,
        file_name="p.txt",
        dump_id="p.txt",
        data=text.encode("utf-8"),
        sha256="0" * 64,
        modified_at=dt.datetime(2026, 11, 22),
        sidecar_capture_year=2026,
    )
    return parse_dumps([f])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ENTRIES, st.sampled_from(["with_metadata", "title_abstract", "glued"]))
def test_well_formed_entries_come_back_whole(entries, layout):
    batch = parse(render(entries, layout))
    assert batch.rejects.height == 0
    dump = batch.dumps.row(0, named=True)
    assert dump["layout"] == layout
    got = batch.entries.sort("position")
    assert got["title"].to_list() == [t for t, *_ in entries]
    assert got["abstract"].to_list() == [a for _, a, *_ in entries]
    if layout == "with_metadata":
        assert got["authors_count"].to_list() == [e[2] for e in entries]
        assert got["published_on"].to_list() == [e[3] for e in entries]
        assert got["comments_count"].to_list() == [e[4] for e in entries]


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=2000))
def test_arbitrary_text_never_crashes_and_every_entry_is_accounted_for(text):
    batch = parse(text)
    dump = batch.dumps.row(0, named=True)
    assert dump["entries_parsed"] == dump["entries_loaded"] + dump["entries_rejected"]
    assert batch.entries.height == dump["entries_loaded"]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=300), max_size=40))
def test_the_vectorised_parser_never_crashes_on_lines(lines):
    docs = pl.DataFrame({"dump_id": ["x"], "text": ["\n".join(lines)]})
    entries, dumps, _ = parse_text_dumps(docs)
    assert dumps.height == 1
    assert entries["position"].to_list() == list(range(1, entries.height + 1))


# Whitespace and invisible characters the cleaning handles, mixed into ordinary text.
MESSY = st.text(
    alphabet=st.sampled_from(list("ab .é") + list("\t\n\r\v\f\u00a0\u2003\u3000\u200b\u00ad"))
    | st.characters(max_codepoint=0x2FF),
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.none() | MESSY, max_size=20))
def test_cleaning_only_the_values_that_need_it_changes_nothing(values):
    frame = pl.DataFrame({"text": values}, schema={"text": pl.String})
    everywhere = frame.select(clean_text(pl.col("text")))
    assert_frame_equal(clean_columns(frame, "text"), everywhere)


@pytest.mark.slow  # up to five parses per example: ~5 s, the fast loop's largest share
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(ENTRIES, st.sampled_from(["with_metadata", "title_abstract", "glued"])),
        min_size=2,
        max_size=4,
    ),
    st.booleans(),
)
def test_dumps_parse_the_same_together_as_alone(dumps, cut):
    """Rows of one dump never leak into the next (shifts at dump boundaries)."""
    texts = [render(entries, layout) for entries, layout in dumps]
    if cut:  # end each dump on a metadata line or a bare title, as a cut-off file does
        texts = [t.rsplit("\n", 2)[0] for t in texts]
    ids = [f"d{i}" for i in range(len(texts))]
    together = parse_text_dumps(pl.DataFrame({"dump_id": ids, "text": texts}))
    alone = [
        parse_text_dumps(pl.DataFrame({"dump_id": [i], "text": [t]}))
        for i, t in zip(ids, texts, strict=True)
    ]
    for index in range(3):
        assert_frame_equal(together[index], pl.concat([a[index] for a in alone]))


def test_replace_where_computes_only_the_masked_rows():
    frame = pl.DataFrame({"n": [1, 2, 3, 4]})
    calls = []

    def double(x: int) -> int:
        calls.append(x)
        return 2 * x

    out = replace_where(
        frame, pl.col("n") % 2 == 0, "n", pl.col("n").map_elements(double, return_dtype=pl.Int64)
    )
    assert out["n"].to_list() == [1, 4, 3, 8]
    assert calls == [2, 4]
    assert replace_where(frame, pl.col("n") > 9, "n", pl.lit(0)).equals(frame)
