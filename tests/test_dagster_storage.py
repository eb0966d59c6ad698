"""The instance `make run` configures (orchestration/dagster_storage.py) records every
partition of a single-run backfill exactly once, as Dagster's own SQLite storage would."""

import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.definitions.data_version import DATA_VERSION_TAG
from dagster._core.storage.partition_status_cache import get_and_update_asset_status_cache_value

from orchestration.dagster_home import RUN_ENV, write_dagster_yaml
from orchestration.dagster_storage import BatchingSqliteEventLogStorage
from orchestration.defs.automation import range_tags

ROOT = Path(__file__).resolve().parent.parent
KEYS = [f"dump_{i:02d}" for i in range(7)]
THINGS = dg.AssetKey("things")
MATERIALIZATION = dg.DagsterEventType.ASSET_MATERIALIZATION
PLANNED = dg.DagsterEventType.ASSET_MATERIALIZATION_PLANNED

parts = dg.DynamicPartitionsDefinition(name="things")


@dg.asset(partitions_def=parts, backfill_policy=dg.BackfillPolicy.single_run())
def things(context: dg.AssetExecutionContext) -> None:
    if context.run.tags.get("fail") == "yes":
        raise RuntimeError("failed on purpose")
    context.add_output_metadata({"in_run": len(context.partition_keys)})


@dg.asset(deps=[things])
def summary() -> None:
    pass


@dg.asset_check(asset=summary)
def summary_is_fine() -> dg.AssetCheckResult:
    return dg.AssetCheckResult(passed=True)


JOB = dg.Definitions(
    assets=[things, summary],
    asset_checks=[summary_is_fine],
    jobs=[
        dg.define_asset_job(
            "build", selection=dg.AssetSelection.all(), executor_def=dg.in_process_executor
        )
    ],
).resolve_job_def("build")


@pytest.fixture
def instance(tmp_path, monkeypatch):
    """An instance configured like production, but with batches of 4 events: the 7
    partitions of a run are stored as a full batch and a last one, cut short."""
    for name, value in RUN_ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DAGSTER_EVENT_BATCH_SIZE", "4")
    home = tmp_path / "dagster_home"
    write_dagster_yaml(home)
    with dg.DagsterInstance.from_config(str(home)) as instance:
        assert isinstance(instance.event_log_storage, BatchingSqliteEventLogStorage)
        instance.add_dynamic_partitions(parts.name, KEYS)
        yield instance


@pytest.fixture
def batches(instance, monkeypatch):
    """The batches of materializations the storage was given: their sizes."""
    storage = instance.event_log_storage
    sizes = []
    original = storage.store_event_batch

    def spy(events):
        if all(e.dagster_event_type == MATERIALIZATION for e in events):
            sizes.append(len(events))
        return original(events)

    monkeypatch.setattr(storage, "store_event_batch", spy)
    return sizes


def build(instance: dg.DagsterInstance, **tags: str) -> dg.ExecuteInProcessResult:
    return JOB.execute_in_process(
        instance=instance, raise_on_error=False, tags={**range_tags(KEYS[0], KEYS[-1]), **tags}
    )


def run_materializations(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    """The partitions of `things` materialized in the run's own log, one entry per event."""
    records = instance.get_records_for_run(run_id, of_type=MATERIALIZATION).records
    return [
        r.event_log_entry.dagster_event.partition
        for r in records
        if r.event_log_entry.dagster_event.asset_key == THINGS
    ]


def index_materializations(instance: dg.DagsterInstance) -> list[dg.EventLogRecord]:
    """Every materialization of `things` in the cross-run index, oldest first."""
    return list(instance.fetch_materializations(THINGS, limit=1000, ascending=True).records)


def status(instance: dg.DagsterInstance):
    value = get_and_update_asset_status_cache_value(instance, THINGS, parts, instance)
    return (
        set(value.deserialize_materialized_partition_subsets(parts).get_partition_keys()),
        set(value.deserialize_failed_partition_subsets(parts).get_partition_keys()),
        set(value.deserialize_in_progress_partition_subsets(parts).get_partition_keys()),
    )


def test_every_partition_is_recorded_once_per_run(instance, batches, capfd):
    first = build(instance)
    assert first.success
    # The materializations went through two batches, and neither fell back on Dagster's
    # event-by-event storing.
    assert batches == [4, 3]
    assert "Exception while storing event batch" not in capfd.readouterr().err

    # One planned event for `things`, carrying every partition.
    planned = [
        r.event_log_entry.dagster_event.event_specific_data
        for r in instance.get_records_for_run(first.run_id, of_type=PLANNED).records
    ]
    planned_things = [p for p in planned if p.asset_key == THINGS]
    assert len(planned_things) == 1
    assert planned_things[0].partition is None
    assert sorted(planned_things[0].partitions_subset.get_partition_keys()) == KEYS
    assert {p.asset_key for p in planned} == {THINGS, dg.AssetKey("summary")}

    # Each partition once in the run's log and once in the index, in the same order (the
    # order Dagster emitted them in).
    emitted = run_materializations(instance, first.run_id)
    assert sorted(emitted) == KEYS
    records = index_materializations(instance)
    assert [r.partition_key for r in records] == emitted
    assert {r.run_id for r in records} == {first.run_id}
    assert all(r.asset_materialization.metadata["in_run"].value == len(KEYS) for r in records)
    assert instance.get_materialized_partitions(THINGS) == set(KEYS)
    tags = instance.event_log_storage.get_latest_tags_by_partition(
        THINGS, MATERIALIZATION, [DATA_VERSION_TAG]
    )
    assert set(tags) == set(KEYS)

    # The asset's record points at the last materialization of the run.
    (record,) = instance.get_asset_records([THINGS])
    entry = record.asset_entry
    assert entry.last_materialization_record.storage_id == records[-1].storage_id
    assert entry.last_materialization_record.partition_key == emitted[-1]
    assert entry.last_run_id == first.run_id
    assert status(instance) == (set(KEYS), set(), set())
    # The asset check and the unpartitioned asset are recorded as usual.
    assert instance.get_asset_records([dg.AssetKey("summary")])[0].asset_entry.last_run_id == (
        first.run_id
    )
    check_key = dg.AssetCheckKey(dg.AssetKey("summary"), "summary_is_fine")
    executions = instance.event_log_storage.get_asset_check_execution_history(check_key, limit=5)
    assert [e.run_id for e in executions] == [first.run_id]

    # A second run over the same partitions adds one more materialization of each.
    second = build(instance)
    assert second.success
    emitted_again = run_materializations(instance, second.run_id)
    assert sorted(emitted_again) == KEYS
    records = index_materializations(instance)
    assert [r.partition_key for r in records] == emitted + emitted_again
    assert [r.run_id for r in records] == [first.run_id] * 7 + [second.run_id] * 7
    assert len({r.storage_id for r in records}) == 14
    latest = instance.event_log_storage.get_latest_storage_id_by_partition(THINGS, MATERIALIZATION)
    assert latest == {r.partition_key: r.storage_id for r in records[7:]}
    (record,) = instance.get_asset_records([THINGS])
    assert record.asset_entry.last_materialization_record.storage_id == records[-1].storage_id
    assert record.asset_entry.last_run_id == second.run_id
    assert status(instance) == (set(KEYS), set(), set())


def test_a_batch_that_fails_is_stored_event_by_event(instance, batches, monkeypatch, capfd):
    """A batch fails as a whole: Dagster then stores its events one by one, and nothing is
    recorded twice."""
    storage = instance.event_log_storage
    original = storage._store_asset_event_tags
    calls = []

    def fail_first_batch(conn, events, event_ids):
        if len(events) > 1:
            calls.append(len(events))
            if len(calls) == 1:
                raise RuntimeError("index shard unavailable")
        return original(conn, events, event_ids)

    monkeypatch.setattr(storage, "_store_asset_event_tags", fail_first_batch)
    result = build(instance)
    assert result.success
    assert "Falling back to storing multiple single-event" in capfd.readouterr().err
    assert calls == [4, 3]  # the first batch failed, the second did not
    emitted = run_materializations(instance, result.run_id)
    assert sorted(emitted) == KEYS
    assert [r.partition_key for r in index_materializations(instance)] == emitted
    assert status(instance) == (set(KEYS), set(), set())


def test_failed_run_leaves_partitions_missing_not_failed(instance):
    """The cost of one planned event per asset (see RUN_ENV): the partitions of a failed run
    are not marked failed, only left unmaterialized."""
    result = build(instance, fail="yes")
    assert not result.success
    assert index_materializations(instance) == []
    assert status(instance) == (set(), set(), set())
    (record,) = instance.get_asset_records([THINGS])
    assert record.asset_entry.last_run_id == result.run_id


def test_the_makefile_rule_writes_a_config_that_loads(tmp_path):
    home = tmp_path / "home"
    subprocess.run(
        [sys.executable, "-m", "orchestration.dagster_home", str(home)],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    with dg.DagsterInstance.from_config(str(home)) as instance:
        storage = instance.event_log_storage
        assert isinstance(storage, BatchingSqliteEventLogStorage)
        # Dagster's own place for the event logs, as before the class was configured.
        assert Path(storage._base_dir) == (home / "history" / "runs").resolve()
