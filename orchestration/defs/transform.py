"""dbt models as Dagster assets: staging, intermediate and marts, with their tests as checks.

The dbt sources carry `meta.dagster.asset_key` (raw/<table>), so lineage runs from the Python
assets that land the raw tables into the models that read them.
"""

import hashlib
import os
import shutil
import signal
import subprocess
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, dbt_assets

from .. import settings
from ..landing import build_state
from ..landing.faults import fault_point
from ..transform.project import dbt_project
from .resources import WarehouseResource


class PapersDbtTranslator(DagsterDbtTranslator):
    """Asset keys <schema>/<model> (marts/papers) and groups from the dbt folder.

    The raw sources carry no dbt tests: the raw schema's constraints and the blocking Great
    Expectations checks guard them (dbt tests on assets it does not own would run un-gated).
    """

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] in ("model", "seed", "snapshot"):
            schema = dbt_resource_props["config"].get("schema") or "main"
            return dg.AssetKey([schema, dbt_resource_props["name"]])
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "transform"


@dbt_assets(
    manifest=dbt_project.manifest_path,
    dagster_dbt_translator=PapersDbtTranslator(),
)
def dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
):
    """Build and test the dbt models (dbt build), streaming each model and test as it ends.

    Incremental after a completed build of the same project: only the papers that new,
    changed or removed dumps touch are rebuilt (macros/incremental_papers.sql)."""
    if marts_up_to_date(warehouse):
        # Yielding nothing skips the models, and with them publishing: both are current.
        context.log.info("marts are up to date: nothing landed and no dbt file changed")
        return
    project = build_state.project_fingerprint(settings.DBT_PROJECT_DIR)
    # A selection of models (from the UI) is built in full and leaves the build unfinished,
    # so the next whole build is full too: the models left out did not take the changes.
    whole = context.selected_asset_keys == set(context.assets_def.keys)
    with warehouse.connect() as con:
        incremental = whole and build_state.dbt_build_is_incremental(con, project)
        build_state.record_dbt_started(con, project, incremental)
    context.log.info(
        "incremental build: only the papers of new, changed or removed dumps"
        if incremental
        else "full build (first build, changed dbt project, interrupted build or a selection)"
    )
    # Unit tests check the SQL's logic, not the data: `make test` runs them, runs don't.
    args = ["build", "--exclude-resource-type", "unit_test"]
    if not incremental:
        args.append("--full-refresh")
    project_target = Path(dbt_project.project_dir) / dbt_project.target_path
    run_target = project_target / f"dbt_models-{context.run.run_id[:7]}-{uuid.uuid4().hex[:7]}"
    seed_partial_parse(project_target, warehouse.work_path(), run_target)
    with warehouse.dbt_env():  # the dbt process starts inside cli()
        invocation = dbt.cli(args, context=context, target_path=run_target)
    warehouse.record_helper(invocation.process.pid, "dbt")
    try:
        for number, event in enumerate(invocation.stream(), start=1):
            yield event
            if number == 3:
                fault_point("dbt")  # the tests' SIGKILL while dbt works
    finally:
        # Interrupted anywhere (dagster-dbt forwards an interrupt only while it reads dbt's
        # output): dbt must not outlive the step, holding the database.
        stop_process(invocation.process)
    keep_partial_parse(invocation.target_path, project_target, warehouse.work_path())
    prune_run_targets(project_target)
    if not whole:
        return
    with warehouse.connect() as con:
        changed = build_state.record_dbt_built(con, incremental)
    if changed is not None:
        context.log.info(f"incremental build: {changed} papers rebuilt")


def stop_process(process: subprocess.Popen, grace_seconds: float = 10.0) -> None:
    """Stop a child that still runs as Ctrl-C would (dbt then rolls back), then for good."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def marts_up_to_date(warehouse: WarehouseResource) -> bool:
    """The published snapshot was made from exactly what is landed, with this dbt project."""
    if not (warehouse.database_path().exists() and warehouse.work_path().exists()):
        return False
    with warehouse.connect() as con:
        current = build_state.marts_fingerprint(con, settings.DBT_PROJECT_DIR)
        return build_state.published_fingerprint(con) == current


def parse_state_path(project_target: Path, work_database: Path) -> Path:
    """dbt's partial-parse state for one working database. dbt parses the whole project again
    (~3 s) when the profile, which names the database, differs from the state's; with one
    state per database, a run after another warehouse's (the tests', a benchmark's) stays
    partial."""
    key = hashlib.sha256(str(work_database).encode("utf-8")).hexdigest()[:16]
    return project_target / "partial_parse" / f"{key}.msgpack"


def seed_partial_parse(project_target: Path, work_database: Path, run_target: Path) -> None:
    """Give the run's target folder this database's parse state, when there is one. Without
    it, dagster-dbt copies the project's latest (target/partial_parse.msgpack)."""
    state = parse_state_path(project_target, work_database)
    if state.exists():
        run_target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(state, run_target / "partial_parse.msgpack")


# dbt's target folders of the latest runs kept for inspection (compiled SQL, run_results.json,
# dbt.log): each is 1-4 MB, and a scheduled pipeline would otherwise fill the disk with them.
RUN_TARGETS_KEPT = 10


def prune_run_targets(project_target: Path, keep: int = RUN_TARGETS_KEPT) -> list[Path]:
    """Remove all but the `keep` newest run target folders (by modification time); returns
    the removed ones."""
    runs = sorted(
        (path for path in project_target.glob("dbt_models-*") if path.is_dir()),
        key=lambda path: path.stat().st_mtime,
        reverse=True,
    )
    for old in runs[keep:]:
        shutil.rmtree(old, ignore_errors=True)
    return runs[keep:]


def keep_partial_parse(run_target: Path, project_target: Path, work_database: Path) -> None:
    """Hand this run's parse state back: as this database's, and as the project's latest.

    dagster-dbt gives each run a target folder of its own; `seed_partial_parse` (or
    dagster-dbt, from the project's latest) puts a parse state in it, and dbt rewrites it
    there.
    """
    state = run_target / "partial_parse.msgpack"
    if state.exists():
        for destination in (
            parse_state_path(project_target, work_database),
            project_target / "partial_parse.msgpack",
        ):
            destination.parent.mkdir(parents=True, exist_ok=True)
            tmp = destination.with_name(f"{destination.name}.{uuid.uuid4().hex[:8]}.tmp")
            shutil.copyfile(state, tmp)
            os.replace(tmp, destination)
