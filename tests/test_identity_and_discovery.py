"""Paper identity, dump ids, sidecars and decoding."""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestration.ingest.discovery import (
    decode,
    decode_text,
    dump_id_for,
    list_dump_paths,
    read_dump,
)
from orchestration.ingest.identity import ascii_title_keys, paper_id, title_key, with_identity


def test_title_key_folds_case_punctuation_and_lookalikes():
    assert title_key("NUPES : Non-Uniform Post-Training Quantization") == (
        "nupes non uniform post training quantization"
    )
    assert title_key("Straße  ﬁne-tuning") == title_key("STRASSE fine tuning")
    assert title_key("Ｗｉｄｅ Networks") == "wide networks"  # full-width letters (NFKC)
    assert paper_id("Fast & Slow Learning") == paper_id("fast  slow learning!")
    assert paper_id("Fast & Slow Learning") != paper_id("Fast and Slow Learning")
    assert len(paper_id("x")) == 16


def test_dump_ids_are_stable_and_safe():
    assert dump_id_for("000_a401d38fde9a8c54.txt") == "000_a401d38fde9a8c54.txt"
    odd = dump_id_for("my dump; 'x'|y.txt")
    assert odd.startswith("my_dump_x_y.txt-") and odd == dump_id_for("my dump; 'x'|y.txt")
    assert dump_id_for("a b.txt") != dump_id_for("a_b.txt")
    assert dump_id_for("sub/dir/x.txt") != dump_id_for("sub_dir_x.txt")


def test_listing_skips_sidecars_and_hidden_files(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "a.txt.meta.json").write_text(json.dumps({"captured_on": "2026-06-03"}))
    (tmp_path / ".hidden").write_text("x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("y")
    assert [p.relative_to(tmp_path).as_posix() for p in list_dump_paths(tmp_path)] == [
        "a.txt",
        "sub/b.txt",
    ]
    dump = read_dump(tmp_path / "a.txt", tmp_path)
    assert dump.sidecar_captured_on == dt.date(2026, 6, 3)
    assert dump.sha256 == "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881"


def test_listing_skips_hidden_folders_and_links_to_folders(tmp_path):
    dumps = tmp_path / "dumps"
    (dumps / ".cache" / "deep").mkdir(parents=True)
    (dumps / ".cache" / "deep" / "c.txt").write_text("hidden by its folder")
    (dumps / "2026" / "06").mkdir(parents=True)
    (dumps / "2026" / "06" / "d.txt").write_text("z")
    (dumps / "2026" / "06" / "d.txt.meta.json").write_text("{}")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "e.txt").write_text("e")
    (dumps / "linked_folder").symlink_to(elsewhere, target_is_directory=True)
    (dumps / "linked_file.txt").symlink_to(elsewhere / "e.txt")
    (dumps / "broken_link.txt").symlink_to(tmp_path / "missing.txt")
    assert [p.relative_to(dumps).as_posix() for p in list_dump_paths(dumps)] == [
        "2026/06/d.txt",
        "linked_file.txt",
    ]


def test_broken_sidecar_is_reported_not_fatal(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "a.txt.meta.json").write_text("{not json")
    dump = read_dump(tmp_path / "a.txt", tmp_path)
    assert dump.sidecar_capture_year is None and "ignored" in dump.sidecar_error


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        list_dump_paths(tmp_path / "nope")


@pytest.mark.parametrize(
    "data",
    [
        b"\xef\xbb\xbfTitle\r\nAbstract\r\n",
        "Title\nAbstract\n".encode("utf-16"),
        b"Title\rAbstract\r",
    ],
)
def test_decoding(data):
    assert decode_text(data).split("\n")[:2] == ["Title", "Abstract"]


def test_cp1252_fallback():
    assert decode_text("Padé".encode("cp1252")) == "Padé"


# Where a vectorised shortcut could differ from the Python rules: casefold vs lowercase
# (ß, ẞ, final sigma, Turkish dotted I, ligatures, ǅ), NFKC (full-width, ligatures,
# superscripts), look-alikes, and ASCII punctuation runs around spaces.
EDGE_TITLES = [
    "Straße Networks",
    "STRASSE networks",
    "GROẞE Modelle",
    "ΣΊΣΥΦΟΣ and σίσυφος",
    "Final ς sigma",
    "İstanbul ıdentity",
    "ﬁne-tuning ﬀ",
    "ǅemal ǈubljana",
    "Ｗｉｄｅ Networks",
    "x² and H₂O",
    "Graph Nеtworks",  # Cyrillic е
    "café vs cafe\u0301",
    "a - b",
    "a  b",
    " a_b ",
    "__init__ -- main",
    "C++ & C#: (a) [b]",
    "...",
    "",
]


def test_with_identity_matches_title_key_on_unicode_edge_cases():
    frame = with_identity(pl.DataFrame({"title": EDGE_TITLES}))
    assert frame["title_key"].to_list() == [title_key(t) for t in EDGE_TITLES]
    assert frame["paper_id"].to_list() == [paper_id(t) for t in EDGE_TITLES]
    keys = dict(zip(EDGE_TITLES, frame["title_key"], strict=True))
    assert keys["Straße Networks"] == keys["STRASSE networks"] == "strasse networks"
    assert keys["Final ς sigma"] == "final σ sigma"  # casefold, where lowercase keeps ς


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=40), max_size=20))
def test_ascii_title_keys_match_title_key(titles):
    assert ascii_title_keys(pl.Series(titles, dtype=pl.String)).to_list() == [
        title_key(t) for t in titles
    ]


@pytest.mark.parametrize(
    ("data", "verbatim"),
    [
        (b"Title\nAbstract \xe2\x80\xa2", True),
        (b"", True),
        (b"\xef\xbb\xbfTitle\n", False),  # BOM dropped
        (b"Title\r\nAbstract", False),  # newlines changed
        ("Title".encode("utf-16"), False),
        ("Padé".encode("cp1252"), False),
    ],
)
def test_decode_says_when_the_bytes_are_the_text(data, verbatim):
    text, is_verbatim = decode(data)
    assert text == decode_text(data)
    assert is_verbatim is verbatim
    if verbatim:
        assert text == data.decode("utf-8")
