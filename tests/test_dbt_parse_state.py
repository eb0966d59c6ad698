"""dbt's partial-parse state is kept per working database (orchestration/defs/transform.py):
a run against one warehouse does not make the next run against another parse in full."""

from __future__ import annotations

import os

from orchestration.defs.transform import (
    keep_partial_parse,
    parse_state_path,
    prune_run_targets,
    seed_partial_parse,
)


def finish_run(project_target, name: str, work_database, state: bytes):
    """A run's target folder as dbt leaves it, handed back."""
    run_target = project_target / name
    run_target.mkdir(parents=True)
    (run_target / "partial_parse.msgpack").write_bytes(state)
    keep_partial_parse(run_target, project_target, work_database)


def test_each_database_keeps_its_own_state_and_the_project_the_latest(tmp_path):
    target = tmp_path / "target"
    warehouse_a, warehouse_b = tmp_path / "a" / "papers.duckdb", tmp_path / "b" / "papers.duckdb"
    finish_run(target, "run-a", warehouse_a, b"state of a")
    finish_run(target, "run-b", warehouse_b, b"state of b")

    assert parse_state_path(target, warehouse_a) != parse_state_path(target, warehouse_b)
    assert parse_state_path(target, warehouse_a).read_bytes() == b"state of a"
    assert (target / "partial_parse.msgpack").read_bytes() == b"state of b"
    assert not list(target.rglob("*.tmp"))

    # The next run against a is seeded with a's state, not with the latest (b's).
    seed_partial_parse(target, warehouse_a, target / "run-a2")
    assert (target / "run-a2" / "partial_parse.msgpack").read_bytes() == b"state of a"


def test_a_new_database_is_left_to_dagster_dbt(tmp_path):
    """No state of its own: nothing is seeded, and dagster-dbt copies the project's latest."""
    target = tmp_path / "target"
    seed_partial_parse(target, tmp_path / "new" / "papers.duckdb", target / "run")
    assert not (target / "run").exists()


def test_a_run_that_left_no_state_changes_nothing(tmp_path):
    target = tmp_path / "target"
    (target / "run").mkdir(parents=True)
    keep_partial_parse(target / "run", target, tmp_path / "papers.duckdb")
    assert not (target / "partial_parse.msgpack").exists()
    assert not (target / "partial_parse").exists()


def test_only_the_latest_run_targets_are_kept(tmp_path):
    target = tmp_path / "target"
    for i in range(5):
        run = target / f"dbt_models-run{i}"
        run.mkdir(parents=True)
        os.utime(run, (1_000_000 + i, 1_000_000 + i))
    (target / "partial_parse").mkdir()  # not a run's folder: left alone
    removed = prune_run_targets(target, keep=2)
    assert sorted(path.name for path in removed) == [f"dbt_models-run{i}" for i in range(3)]
    assert sorted(path.name for path in target.iterdir()) == [
        "dbt_models-run3",
        "dbt_models-run4",
        "partial_parse",
    ]
