"""How runs start: one job that builds everything, a daily schedule, a dumps-folder sensor."""

import hashlib
import json

import dagster as dg

from ..ingest.inventory import files_by_dump_id
from .partitions import dumps_partitions
from .resources import WarehouseResource

# In process: the steps share one DuckDB writer, and a run of the seeds is dominated by
# start-up costs that a process per step would multiply.
build_warehouse = dg.define_asset_job(
    "build_warehouse",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description=(
        "Parse the run's dumps (one partition each; unchanged ones are skipped), land and "
        "validate them, build the dbt marts and publish the snapshot."
    ),
)

RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"


def range_tags(first: str, last: str) -> dict[str, str]:
    """Tags that make one run cover a range of partitions (a single-run backfill)."""
    return {RANGE_START: first, RANGE_END: last}


def folder_fingerprints(warehouse: WarehouseResource) -> dict[str, list]:
    """dump_id -> [size, mtime_ns] for every dump file: cheap to take every minute."""
    folder = warehouse.dumps_path()
    state = {}
    for dump_id, name in files_by_dump_id(folder).items():
        stat = (folder / name).stat()
        state[dump_id] = [stat.st_size, stat.st_mtime_ns]
    return state


@dg.sensor(
    job=build_warehouse,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Registers new dump files as partitions and runs them alone: new files together in "
        "one run, each changed file in a run of its own."
    ),
)
def new_dumps_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    if not warehouse.dumps_path().is_dir():
        return dg.SkipReason(f"dumps folder {warehouse.dumps_path()} does not exist")
    state = folder_fingerprints(warehouse)
    previous = json.loads(context.cursor) if context.cursor else {}
    known = set(context.instance.get_dynamic_partitions(dumps_partitions.name))
    new = sorted(k for k in state if k not in known)
    changed = sorted(k for k in state if k in known and previous.get(k) != state[k])
    context.update_cursor(json.dumps(state))
    requests = []
    if new:
        # Added in this order at the end of the partition list: one contiguous range.
        tag = hashlib.sha256(json.dumps([new, [state[k] for k in new]]).encode()).hexdigest()
        requests.append(dg.RunRequest(run_key=f"new-{tag[:16]}", tags=range_tags(new[0], new[-1])))
    for key in changed:
        requests.append(dg.RunRequest(run_key=f"{key}-{state[key][1]}", partition_key=key))
    if not requests:
        return dg.SkipReason("no new or changed dumps")
    return dg.SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=[dumps_partitions.build_add_request(new)] if new else [],
    )


@dg.schedule(
    job=build_warehouse,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    description="Every day at 06:00 UTC: one run over every dump (unchanged ones are skipped).",
)
def daily_build(context: dg.ScheduleEvaluationContext):
    keys = context.instance.get_dynamic_partitions(dumps_partitions.name)
    if not keys:
        return dg.SkipReason("no dumps registered yet")
    return dg.RunRequest(tags=range_tags(keys[0], keys[-1]))
