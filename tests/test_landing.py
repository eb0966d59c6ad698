"""Landing in DuckDB: every entry accounted for, reloads replace exactly a dump's rows."""

from __future__ import annotations

import dataclasses

import polars as pl
import pytest

from orchestration.ingest.batch_files import BatchWriter, read_batch
from orchestration.ingest.parse import ParsedBatch
from orchestration.landing.land import (
    DuplicateKeyError,
    connect,
    ensure_raw_schema,
    land_batch,
    land_parts,
    raw_counts,
    streaming_memory,
)


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
        assert {"organisation_handle", "ai_summary", "daily_rank"} <= columns
        assert con.execute("select count(arxiv_id) from raw.entries").fetchall() == [(13,)]
        dumps = {r[0] for r in con.execute("describe raw.dumps").fetchall()}
        assert "list_date_rule" in dumps


def test_a_repeated_link_key_rolls_the_batch_back_and_says_where(con, seed_batch):
    """The keys of raw.entries and raw.entry_links are checked by the landing, not declared
    (raw_schema.sql): a batch that repeats one lands nothing, and the error names it."""
    land_batch(con, seed_batch)
    before = raw_counts(con)
    # The first entry with several links: all of them get its first link's link_order.
    links = seed_batch.links
    several = (
        links.group_by("dump_id", "position")
        .len()
        .filter(pl.col("len") > 1)
        .sort("dump_id", "position")
    )
    dump_id, position, times = several.row(0)
    link_order = links.filter(dump_id=dump_id, position=position)["link_order"].min()
    repeated = links.with_columns(
        link_order=pl.when((pl.col("dump_id") == dump_id) & (pl.col("position") == position))
        .then(pl.lit(link_order, pl.Int32))
        .otherwise(pl.col("link_order"))
    )
    with pytest.raises(DuplicateKeyError) as error:
        land_batch(con, dataclasses.replace(seed_batch, links=repeated))
    assert str(error.value) == (
        f"duplicate key in raw.entry_links: dump_id {dump_id!r}, position {position}, "
        f"link_order {link_order} appears {times} times in the batch; nothing of the batch "
        "was landed"
    )
    assert raw_counts(con) == before


def declared_keys(con) -> list[tuple]:
    return con.execute(
        "select table_name, constraint_column_names from duckdb_constraints() "
        "where schema_name = 'raw' and constraint_type = 'PRIMARY KEY' order by all"
    ).fetchall()


def test_an_older_warehouse_loses_its_declared_entry_keys(tmp_path, seed_batch):
    """Warehouses made when raw.entries and raw.entry_links declared their primary keys are
    made again without them, once, with every row and every NOT NULL kept."""
    with connect(tmp_path / "old.duckdb") as con:
        land_batch(con, seed_batch)
        before = table_rows(con)
        not_null = con.execute(
            "select count(*) from duckdb_constraints() where constraint_type = 'NOT NULL'"
        ).fetchone()
        for table, key in [
            ("entries", "dump_id, position"),
            ("entry_links", "dump_id, position, link_order"),
        ]:
            ddl = con.execute(
                f"select sql from duckdb_tables() where table_name = '{table}'"
            ).fetchone()[0]
            con.execute(
                ddl.replace(f"raw.{table}(", f"raw.{table}_old(").replace(
                    ");", f", primary key ({key}));"
                )
            )
            con.execute(f"insert into raw.{table}_old select * from raw.{table}")
            con.execute(f"drop table raw.{table}")
            con.execute(f"alter table raw.{table}_old rename to {table}")
        assert [table for table, _ in declared_keys(con)] == [
            "built_dumps",
            "dumps",
            "entries",
            "entry_links",
        ]
        ensure_raw_schema(con)
        assert [table for table, _ in declared_keys(con)] == ["built_dumps", "dumps"]
        assert table_rows(con) == before
        assert (
            con.execute(
                "select count(*) from duckdb_constraints() where constraint_type = 'NOT NULL'"
            ).fetchone()
            == not_null
        )
        land_batch(con, seed_batch)  # and it lands as before
        assert table_rows(con) == before


def split_by_dump(batch: ParsedBatch, chunks: int) -> list[ParsedBatch]:
    """The batch as `chunks` batches of whole dumps, as the parse step writes them."""
    ids = batch.dump_ids
    size = -(-len(ids) // chunks)
    return [
        ParsedBatch(
            **{
                name: getattr(batch, name).filter(pl.col("dump_id").is_in(ids[i : i + size]))
                for name in ("dumps", "entries", "links", "rejects")
            }
        )
        for i in range(0, len(ids), size)
    ]


TABLES = ("dumps", "entries", "entry_links", "rejects")


def table_rows(con) -> dict[str, list]:
    return {
        table: con.execute(f"select * exclude (loaded_at) from raw.{table} order by all").fetchall()
        if table == "dumps"
        else con.execute(f"select * from raw.{table} order by all").fetchall()
        for table in TABLES
    }


def test_parts_land_as_the_whole_batch(tmp_path, seed_batch):
    folder = tmp_path / "parsed"
    writer = BatchWriter(folder)
    for chunk in split_by_dump(seed_batch, 3):
        writer.write(chunk)
    assert writer.parts == 3
    assert read_batch(folder).entries.equals(seed_batch.entries)

    with connect(tmp_path / "parts.duckdb") as con:
        result = land_parts(con, folder)
        from_parts = table_rows(con)
        again = land_parts(con, folder)  # a re-run replaces the same rows
        assert table_rows(con) == from_parts
    with connect(tmp_path / "batch.duckdb") as con:
        expected = land_batch(con, seed_batch)
        assert table_rows(con) == from_parts
    assert result.rows == expected.rows and set(result.dump_ids) == set(expected.dump_ids)
    assert again.rows_replaced == again.rows


def test_a_failing_part_rolls_back_the_whole_run(tmp_path, seed_batch):
    con = connect(tmp_path / "w.duckdb")
    land_batch(con, seed_batch)
    before = table_rows(con)
    first, second = split_by_dump(seed_batch, 2)
    folder = tmp_path / "parsed"
    writer = BatchWriter(folder)
    writer.write(first)
    # Every entry of the second part at position 1: its dumps break the primary key.
    writer.write(
        dataclasses.replace(
            second, entries=second.entries.with_columns(position=pl.lit(1, pl.Int32))
        )
    )
    with pytest.raises(Exception, match="(?i)constraint|duplicate"):
        land_parts(con, folder)
    assert table_rows(con) == before  # the first part's dumps were not replaced either
    con.close()


def test_connections_get_a_memory_limit_and_a_spill_folder(tmp_path, monkeypatch):
    def settings(con):
        return con.execute(
            "select current_setting('memory_limit'), current_setting('temp_directory')"
        ).fetchone()

    monkeypatch.delenv("PAPERS_DUCKDB_MEMORY_LIMIT", raising=False)
    with connect(tmp_path / "work" / "w.duckdb") as con:
        limit, temp = settings(con)
    assert limit == "953.6 MiB"  # 1GB
    assert temp == str(tmp_path.resolve() / "work" / "duckdb_tmp")

    monkeypatch.setenv("PAPERS_DUCKDB_MEMORY_LIMIT", "256MB")
    with connect(tmp_path / "work" / "w.duckdb", read_only=True) as con:
        assert settings(con)[0] == "244.1 MiB"
        with streaming_memory(con):  # landing and validation take a quarter
            assert settings(con)[0] == "61.0 MiB"
        assert settings(con)[0] == "244.1 MiB"
    monkeypatch.setenv("PAPERS_DUCKDB_MEMORY_LIMIT", "lots")
    with pytest.raises(Exception, match="(?i)memory"):
        connect(tmp_path / "work" / "w.duckdb")
