"""publish_snapshot on its own: every table copied whole and in order, the rows it reports,
Parquet copies of the marts, and the connection's settings put back."""

from __future__ import annotations

import threading

import duckdb
import pytest

from orchestration.landing.land import connect, ensure_raw_schema
from orchestration.landing.publish import STORAGE_VERSION, PublishError, publish_snapshot

# More than one row group (122,880 rows), so that an order changed by copying would show.
ROWS = 130_000


@pytest.fixture
def work(tmp_path):
    con = connect(tmp_path / "work" / "papers.duckdb")
    ensure_raw_schema(con)
    con.execute(
        f"""
        create schema marts;
        create schema reference;
        create table marts.papers as
            select md5(i::varchar) as paper_id, repeat('abstract ' || i, 20) as abstract,
                   i % 7 as upvotes, date '2026-01-01' + (i % 300)::int as published_on
            from range({ROWS}) t(i) order by hash(i);
        create table marts.topics as select 'topic ' || i as topic from range(34) t(i);
        create table reference.topic_taxonomy as select 'topic ' || i as topic from range(3) t(i);
        """
    )
    yield con
    con.close()


def settings(con) -> tuple:
    return con.execute(
        "select current_setting('threads'), current_setting('memory_limit')"
    ).fetchone()


def same_rows_in_order(con, left: str, right: str) -> bool:
    differing = con.execute(
        f"select count(*) from (select l as a from {left} l) positional join "
        f"(select r as b from {right} r) where a is distinct from b"
    ).fetchone()[0]
    counts = con.execute(f"select (select count(*) from {left}), (select count(*) from {right})")
    return differing == 0 and len(set(counts.fetchone())) == 1


def test_every_table_is_copied_whole_and_in_order(work, tmp_path):
    before = settings(work)
    published = tmp_path / "published" / "papers.duckdb"
    result = publish_snapshot(work, published, published.parent / "parquet")

    assert result.tables == {
        "marts.papers": ROWS,
        "marts.topics": 34,
        "reference.topic_taxonomy": 3,
        "audit.dumps": 0,
        "audit.rejects": 0,
        "audit.validation_results": 0,
    }
    assert settings(work) == before  # one thread and a smaller limit only while publishing
    work.execute(f"attach '{published}' as snap (read_only)")
    try:
        version = work.execute(
            "select tags['storage_version'] from duckdb_databases() where database_name = 'snap'"
        ).fetchone()[0]
        assert version.startswith(STORAGE_VERSION)
        for name, source in {
            "marts.papers": "marts.papers",
            "marts.topics": "marts.topics",
            "reference.topic_taxonomy": "reference.topic_taxonomy",
            "audit.dumps": "raw.dumps",
        }.items():
            assert same_rows_in_order(work, f"snap.{name}", source), name
    finally:
        work.execute("detach snap")
    for mart in ("papers", "topics"):
        parquet = published.parent / "parquet" / f"{mart}.parquet"
        assert same_rows_in_order(work, f"read_parquet('{parquet}')", f"marts.{mart}"), mart
    assert not list(published.parent.rglob(".*.tmp"))


def test_a_failure_puts_the_settings_back(work, tmp_path):
    before = settings(work)
    published = tmp_path / "published" / "papers.duckdb"
    blocked = tmp_path / "parquet"
    blocked.write_text("a file where the Parquet folder should be")
    with pytest.raises(PublishError, match="could not publish"):
        publish_snapshot(work, published, blocked)
    assert settings(work) == before
    with duckdb.connect(str(published), read_only=True) as snap:  # published before Parquet
        assert snap.execute("select count(*) from marts.papers").fetchone()[0] == ROWS


def test_the_old_snapshot_is_removed_after_the_rename(work, tmp_path):
    """The replaced snapshot keeps a second name while a thread frees its blocks; none is
    left for long, and one a killed run left behind is cleared by the next publish."""
    published = tmp_path / "published" / "papers.duckdb"
    publish_snapshot(work, published, tmp_path / "parquet")
    first_inode = published.stat().st_ino
    crash_left = published.with_name(f".{published.name}.deadbeef.old")
    crash_left.write_bytes(b"an old snapshot a killed run did not remove")
    publish_snapshot(work, published, tmp_path / "parquet")
    assert published.stat().st_ino != first_inode
    assert not crash_left.exists()
    for thread in threading.enumerate():  # the thread freeing the first snapshot
        if thread is not threading.current_thread():
            thread.join(timeout=30)
    assert not list(published.parent.glob(".*.old"))
