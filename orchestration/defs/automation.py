"""How runs start: one job that builds everything, a daily schedule, a dumps-folder sensor."""

import hashlib
import json

import dagster as dg

from ..ingest.discovery import list_dump_paths
from .resources import WarehouseResource

# In process: the steps share one DuckDB writer, and a run of the seeds is dominated by
# start-up costs that a process per step would multiply.
build_warehouse = dg.define_asset_job(
    "build_warehouse",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    description="Parse every dump, land it, validate it, and build the dbt marts.",
)

daily_build = dg.ScheduleDefinition(
    name="daily_build",
    job=build_warehouse,
    cron_schedule="0 6 * * *",
    execution_timezone="UTC",
    description="Rebuild the warehouse every day at 06:00 UTC.",
)


def folder_state(warehouse: WarehouseResource) -> dict[str, list]:
    """What the sensor compares between ticks: each file's size and modification time."""
    folder = warehouse.dumps_path()
    state = {}
    for path in list_dump_paths(folder):
        stat = path.stat()
        state[path.relative_to(folder).as_posix()] = [stat.st_size, stat.st_mtime_ns]
    return state


@dg.sensor(
    job=build_warehouse,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts a build when files in the dumps folder are added or change.",
)
def new_dumps_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    if not warehouse.dumps_path().is_dir():
        return dg.SkipReason(f"dumps folder {warehouse.dumps_path()} does not exist")
    state = folder_state(warehouse)
    previous = json.loads(context.cursor) if context.cursor else {}
    changed = sorted(
        name for name, fingerprint in state.items() if previous.get(name) != fingerprint
    )
    context.update_cursor(json.dumps(state))
    if not changed:
        return dg.SkipReason("no new or changed dumps")
    run_key = hashlib.sha256(json.dumps(state, sort_keys=True).encode()).hexdigest()[:16]
    return dg.RunRequest(
        run_key=run_key,
        tags={"papers/changed_files": str(len(changed))},
    )
