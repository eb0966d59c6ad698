"""Paper identity, dump ids, sidecars and decoding."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from orchestration.ingest.discovery import decode_text, dump_id_for, list_dump_paths, read_dump
from orchestration.ingest.identity import paper_id, title_key


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
