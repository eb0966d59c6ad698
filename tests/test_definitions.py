"""Every Dagster definition loads, and the lineage runs from the dump files to the marts."""

from __future__ import annotations

import dagster as dg
import pytest

from orchestration.defs.resources import WarehouseResource
from orchestration.run import load_definitions


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    return load_definitions()


def test_all_definitions_load(defs):
    graph = defs.resolve_asset_graph()
    keys = {k.to_user_string() for k in graph.get_all_asset_keys()}
    expected = {"dump_files", "parsed_dumps", "published_warehouse"}
    expected |= {f"raw/{t}" for t in ("dumps", "entries", "entry_links", "rejects")}
    expected |= {
        f"marts/{m}"
        for m in (
            "papers",
            "paper_appearances",
            "repo_links",
            "topics",
            "paper_topics",
            "dates",
            "authors",
            "paper_authors",
            "paper_aliases",
        )
    }
    assert expected <= keys
    assert defs.resolve_job_def("build_warehouse") is not None
    assert {s.name for s in defs.schedules} == {"daily_build", "daily_fetch"}
    assert {s.name for s in defs.sensors} == {"new_dumps_sensor"}


def test_dbt_sources_are_linked_to_the_landing_assets(defs):
    graph = defs.resolve_asset_graph()
    staged = graph.get(dg.AssetKey(["staging", "stg_raw__entries"]))
    assert dg.AssetKey(["raw", "entries"]) in staged.parent_keys
    ancestors, frontier = set(), {dg.AssetKey(["marts", "papers"])}
    while frontier:
        key = frontier.pop()
        parents = set(graph.get(key).parent_keys) - ancestors
        ancestors |= parents
        frontier |= parents
    assert dg.AssetKey("dump_files") in ancestors


def test_validation_checks_block(defs):
    graph = defs.resolve_asset_graph()
    specs = [graph.get_check_spec(key) for key in graph.asset_check_keys]
    checks = {
        (spec.asset_key.to_user_string(), spec.name): spec.blocking
        for spec in specs
        if spec.name.endswith("_suite")
    }
    assert checks == {("raw/entries", "entries_suite"): True, ("raw/dumps", "dumps_suite"): True}


def test_sensor_starts_a_run_when_the_folder_changes(defs, tmp_path, monkeypatch):
    monkeypatch.setenv("PAPERS_DUMPS_DIR", str(tmp_path))
    sensor = defs.resolve_sensor_def("new_dumps_sensor")
    instance = dg.DagsterInstance.ephemeral()
    warehouse = WarehouseResource()

    def tick(cursor=None):
        with dg.build_sensor_context(
            instance=instance, cursor=cursor, resources={"warehouse": warehouse}
        ) as context:
            return sensor(context), context.cursor

    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "b.txt").write_text("y")
    first, cursor = tick()
    assert isinstance(first, dg.RunRequest) and first.run_key.startswith("dumps-")

    quiet, cursor = tick(cursor)
    assert isinstance(quiet, dg.SkipReason)

    (tmp_path / "a.txt").write_text("changed bytes")
    changed, cursor = tick(cursor)
    assert isinstance(changed, dg.RunRequest) and changed.run_key != first.run_key

    (tmp_path / "b.txt").unlink()
    removed, _ = tick(cursor)
    assert isinstance(removed, dg.RunRequest)


def test_sensor_skips_a_missing_folder(defs, tmp_path, monkeypatch):
    monkeypatch.setenv("PAPERS_DUMPS_DIR", str(tmp_path / "nowhere"))
    sensor = defs.resolve_sensor_def("new_dumps_sensor")
    with dg.build_sensor_context(
        instance=dg.DagsterInstance.ephemeral(), resources={"warehouse": WarehouseResource()}
    ) as context:
        assert isinstance(sensor(context), dg.SkipReason)


def test_schedule_runs_the_whole_folder(defs):
    schedule = defs.resolve_schedule_def("daily_build")
    with (
        dg.instance_for_test() as instance,
        dg.build_schedule_context(instance=instance) as context,
    ):
        request = schedule(context)
    assert isinstance(request, dg.RunRequest) and request.partition_key is None
