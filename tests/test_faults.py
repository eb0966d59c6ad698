"""Faults: a process killed mid-load, a full disk, a read-only warehouse folder.

Each crash runs in a subprocess killed with SIGKILL at a named point of the code
(orchestration/landing/faults.py); the test then looks at what is left on disk.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import textwrap

import duckdb
import pytest

from .conftest import ROOT, SEEDS

# Every test loads or publishes in subprocesses (~2 s each): `make test` only.
pytestmark = pytest.mark.slow

LAND = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from orchestration.ingest.discovery import list_dump_paths, read_dump
    from orchestration.ingest.parse import parse_dumps
    from orchestration.landing.land import connect, land_batch
    folder, db = Path(sys.argv[1]), Path(sys.argv[2])
    files = [read_dump(p, folder) for p in list_dump_paths(folder)]
    with connect(db) as con:
        land_batch(con, parse_dumps(files))
    """
)
# As the pipeline lands: parsed in chunks of 3 files, one Parquet part each, landed in one go.
LAND_PARTS = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from orchestration.ingest.batch_files import BatchWriter
    from orchestration.ingest.discovery import list_dump_paths, read_dump
    from orchestration.ingest.parse import parse_dumps
    from orchestration.landing.land import connect, land_parts
    folder, db = Path(sys.argv[1]), Path(sys.argv[2])
    paths = list_dump_paths(folder)
    writer = BatchWriter(db.parent / "parsed")
    for start in range(0, len(paths), 3):
        writer.write(parse_dumps([read_dump(p, folder) for p in paths[start : start + 3]]))
    with connect(db) as con:
        land_parts(con, writer.folder)
    """
)
PUBLISH = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from orchestration.landing.land import connect
    from orchestration.landing.publish import publish_snapshot
    work, published = Path(sys.argv[1]), Path(sys.argv[2])
    with connect(work) as con:
        publish_snapshot(con, published, published.parent / "parquet")
    """
)


def run_python(script: str, *args, fault: str | None = None, preexec=None):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if fault:
        env["PAPERS_FAULT_AT"] = fault
    return subprocess.run(
        [sys.executable, "-c", script, *map(str, args)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=preexec,
    )


def entries_by_dump(db) -> dict[str, int]:
    with duckdb.connect(str(db), read_only=True) as con:
        return dict(
            con.execute("select dump_id, count(*) from raw.entries group by all").fetchall()
        )


@pytest.fixture
def dumps(tmp_path):
    folder = tmp_path / "dumps"
    folder.mkdir()
    for path in SEEDS.glob("*.txt"):
        shutil.copy(path, folder / path.name)
    return folder


def cut_last_entries(path) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("\n\nBidirectional Learning for Robust")], encoding="utf-8")


@pytest.mark.parametrize(
    "point",
    [
        "land:after_delete:dumps",
        "land:after_delete:entries",
        "land:after_insert:entries",
        "land:after_insert:rejects",
        "land:before_commit",
    ],
)
@pytest.mark.parametrize("land", [LAND, LAND_PARTS], ids=["batch", "parts"])
def test_killed_mid_load_leaves_the_whole_old_dump(dumps, tmp_path, point, land):
    db = tmp_path / "work.duckdb"
    assert run_python(land, dumps, db).returncode == 0
    old = entries_by_dump(db)
    cut_last_entries(dumps / "004_4283718b8e5bfa58.txt")

    killed = run_python(land, dumps, db, fault=point)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert entries_by_dump(db) == old  # the whole old batch, nothing half-replaced

    assert run_python(land, dumps, db).returncode == 0  # a re-run completes it
    new = entries_by_dump(db)
    assert new["004_4283718b8e5bfa58.txt"] == 25
    assert {k: v for k, v in new.items() if not k.startswith("004")} == {
        k: v for k, v in old.items() if not k.startswith("004")
    }


def test_killed_after_commit_keeps_the_whole_new_dump(dumps, tmp_path):
    db = tmp_path / "work.duckdb"
    run_python(LAND, dumps, db)
    cut_last_entries(dumps / "004_4283718b8e5bfa58.txt")
    killed = run_python(LAND, dumps, db, fault="land:after_commit")
    assert killed.returncode == -signal.SIGKILL
    assert entries_by_dump(db)["004_4283718b8e5bfa58.txt"] == 25


@pytest.fixture
def published_setup(dumps, tmp_path):
    """A working database with a marts table, published once."""
    work = tmp_path / "work" / "papers.duckdb"
    assert run_python(LAND, dumps, work).returncode == 0
    with duckdb.connect(str(work)) as con:
        con.execute("create schema marts; create table marts.papers as select 1 as paper_id")
    published = tmp_path / "published" / "papers.duckdb"
    assert run_python(PUBLISH, work, published).returncode == 0
    return work, published


def test_killed_while_publishing_leaves_the_published_file(published_setup):
    work, published = published_setup
    before = published.read_bytes()
    killed = run_python(PUBLISH, work, published, fault="publish:before_rename")
    assert killed.returncode == -signal.SIGKILL
    assert published.read_bytes() == before
    # The next publish clears the half-made file the crash left behind.
    assert list(published.parent.glob(".*.tmp"))
    assert run_python(PUBLISH, work, published).returncode == 0
    assert not list(published.parent.glob(".*.tmp"))


def _limit_file_size():
    # Writes past 64 KiB fail with EFBIG, as on a full disk (and are not killed by SIGXFSZ).
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))


def test_full_disk_gives_a_clear_error_and_keeps_the_published_file(published_setup):
    work, published = published_setup
    before = published.read_bytes()
    failed = run_python(PUBLISH, work, published, preexec=_limit_file_size)
    assert failed.returncode != 0
    assert "could not publish" in failed.stderr and "published file was left" in failed.stderr
    assert published.read_bytes() == before


def make_read_only(folder, read_only: bool) -> None:
    """chmod for a normal user; root ignores modes, so for root the immutable flag."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i" if read_only else "-i", str(folder)], check=True)
    else:
        folder.chmod(0o555 if read_only else 0o755)


def test_read_only_folder_gives_a_clear_error_and_keeps_the_published_file(published_setup):
    work, published = published_setup
    before = published.read_bytes()
    make_read_only(published.parent, True)
    try:
        failed = run_python(PUBLISH, work, published)
    finally:
        make_read_only(published.parent, False)
    assert failed.returncode != 0
    assert "could not publish" in failed.stderr, failed.stderr[-2000:]
    assert published.read_bytes() == before
