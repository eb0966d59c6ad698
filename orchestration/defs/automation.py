"""How runs start: one job that builds everything, a daily schedule, a dumps-folder sensor."""

import hashlib
import json

import dagster as dg

from ..ingest.inventory import files_by_dump_id
from .resources import WarehouseResource

# In process: the steps share one DuckDB writer, and a run of the seeds is dominated by
# start-up costs that a process per step would multiply.
build_warehouse = dg.define_asset_job(
    "build_warehouse",
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("fetch"),
    executor_def=dg.in_process_executor,
    description=(
        "Parse the dumps that are new or changed, land and validate them (a bad dump is "
        "quarantined), build the dbt marts and publish the snapshot."
    ),
)


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
        "Starts a run when a dump file is added, changed or removed (by size and modification "
        "time); the run itself decides from the load audit what to parse."
    ),
)
def new_dumps_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    if not warehouse.dumps_path().is_dir():
        return dg.SkipReason(f"dumps folder {warehouse.dumps_path()} does not exist")
    state = folder_fingerprints(warehouse)
    fingerprint = hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()
    if context.cursor == fingerprint:
        return dg.SkipReason("no new, changed or removed dumps")
    context.update_cursor(fingerprint)
    return dg.RunRequest(run_key=f"dumps-{fingerprint[:16]}")


@dg.schedule(
    job=build_warehouse,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    description="Every day at 06:00 UTC: one run over the dumps folder (unchanged dumps are "
    "skipped).",
)
def daily_build(context: dg.ScheduleEvaluationContext):
    return dg.RunRequest()
