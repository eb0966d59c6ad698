"""The benchmark corpus generator and the pure-Python baseline parser (benchmarks/).

Fast: a few small generated corpora, parsed by the pipeline's parser and by the baseline.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from benchmarks import baseline_text
from benchmarks.generate import ENTRIES_RANGE, generate, load_vocabulary
from orchestration.ingest.discovery import list_dump_paths, read_dump
from orchestration.ingest.parse import parse_dumps

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
DUMPS, SEED = 15, 7
FIELDS = ["position", "title", "abstract", "authors_count", "published_on", "comments_count"]


@pytest.fixture(scope="module")
def vocabulary():
    return load_vocabulary(SEEDS)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory, vocabulary):
    folder = tmp_path_factory.mktemp("generated")
    return folder, generate(folder, DUMPS, SEED, vocabulary=vocabulary)


@pytest.fixture(scope="module")
def parsed(corpus):
    folder, _ = corpus
    files = [read_dump(p, folder) for p in list_dump_paths(folder)]
    return files, parse_dumps(files)


def _folder_bytes(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_same_seed_same_bytes(tmp_path, vocabulary, corpus):
    folder, first = corpus
    again = generate(tmp_path / "again", DUMPS, SEED, vocabulary=vocabulary)
    assert _folder_bytes(tmp_path / "again") == _folder_bytes(folder)
    assert again.summary() == first.summary()
    other = generate(tmp_path / "other", DUMPS, SEED + 1, vocabulary=vocabulary)
    assert _folder_bytes(tmp_path / "other") != _folder_bytes(folder)
    assert other.files[0].name == first.files[0].name == "bench_000000.txt"


def test_sequence_does_not_depend_on_the_count(tmp_path, vocabulary, corpus):
    """N + 1 dumps start with the same N files; `first` writes only the newest ones."""
    folder, _ = corpus
    longer = generate(tmp_path / "longer", DUMPS + 1, SEED, vocabulary=vocabulary)
    written = _folder_bytes(tmp_path / "longer")
    assert {k: v for k, v in written.items() if k in _folder_bytes(folder)} == _folder_bytes(folder)
    only_new = generate(tmp_path / "new", DUMPS + 1, SEED, first=DUMPS, vocabulary=vocabulary)
    assert [p.name for p in only_new.files] == [f"bench_{DUMPS:06d}.txt"]
    assert only_new.files[0].read_bytes() == longer.files[-1].read_bytes()
    assert only_new.entries == longer.entries


def test_every_layout_and_realistic_shape(corpus):
    folder, c = corpus
    assert set(c.layouts) == {"with_metadata", "title_abstract", "glued"}
    assert c.layouts["with_metadata"] > c.layouts["glued"]
    assert len(c.files) == DUMPS and c.bytes == sum(p.stat().st_size for p in c.files)
    # About 15% of entries repeat an earlier paper (the seeds: 42 of 289).
    assert 0.08 < c.repeat_entries / c.entries < 0.22
    assert c.entries - c.repeat_entries == c.distinct_papers
    assert ENTRIES_RANGE[0] * DUMPS <= c.entries <= ENTRIES_RANGE[1] * DUMPS
    # Sidecars exactly for the dumps with a date selector (every layout but glued).
    assert c.sidecars == DUMPS - c.layouts["glued"]
    assert len(list(folder.glob("*.meta.json"))) == c.sidecars
    glued = [p for p in c.files if not p.with_name(p.name + ".meta.json").exists()]
    assert glued and glued[0].read_text(encoding="utf-8").count("\n\n") == 0


def test_parse_dumps_finds_what_the_generator_reports(corpus, parsed):
    _, c = corpus
    files, batch = parsed
    assert batch.rejects.height == 0
    assert (batch.dumps["status"] == "loaded").all()
    assert batch.entries.height == c.entries
    assert batch.entries["paper_id"].n_unique() == c.distinct_papers
    recurring = (
        batch.entries.group_by("paper_id")
        .agg(pl.col("dump_id").n_unique())
        .filter(pl.col("dump_id") > 1)
        .height
    )
    assert recurring == c.recurring_papers > 0
    layouts = dict(batch.dumps.group_by("layout").len().iter_rows())
    assert layouts == c.layouts
    rules = set(batch.dumps.filter(pl.col("layout") != "glued")["capture_rule"])
    assert rules == {"sidecar_capture_year"}
    # Some abstracts carry GitHub links; dated entries never postdate their capture.
    assert batch.links.filter(pl.col("host") == "github.com").height > 0
    dated = batch.entries.join(batch.dumps.select("dump_id", "captured_on"), on="dump_id")
    assert dated.filter(pl.col("published_on") > pl.col("captured_on")).height == 0
    assert dated["published_on"].drop_nulls().len() > 0


def _baseline_frame(entries: list[baseline_text.Entry]) -> pl.DataFrame:
    return pl.DataFrame(
        [tuple(getattr(e, f) for f in FIELDS) for e in entries],
        schema={
            "position": pl.Int32,
            "title": pl.String,
            "abstract": pl.String,
            "authors_count": pl.Int32,
            "published_on": pl.Date,
            "comments_count": pl.Int32,
        },
        orient="row",
    )


def _assert_baseline_agrees(folder: Path, files, batch) -> None:
    baseline = baseline_text.parse_folder(folder)
    assert set(baseline) == {f.file_name for f in files}
    layouts = dict(batch.dumps.select("file_name", "layout").iter_rows())
    for f in files:
        layout, entries = baseline[f.file_name]
        assert layout == layouts[f.file_name], f.file_name
        ours = (
            batch.entries.filter(pl.col("dump_id") == f.dump_id)
            .sort("position")
            .select(FIELDS)
            .cast({"position": pl.Int32})
        )
        theirs = _baseline_frame(entries)
        assert ours["title"].to_list() == theirs["title"].to_list(), f.file_name
        assert ours.equals(theirs), f.file_name


def test_baseline_agrees_with_parse_dumps_on_the_seeds():
    # The text dumps among the seeds (saved HTML pages and API JSON are other formats).
    files = [read_dump(p, SEEDS) for p in list_dump_paths(SEEDS) if p.suffix == ".txt"]
    _assert_baseline_agrees(SEEDS, files, parse_dumps(files))
    assert sum(len(e) for _, e in baseline_text.parse_folder(SEEDS).values()) == 289


def test_baseline_agrees_with_parse_dumps_on_a_generated_corpus(corpus, parsed):
    folder, _ = corpus
    files, batch = parsed
    _assert_baseline_agrees(folder, files, batch)


def test_baseline_rejects_a_file_that_is_not_a_dump():
    assert baseline_text.parse_file(b"just some notes\n\nnothing else\n") is None
