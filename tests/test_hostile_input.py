"""Hostile input: every class of bad file or entry from the issue, each with its behaviour.

Good entries load, a bad entry is rejected with its reason and text, a file that is not a
dump is rejected whole with a reason, and every count balances.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from orchestration.defs.display import escape_cell, markdown_table
from orchestration.ingest.discovery import DumpFile, dump_id_for, list_dump_paths, read_dump
from orchestration.ingest.limits import Limits
from orchestration.ingest.parse import parse_dumps
from orchestration.landing.land import connect, land_batch

HEADER = (
    "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\n"
    "byAK and the research community\n\nJun 1\n\n"
)
CARDS = [
    ("Graph Neural Networks at Scale", "We scale GNNs.", 3, "Mar 2, 2024"),
    ("Spiking Networks for Robots", "Spikes help robots.", 2, "Apr 12"),
    ("Quantization Without Tears", "Low-bit weights.", 5, "Jan 5, 2023 4"),
]


def dump(cards=CARDS) -> str:
    return HEADER + "\n\n".join(f"{t}\n\n{a}\n\n  • {n} authors\n·\n{d}" for t, a, n, d in cards)


def as_file(data: bytes, name: str = "t.txt") -> DumpFile:
    import hashlib

    return DumpFile(
        path=None,
        file_name=name,
        dump_id=dump_id_for(name),
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        modified_at=dt.datetime(2026, 11, 22),
        sidecar_capture_year=2026,
    )


def parse(*files: DumpFile, limits: Limits | None = None):
    batch = parse_dumps(list(files), limits=limits or Limits())
    for row in batch.dumps.iter_rows(named=True):  # every count balances, always
        assert row["entries_parsed"] == row["entries_loaded"] + row["entries_rejected"]
    return batch


def titles(batch) -> list[str]:
    return batch.entries.sort("dump_id", "position")["title"].to_list()


def file_reason(batch, name="t.txt") -> str | None:
    return batch.dumps.filter(pl.col("file_name") == name)["reject_reason"].item()


GOOD = [t for t, *_ in CARDS]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty file"),
        (bytes(range(256)) * 40, "binary data"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "binary data"),
        (b"x" * 5_000_000, "not a Hugging Face papers page"),
        (b"# notes\n\nnothing to see here\n", "not a Hugging Face papers page"),
        (b"   \n\t\n", "no text in the file"),
    ],
    ids=["empty", "garbage", "png", "5MB-line", "not-a-dump", "blank"],
)
def test_files_that_are_not_dumps_are_rejected_whole(data, reason):
    batch = parse(as_file(data))
    assert batch.entries.height == 0
    assert reason in file_reason(batch)
    assert batch.rejects["position"].to_list() == [None]


@pytest.mark.parametrize(
    "encode",
    [
        lambda t: t.replace("\n", "\r\n").encode(),
        lambda t: t.replace("\n", "\r").encode(),
        lambda t: b"\xef\xbb\xbf" + t.encode(),
        lambda t: t.encode("utf-16"),
        lambda t: t.replace("Tears", "Tears café").encode("cp1252"),
        lambda t: t.replace("\n\n", "\n\x00\n").encode(),
        lambda t: "\n".join(f" \t{line}\t  " for line in t.split("\n")).encode(),
    ],
    ids=["crlf", "lone-cr", "utf8-bom", "utf16-bom", "cp1252", "nul-bytes", "tabs-spaces"],
)
def test_encodings_and_line_endings_give_the_same_entries(encode):
    batch = parse(as_file(encode(dump())))
    got = [t.replace(" café", "") for t in titles(batch)]
    assert got == GOOD
    assert batch.entries["published_on"].to_list() == [
        dt.date(2024, 3, 2),
        dt.date(2026, 4, 12),
        dt.date(2023, 1, 5),
    ]


def test_a_five_megabyte_line_inside_a_dump_rejects_only_its_entry():
    cards = [*CARDS[:1], ("Huge", "y" * 5_000_000, 1, "Mar 3, 2024"), *CARDS[1:]]
    batch = parse(as_file(dump(cards).encode()), limits=Limits(max_line_chars=100_000))
    assert titles(batch) == GOOD
    (reason,) = batch.rejects["reason"].to_list()
    assert "line-length limit" in reason
    assert len(batch.rejects["raw_text"].item()) <= 2000


def test_a_file_over_the_size_limit_is_rejected_whole():
    batch = parse(as_file(dump().encode()), limits=Limits(max_file_bytes=100))
    assert "over the limit" in file_reason(batch) and "PAPERS_MAX_FILE_BYTES" in file_reason(batch)


def test_a_dump_cut_off_mid_entry_keeps_the_complete_ones():
    text = dump()
    for cut in (text.index("Low-bit"), text.rindex("·"), len(text) - 5):
        batch = parse(as_file(text[:cut].encode()))
        assert titles(batch) == GOOD[:2], cut
        reasons = batch.rejects["reason"].to_list()
        assert reasons and all(r.startswith("incomplete entry") for r in reasons), reasons
        assert batch.rejects["position"].min() == 3


def test_same_paper_twice_in_one_dump():
    batch = parse(as_file(dump([*CARDS, CARDS[0]]).encode()))
    assert titles(batch) == GOOD
    assert batch.rejects["reason"].to_list() == ["duplicate in dump: same title as position 1"]


def test_same_dump_under_two_file_names():
    data = dump().encode()
    batch = parse(as_file(data, "a.txt"), as_file(data, "copy of a.txt"))
    assert batch.entries["dump_id"].unique().to_list() == ["a.txt"]
    assert "same bytes as 'a.txt'" in file_reason(batch, "copy of a.txt")


def test_zero_width_and_lookalike_characters_in_titles():
    tricky = [("Graph\u200b Neural Nеtworks at\u00a0Scale", "We scale GNNs.", 3, "Mar 2, 2024")]
    batch = parse(as_file(dump(tricky).encode()), as_file(dump(CARDS[:1]).encode(), "b.txt"))
    stored = batch.entries.filter(pl.col("dump_id") == "t.txt").row(0, named=True)
    assert "\u200b" not in stored["title"] and "\u00a0" not in stored["title"]
    # The Cyrillic `е` is kept for display, and folded for identity: one paper.
    assert batch.entries["paper_id"].n_unique() == 1


HOSTILE = [
    (
        "Robert'); DROP TABLE papers; --",
        '\'; drop table papers; -- and "quotes"',
        1,
        "Mar 2, 2024",
    ),
    (
        "<script>alert(1)</script> Attention",
        "See [click](javascript:alert(1)) and <img src=x>.",
        2,
        "Mar 3, 2024",
    ),
    (
        "**Bold** `code` | pipes | [link](http://evil)",
        "Markdown *everywhere* _here_.",
        3,
        "Mar 4, 2024",
    ),
]


def test_hostile_strings_are_stored_verbatim_and_shown_escaped(tmp_path):
    batch = parse(as_file(dump(HOSTILE).encode()))
    with connect(tmp_path / "w.duckdb") as con:
        land_batch(con, batch)
        stored = [
            r[0] for r in con.execute("select title from raw.entries order by position").fetchall()
        ]
        assert con.execute("select count(*) from raw.entries").fetchall() == [(3,)]
    assert stored == [t for t, *_ in HOSTILE]
    # javascript: is not a link; http://evil in a title is not an abstract link either.
    assert batch.links.height == 0
    shown = markdown_table(batch.entries.select("title", "abstract").to_dicts())
    assert "<script>" not in shown and "](javascript:" not in shown and "**Bold**" not in shown
    assert escape_cell("x" * 500).endswith("…") and len(escape_cell("x" * 500)) <= 80


@pytest.mark.parametrize(
    "name",
    ["my dump.txt", 'it\'s "quoted".txt', "a|b;c.txt", "a..b.txt", "résumé – 論文.txt"],
)
def test_odd_file_names_load_with_safe_stable_ids(tmp_path, name):
    (tmp_path / name).write_text(dump(), encoding="utf-8")
    (path,) = list_dump_paths(tmp_path)
    batch = parse(read_dump(path, tmp_path))
    dump_id = batch.dumps["dump_id"].item()
    assert dump_id == dump_id_for(name)
    assert set(dump_id) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
    assert not dump_id.startswith(".") and "/" not in dump_id
    assert titles(batch) == GOOD
    assert dump_id_for("../x.txt") != "../x.txt" and "/" not in dump_id_for("../x.txt")


def test_html_without_embedded_json_or_with_broken_json_falls_back_to_markup():
    from .conftest import ROOT

    fixtures = ROOT / "tests" / "fixtures" / "html"
    files = [
        as_file((fixtures / n).read_bytes(), n)
        for n in ("daily_no_json.html", "month_2026-01_broken_json.html", "truncated_card.html")
    ]
    batch = parse(*files)
    assert batch.dumps["status"].to_list() == ["loaded"] * 3
    assert batch.dumps["data_source"].to_list() == ["markup"] * 3
    assert "not valid JSON" in batch.dumps["problems"][1]
    truncated = batch.rejects.filter(pl.col("file_name") == "truncated_card.html")
    assert truncated.height == 1 and "no title" in truncated["reason"].item()


def test_deeply_nested_and_unclosed_html():
    deep = "<html><body>" + "<div>" * 5000 + "Daily Papers" + "</div>" * 10 + "<article><h3>"
    batch = parse(as_file(deep.encode(), "deep.html"))
    assert batch.dumps["status"].item() == "rejected"
    assert batch.dumps["reject_reason"].item()


def test_every_file_is_accounted_for(tmp_path):
    files = [
        as_file(dump().encode(), "good.txt"),
        as_file(b"", "empty.txt"),
        as_file(b"\x00\x01\x02" * 100, "bin.txt"),
        as_file(dump().encode(), "copy.txt"),
    ]
    batch = parse(*files)
    assert batch.dumps.height == len(files)
    assert batch.dumps["status"].value_counts().sort("status").rows() == [
        ("loaded", 1),
        ("rejected", 3),
    ]
    assert batch.rejects.filter(pl.col("position").is_null()).height == 3


def test_a_page_parse_over_the_time_limit_is_rejected_whole():
    from .conftest import ROOT

    page = (ROOT / "seeds" / "005_hf_daily_2026-06-01.html").read_bytes()
    batch = parse(as_file(page, "slow.html"), limits=Limits(max_parse_seconds=0.0))
    assert "PAPERS_MAX_PARSE_SECONDS" in file_reason(batch, "slow.html")
    assert batch.entries.height == 0
