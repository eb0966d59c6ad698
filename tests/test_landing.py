"""Landing in DuckDB: every entry accounted for, reloads replace exactly a dump's rows."""

from __future__ import annotations

import dataclasses

import polars as pl
import pytest

from orchestration.landing.land import connect, land_batch, raw_counts


@pytest.fixture
def con(tmp_path):
    con = connect(tmp_path / "w.duckdb")
    yield con
    con.close()


def test_seeds_land_and_balance(con, seed_batch):
    result = land_batch(con, seed_batch)
    assert result.rows == {
        "dumps": 7,
        "entries": 302,
        "entry_links": len(seed_batch.links),
        "rejects": 0,
    }
    parsed, loaded, rejected = con.execute(
        "select sum(entries_parsed), sum(entries_loaded), sum(entries_rejected) from raw.dumps"
    ).fetchall()[0]
    assert (parsed, loaded, rejected) == (302, 302, 0)
    assert con.execute("select count(distinct paper_id) from raw.entries").fetchall()[0][0] == 247


def test_second_run_changes_no_count(con, seed_batch):
    land_batch(con, seed_batch)
    before = raw_counts(con)
    again = land_batch(con, seed_batch)
    assert raw_counts(con) == before
    assert again.rows_replaced == again.rows


def test_reload_of_one_dump_replaces_only_its_rows(con, seed_batch):
    land_batch(con, seed_batch)
    one = "003_0ee2deba839f99fc.txt"
    smaller = dataclasses.replace(
        seed_batch,
        dumps=seed_batch.dumps.filter(pl.col("dump_id") == one),
        entries=seed_batch.entries.filter((pl.col("dump_id") == one) & (pl.col("position") <= 10)),
        links=seed_batch.links.filter(pl.col("dump_id") == one),
        rejects=seed_batch.rejects.filter(pl.col("dump_id") == one),
    )
    land_batch(con, smaller)
    counts = dict(con.execute("select dump_id, count(*) from raw.entries group by all").fetchall())
    assert counts[one] == 10
    assert sum(counts.values()) == 302 - 44 + 10


def test_failed_load_leaves_the_old_rows(con, seed_batch):
    land_batch(con, seed_batch)
    broken = dataclasses.replace(
        seed_batch, entries=seed_batch.entries.with_columns(position=pl.lit(1, pl.Int32))
    )  # violates the (dump_id, position) primary key halfway through the transaction
    with pytest.raises(Exception, match="(?i)constraint|duplicate"):
        land_batch(con, broken)
    assert raw_counts(con)["entries"] == 302


def test_an_older_warehouse_gains_the_new_columns(tmp_path, seed_batch):
    with connect(tmp_path / "old.duckdb") as con:
        con.execute("create schema raw")
        con.execute(
            "create table raw.entries (dump_id varchar, position integer, paper_id varchar,"
            " title_key varchar, title varchar, has_metadata boolean)"
        )
        land_batch(con, seed_batch)
        columns = {r[0] for r in con.execute("describe raw.entries").fetchall()}
        assert {"arxiv_id", "author_names", "upvotes", "github_stars"} <= columns
        assert con.execute("select count(arxiv_id) from raw.entries").fetchall() == [(13,)]
