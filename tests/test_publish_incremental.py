"""publish_snapshot(..., changed_papers=...): the last snapshot updated for the papers that
changed, instead of written anew; the same tables and Parquet files as a full publish, the
same guarantees, and a full publish whenever the published file cannot be updated."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from orchestration.landing import publish
from orchestration.landing.land import connect, ensure_raw_schema
from orchestration.landing.publish import STORAGE_VERSION, PublishError, publish_snapshot

from .conftest import ROOT

# Several vectors (2,048 rows) of papers, so that the changed ones are found in more than one.
PAPERS = 5_000
CHANGED = "raw.changed_papers"


@pytest.fixture
def work(tmp_path):
    con = connect(tmp_path / "work" / "papers.duckdb")
    ensure_raw_schema(con)
    con.execute(
        f"""
        create schema marts;
        create schema reference;
        create table marts.papers as
            select 'p' || i as paper_id, 'title ' || i as title,
                   repeat('abstract ' || i, 20) as abstract, i % 7 as upvotes
            from range({PAPERS}) t(i);
        create table marts.paper_topics as
            select 'p' || i as paper_id, 'topic ' || i % 5 as topic
            from range({PAPERS}) t(i) where i % 3 <> 0
            union all select 'p' || i, 'topic extra' from range(0, {PAPERS}, 10) t(i);
        create table marts.topics as select 'topic ' || i as topic, i as papers from range(5) t(i);
        create table reference.topic_taxonomy as select 'topic ' || i as topic from range(3) t(i);
        create table {CHANGED} (paper_id varchar);
        """
    )
    add_dump(con, "d1")
    yield con
    con.close()


def add_dump(con, dump_id: str) -> None:
    con.execute(
        "insert into raw.dumps (dump_id, file_name, sha256, size_bytes, status, entries_parsed, "
        "entries_loaded, entries_rejected, parser_version, loaded_at) "
        f"values ('{dump_id}', '{dump_id}.txt', 'x', 1, 'loaded', 1, 1, 0, 'v1', now())"
    )


def change_papers(con) -> None:
    """Papers deleted, added and changed in both marts with a paper_id, the mart without one
    changed, a dump loaded; the papers listed, some twice, one that never existed."""
    con.execute(
        f"""
        delete from marts.papers where paper_id in ('p1', 'p2500', 'p4999');
        delete from marts.paper_topics where paper_id in ('p1', 'p2500', 'p4999');
        insert into marts.papers values ('new1', 'new', 'new abstract', 3),
                                        ('new2', 'newer', null, 0);
        insert into marts.paper_topics values ('new1', 'topic 1'), ('new1', 'topic 2');
        update marts.papers set upvotes = upvotes + 100, title = title || ' (revised)'
            where paper_id in ('p10', 'p3000');
        delete from marts.paper_topics where paper_id = 'p10';
        insert into marts.paper_topics values ('p3000', 'topic new'), ('p3000', 'topic new');
        update marts.topics set papers = papers + 1;
        insert into {CHANGED} values ('p1'), ('p2500'), ('p4999'), ('new1'), ('new2'), ('p10'),
            ('p3000'), ('p10'), ('new1'), ('never');
        """
    )
    add_dump(con, "d2")


def settings(con) -> tuple:
    return con.execute(
        "select current_setting('threads'), current_setting('memory_limit')"
    ).fetchone()


def published_tables(path: Path) -> dict[str, tuple[list[str], Counter]]:
    """schema.table -> (columns, rows as a multiset) of a published file."""
    with duckdb.connect(str(path), read_only=True) as con:
        names = con.execute(
            "select schema_name || '.' || table_name from duckdb_tables() order by 1"
        ).fetchall()
        return {name: contents(con, f"select * from {name}") for (name,) in names}


def parquet_files(folder: Path) -> dict[str, tuple[list[str], Counter]]:
    with duckdb.connect() as con:
        return {
            path.name: contents(con, f"select * from read_parquet('{path}')")
            for path in sorted(folder.glob("*.parquet"))
        }


def contents(con, query: str) -> tuple[list[str], Counter]:
    result = con.execute(query)
    return [column[0] for column in result.description], Counter(result.fetchall())


def storage_version(path: Path) -> str:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            "select tags['storage_version'] from duckdb_databases() "
            "where database_name = current_database()"
        ).fetchone()[0]


def temporary_files(*folders: Path) -> list[Path]:
    return [path for folder in folders for path in folder.rglob(".*.tmp*")]


def title(path: Path, paper_id: str) -> str:
    with duckdb.connect(str(path), read_only=True) as con:
        query = "select title from marts.papers where paper_id = ?"
        return con.execute(query, [paper_id]).fetchone()[0]


@pytest.fixture
def published(work, tmp_path):
    """`work` published once, in full."""
    path = tmp_path / "published" / "papers.duckdb"
    assert not publish_snapshot(work, path, path.parent / "parquet").incremental
    return path


def test_an_update_gives_what_a_full_publish_gives(work, published, tmp_path):
    change_papers(work)
    before = settings(work)

    result = publish_snapshot(work, published, published.parent / "parquet", CHANGED)

    assert result.incremental
    assert settings(work) == before
    full = tmp_path / "full" / "papers.duckdb"
    expected = publish_snapshot(work, full, full.parent / "parquet")
    assert not expected.incremental
    assert result.tables == expected.tables
    assert result.tables["marts.papers"] == PAPERS - 3 + 2
    assert result.tables["audit.dumps"] == 2
    updated, written = published_tables(published), published_tables(full)
    assert updated.keys() == written.keys()
    for name in written:
        assert updated[name] == written[name], name
    updated, written = (
        parquet_files(published.parent / "parquet"),
        parquet_files(full.parent / "parquet"),
    )
    assert list(updated) == ["paper_topics.parquet", "papers.parquet", "topics.parquet"]
    for name in written:
        assert updated[name] == written[name], name
    assert storage_version(published).startswith(STORAGE_VERSION)
    assert not temporary_files(published.parent, full.parent)


def test_only_the_listed_papers_are_copied(work, published):
    """The caller's promise is taken: a paper changed but not listed keeps its old rows in
    the snapshot (the Parquet files are written whole, so they have it)."""
    work.execute("update marts.papers set title = 'changed' where paper_id in ('p5', 'p6')")
    work.execute(f"insert into {CHANGED} values ('p6')")
    reader = duckdb.connect(str(published), read_only=True)
    try:
        publish_snapshot(work, published, published.parent / "parquet", CHANGED)
        # A reader that had the old file open keeps reading the old snapshot.
        query = "select title from marts.papers where paper_id = 'p6'"
        assert reader.execute(query).fetchone()[0] == "title 6"
    finally:
        reader.close()
    assert title(published, "p5") == "title 5"
    assert title(published, "p6") == "changed"
    parquet = published.parent / "parquet" / "papers.parquet"
    with duckdb.connect() as con:
        query = f"select count(*) from '{parquet}' where title = 'changed'"
        assert con.execute(query).fetchone()[0] == 2


def write_other_storage(published: Path) -> None:
    """The published file rewritten in a newer storage version than readers can open."""
    other = published.with_name("other.duckdb")
    with duckdb.connect() as con:
        con.execute(f"attach '{published}' as old (read_only)")
        con.execute(f"attach '{other}' as new (storage_version 'v1.2.0')")
        con.execute("copy from database old to new")
    other.replace(published)


CANNOT_UPDATE = {
    "no published file": lambda con, published: published.unlink(),
    "a new mart": lambda con, _: con.execute("create table marts.authors as select 'a' as author"),
    "a mart gone": lambda con, _: con.execute("drop table marts.topics"),
    "a new column": lambda con, _: con.execute(
        "alter table marts.papers add column stars integer default 1"
    ),
    "a column renamed": lambda con, _: con.execute(
        "alter table marts.paper_topics rename topic to topic_name"
    ),
    "a column's type": lambda con, _: con.execute(
        "alter table marts.topics alter papers type double"
    ),
    "another storage version": lambda con, published: write_other_storage(published),
}


@pytest.mark.parametrize("change", CANNOT_UPDATE.values(), ids=CANNOT_UPDATE.keys())
def test_what_cannot_be_updated_is_published_in_full(work, published, change):
    change(work, published)
    # Not listed: only a full publish copies it.
    work.execute("update marts.papers set title = 'changed' where paper_id = 'p5'")
    before = settings(work)

    result = publish_snapshot(work, published, published.parent / "parquet", CHANGED)

    assert not result.incremental
    assert settings(work) == before
    assert title(published, "p5") == "changed"
    assert storage_version(published).startswith(STORAGE_VERSION)
    snapshot = published_tables(published)
    assert set(snapshot) == set(result.tables)
    for name, source in publish._sources(work).items():
        assert snapshot[name] == contents(work, f"select * from {source}"), name
    assert not temporary_files(published.parent)


@pytest.mark.parametrize("failing", ["before the rename", "exporting Parquet"])
def test_a_failure_leaves_everything_published_as_it_was(work, published, monkeypatch, failing):
    change_papers(work)
    before = settings(work)
    files = [published, *sorted((published.parent / "parquet").glob("*.parquet"))]
    contents_before = [path.read_bytes() for path in files]
    if failing == "before the rename":

        def fault_point(name: str) -> None:
            if name == "publish:before_rename":
                raise OSError("no space left on device")

        monkeypatch.setattr(publish, "fault_point", fault_point)
    else:
        write_parquet = publish._write_parquet

        def fail_on_papers(con, source: str, path: Path) -> None:
            if source == "marts.papers":
                raise duckdb.IOException("could not write")
            write_parquet(con, source, path)

        monkeypatch.setattr(publish, "_write_parquet", fail_on_papers)

    with pytest.raises(PublishError, match="published file was left as it was"):
        publish_snapshot(work, published, published.parent / "parquet", CHANGED)

    assert [path.read_bytes() for path in files] == contents_before
    assert settings(work) == before
    assert not temporary_files(published.parent)


PUBLISH = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from orchestration.landing.land import connect
    from orchestration.landing.publish import publish_snapshot
    work, published = Path(sys.argv[1]), Path(sys.argv[2])
    with connect(work) as con:
        result = publish_snapshot(con, published, published.parent / "parquet", sys.argv[3])
    print(result.incremental)
    """
)


def run_publish(work: Path, published: Path, fault: str | None = None):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if fault:
        env["PAPERS_FAULT_AT"] = fault
    return subprocess.run(
        [sys.executable, "-c", PUBLISH, str(work), str(published), CHANGED],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.slow  # two publishes in subprocesses, one killed
def test_killed_before_the_rename_leaves_the_published_file(work, published, tmp_path):
    change_papers(work)
    work.close()  # for the subprocesses to open
    work_path = tmp_path / "work" / "papers.duckdb"
    before = published.read_bytes()

    killed = run_publish(work_path, published, fault="publish:before_rename")

    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert published.read_bytes() == before
    assert temporary_files(published.parent)  # what the crash left
    rerun = run_publish(work_path, published)
    assert rerun.returncode == 0, rerun.stderr
    assert rerun.stdout.strip() == "True"
    assert not temporary_files(published.parent)
    assert title(published, "p10") == "title 10 (revised)"
