"""Running it like production: new dumps alone, unchanged ones skipped, and a reader that
holds the published file open during a run sees the old or the new snapshot, never a mix."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap

import duckdb
import pytest

from orchestration import run
from orchestration.dagster_home import write_dagster_yaml

from .conftest import SEEDS
from .processes import living_in_group

# Whole runs, in process and as `make run`: `make test` runs them, `make test-fast` does not.
pytestmark = pytest.mark.slow

NEW_DUMP = (
    "new\n\nGet trending papers in your email inbox!\n\nSubscribe\n\nDaily Papers\n\n"
    "byAK and the research community\n\nJul 2\n\n"
    "A Brand New Paper on Sparse Mixture of Experts\n\nWe study sparse experts. Code:"
    " https://github.com/example/sparse-moe.\n\n  • 4 authors\n·\nJun 30\n\n"
    "Forward Learning of Graph Neural Networks\n\nGraph neural networks (GNNs) have achieved"
    " remarkable success.\n\n  • 8 authors\n·\nMar 16, 2024 3\n"
)

# A reader process that holds the published file open and queries it until told to stop,
# then reconnects. (Within one process DuckDB shares an open database between connections
# to the same path, so a reader sees a new snapshot once it has closed the old one.)
READER = textwrap.dedent(
    """
    import json, os, sys, time, duckdb
    path, out, stop = sys.argv[1], sys.argv[2], sys.argv[3]
    QUERY = ("select (select count(*) from marts.papers),"
             " (select count(*) from marts.paper_appearances),"
             " (select sum(entries_loaded) from audit.dumps)")
    seen, errors, rounds = set(), [], 0
    held = duckdb.connect(path, read_only=True)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not os.path.exists(stop):
        try:
            seen.add(tuple(held.execute(QUERY).fetchall()[0]))
            rounds += 1
        except Exception as error:  # noqa: BLE001 - any error is what we look for
            errors.append(repr(error))
        time.sleep(0.02)
    held.close()
    after = tuple(duckdb.connect(path, read_only=True).execute(QUERY).fetchall()[0])
    json.dump({"seen": sorted(seen), "errors": errors, "rounds": rounds, "after": after},
              open(out, "w"))
    """
)


@pytest.fixture
def build_env(tmp_path, monkeypatch):
    dumps = tmp_path / "dumps"
    shutil.copytree(SEEDS, dumps)
    published = tmp_path / "warehouse" / "papers.duckdb"
    monkeypatch.setenv("PAPERS_DUMPS_DIR", str(dumps))
    monkeypatch.setenv("PAPERS_WAREHOUSE", str(published))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    write_dagster_yaml(tmp_path / "dagster_home")  # the instance `make run` uses
    return dumps, published


def materialized(build: run.Build, key: str) -> bool:
    return any(
        event.event_type_value == "ASSET_MATERIALIZATION"
        and event.event_specific_data.materialization.asset_key.to_user_string() == key
        for event in build.result.all_events
    )


def metadata_value(build: run.Build, key: str, name: str):
    """The value of metadata `name` in the run's materialization of asset `key`."""
    for event in build.result.all_events:
        if event.event_type_value == "ASSET_MATERIALIZATION":
            materialization = event.event_specific_data.materialization
            if materialization.asset_key.to_user_string() == key:
                return materialization.metadata[name].value
    raise AssertionError(f"{key} was not materialized")


def parsed_count(build: run.Build) -> int:
    return metadata_value(build, "parsed_dumps", "dumps")


def published_incrementally(build: run.Build) -> bool:
    """Whether publishing updated the last snapshot (only the changed papers' rows)."""
    return metadata_value(build, "published_warehouse", "incremental")


def looked_at(build: run.Build) -> int:
    """How many dumps the run looked at (read their bytes): new ones, or whose size or
    modification time differ from the audit's."""
    return metadata_value(build, "dump_files", "looked_at")


def test_new_dump_alone_and_reader_never_sees_a_partial_state(build_env, tmp_path):
    dumps, published = build_env
    first = run.execute_build()
    assert first.result.success and parsed_count(first) == 7
    assert looked_at(first) == 7
    old = (
        duckdb.connect(str(published), read_only=True)
        .execute("select count(*) from marts.papers")
        .fetchall()[0][0]
    )

    # Nothing changed: nothing is parsed again, dbt has nothing to do, nothing is republished.
    unchanged = run.execute_build()
    assert unchanged.result.success and parsed_count(unchanged) == 0
    # A stat per file told nothing changed: no file was read.
    assert looked_at(unchanged) == 0
    assert not materialized(unchanged, "marts/papers")
    assert not materialized(unchanged, "published_warehouse")

    # A reader holds the published file open and keeps querying while a new dump is built.
    (dumps / "007_new.txt").write_text(NEW_DUMP, encoding="utf-8")
    out = tmp_path / "reader.json"
    stop = tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(published), str(out), str(stop)])
    try:
        second = run.execute_build()
    finally:
        stop.touch()
        reader.wait(timeout=120)
    assert second.result.success and parsed_count(second) == 1
    assert looked_at(second) == 1
    assert materialized(second, "marts/papers") and materialized(second, "published_warehouse")
    # The first build and publish were full; this one is incremental.
    assert not published_incrementally(first) and published_incrementally(second)
    reader_log = json.loads(out.read_text())
    assert reader_log["errors"] == [] and reader_log["rounds"] > 10
    # One new paper, one recurring: 247 -> 248 papers, 302 -> 304 appearances. The reader
    # saw whole snapshots only, and the new one as soon as it reconnected.
    assert old == 247
    assert {tuple(s) for s in reader_log["seen"]} <= {(247, 302, 302), (248, 304, 304)}
    assert tuple(reader_log["after"]) == (248, 304, 304)


def test_changed_bytes_reload_that_dump(build_env):
    dumps, published = build_env
    run.execute_build()
    target = dumps / "004_4283718b8e5bfa58.txt"
    text = target.read_text(encoding="utf-8")
    cut = text.index("\n\nBidirectional Learning for Robust Neural Networks")
    target.write_text(text[:cut], encoding="utf-8")  # the last two entries gone
    build = run.execute_build()
    assert parsed_count(build) == 1 and looked_at(build) == 1
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute(
            "select entries_loaded from audit.dumps where dump_id = '004_4283718b8e5bfa58.txt'"
        ).fetchall() == [(25,)]
        assert con.execute("select count(*) from marts.paper_appearances").fetchall() == [(300,)]


def test_a_failed_run_publishes_nothing(build_env, monkeypatch):
    """A failure that is not about one dump (here: dbt's build breaks) stops the run before
    publishing: the published file stays as it was, byte for byte."""
    dumps, published = build_env
    run.execute_build()
    before = published.read_bytes()
    (dumps / "007_new.txt").write_text(NEW_DUMP, encoding="utf-8")
    monkeypatch.setenv("PAPERS_DUCKDB_MEMORY_LIMIT", "not a size")  # dbt's profile reads it
    build = run.execute_build()
    assert not build.result.success
    assert "published_warehouse" not in build.step_order
    assert published.read_bytes() == before


def test_the_make_run_command_builds_the_seeds(build_env, tmp_path):
    """`python -m orchestration.run`, as `make run` calls it: it writes a missing
    dagster.yaml, builds and validates the seeds, and leaves no process behind."""
    dumps, published = build_env
    (tmp_path / "dagster_home" / "dagster.yaml").unlink()  # the command writes it when missing
    process = subprocess.Popen(
        [sys.executable, "-m", "orchestration.run"],
        cwd=run.settings.PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    stdout, stderr = process.communicate(timeout=600)
    assert process.returncode == 0, stdout[-3000:] + stderr[-3000:]
    assert "validated: 7 dumps; 182 expectation results passed, 0 failed" in stdout
    assert "result:    OK" in stdout
    assert (tmp_path / "dagster_home" / "dagster.yaml").exists()
    with duckdb.connect(str(published), read_only=True) as con:
        assert con.execute("select count(*) from marts.papers").fetchone()[0] == 247
    assert living_in_group(process.pid) == []  # nothing it started lives on
