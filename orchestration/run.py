"""`make run`: build the warehouse from the dumps folder in one run and print a summary.

    python -m orchestration.run [--capture-year FILE=YEAR ...]

Runs the `build_warehouse` job in process (on the Dagster instance in DAGSTER_HOME when set,
so the run shows in the UI) and exits non-zero when any step or check failed. Great
Expectations validates in a second process, started first (quality/validation_worker.py),
and dbt runs forked from a third that imported dbt-core meanwhile (transform/dbt_server.py).
"""

# ruff: noqa: E402 (the validation and dbt processes start before the imports below)
from __future__ import annotations

if __name__ == "__main__":
    # Great Expectations' ~4 s import and dbt-core's ~2 s start now, in processes of their own
    # on the other core, while this one imports Dagster and runs the first steps (see
    # validation_worker and transform/dbt_server).
    import os

    from .quality import validation_worker
    from .transform import dbt_server

    # One after the other: dbt-core's import waits for Great Expectations' (see the pipe), so
    # that this process keeps a core to itself.
    imported, ready = os.pipe()
    validation_worker.prestart(imported_fd=ready)
    dbt_server.prestart(wait_fd=imported)
    os.close(imported)
    os.close(ready)

import argparse
import contextlib
import gc
import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from . import settings
from .dagster_home import ensure_dagster_yaml, set_run_env
from .defs.automation import range_tags
from .defs.partitions import dumps_partitions
from .defs.resources import WarehouseResource
from .ingest.inventory import files_by_dump_id, landed_file_stats, maybe_changed
from .ingest.parse import PARSER_VERSION
from .summary import summary_lines


@dataclass(frozen=True)
class Build:
    """A finished run of build_warehouse: the result, every check, and each step's timing."""

    result: dg.ExecuteInProcessResult
    checks: list[dg.AssetCheckEvaluation]
    steps: list  # RunStepKeyStatsSnapshot, in the order the steps started

    @property
    def step_order(self) -> list[str]:
        return [step.step_key for step in self.steps]


def load_definitions() -> dg.Definitions:
    return dg.load_from_defs_folder(path_within_project=settings.PROJECT_ROOT / "orchestration")


def register_dumps(instance: dg.DagsterInstance, present: dict[str, str]) -> list[str]:
    """Add every dump file of the folder (`present`: dump_id -> file name) as a partition;
    return their keys in partition order."""
    known = instance.get_dynamic_partitions(dumps_partitions.name)
    new = sorted(set(present) - set(known))
    if new:
        instance.add_dynamic_partitions(dumps_partitions.name, new)
    return [key for key in known + new if key in present]


def dumps_to_look_at(keys: list[str], present: dict[str, str]) -> list[str]:
    """The partitions a run must cover: from the first to the last dump that is new or whose
    size or modification time differs from what the audit recorded (a stat per file; the run
    still compares SHA-256s, and skips unchanged dumps inside the range). With none, the
    newest dump alone, so the run still rebuilds the marts when the dbt project changed.
    A run over every dump of a 10,000-dump folder would record 10,000 materializations for
    the one that was added."""
    folder = settings.dumps_dir()
    landed = WarehouseResource().read_work(landed_file_stats)
    changed = set(maybe_changed(folder, {k: present[k] for k in keys}, landed, PARSER_VERSION))
    positions = [i for i, key in enumerate(keys) if key in changed]
    if not positions:
        return keys[-1:]
    return keys[positions[0] : positions[-1] + 1]


def quiet_skipped_checks() -> None:
    """An up-to-date run skips dbt on purpose, and Dagster warns once per dbt test that its
    check emitted no result; the summary says what ran."""
    logging.getLogger("dagster._core.execution.plan.active").setLevel(logging.ERROR)


def execute_build(
    capture_year_overrides: dict[str, int] | None = None, reload: bool = False
) -> Build:
    """Run the build_warehouse job in this process, as one run over the dumps that are new or
    changed (every dump with `reload` or capture-year overrides)."""
    job = load_definitions().resolve_job_def("build_warehouse")
    # Before the instance and the run exist: one planned event per asset instead of one per
    # dump, and the dumps' materializations stored in batches (see dagster_home.RUN_ENV).
    set_run_env()
    home = os.environ.get("DAGSTER_HOME")
    if home:
        ensure_dagster_yaml(Path(home))
    instance = dg.DagsterInstance.get() if home else dg.DagsterInstance.ephemeral()
    # Listed once for both (0.2 s at 10,000 dumps); the run lists the folder again itself.
    present = files_by_dump_id(settings.dumps_dir())
    keys = register_dumps(instance, present)
    if not keys:
        raise SystemExit(f"no dump files in {settings.dumps_dir()}: nothing to build")
    if not (reload or capture_year_overrides):
        keys = dumps_to_look_at(keys, present)
    parse_config = {"capture_year_overrides": capture_year_overrides or {}, "reload": reload}
    result = job.execute_in_process(
        instance=instance,
        raise_on_error=False,
        tags=range_tags(keys[0], keys[-1]),
        run_config={
            "ops": {
                "dump_files": {"config": parse_config},
                "parsed_dumps": {"config": parse_config},
            },
            # Errors only: the summary lists rejected files and failed checks itself.
            "loggers": {"console": {"config": {"log_level": "ERROR"}}},
        },
    )
    checks = [
        e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    steps = sorted(
        instance.get_run_step_stats(result.run_id),
        key=lambda s: s.start_time if s.start_time is not None else float("inf"),
    )
    return Build(result, checks, steps)


def print_steps(build: Build) -> None:
    """Each step with its status and wall time, in the order they ran."""
    for step in build.steps:
        status = step.status.value.lower()
        if step.start_time is None or step.end_time is None:
            note = "(up to date)" if step.step_key == "published_warehouse" else ""
            print(f"  step {step.step_key:<28} {status:<8} {note}")
            continue
        print(f"  step {step.step_key:<28} {status:<8} {step.end_time - step.start_time:6.1f} s")


def parse_overrides(parser: argparse.ArgumentParser, items: list[str]) -> dict[str, int]:
    overrides = {}
    for item in items:
        name, _, year = item.rpartition("=")
        if not name or not year.isdigit():
            parser.error(f"--capture-year takes FILE=YEAR, got {item!r}")
        overrides[name] = int(year)
    return overrides


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--capture-year",
        action="append",
        default=[],
        metavar="FILE=YEAR",
        help="capture year of a dump (file name or dump_id), beating sidecars and inference",
    )
    parser.add_argument(
        "--reload", action="store_true", help="parse every dump again, changed or not"
    )
    args = parser.parse_args(argv)
    overrides = parse_overrides(parser, args.capture_year)

    quiet_skipped_checks()
    started = time.monotonic()
    print(f"dumps folder: {settings.dumps_dir()}", flush=True)
    log = settings.warehouse_dir() / "logs" / "last_run.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    print(f"building... (dbt's own output goes to {log})", flush=True)
    # dbt's per-node lines are written to stdout by dagster-dbt: keep them, out of the way.
    with log.open("w", encoding="utf-8") as out, contextlib.redirect_stdout(out):
        build = execute_build(overrides, reload=args.reload)
    print_steps(build)
    result, checks = build.result, build.checks
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            error = event.event_specific_data.error
            while error.cause is not None:  # the framework's wrapper says less than its cause
                error = error.cause
            print(f"step failed: {event.step_key}: {error.message.strip()}")
    lines = summary_lines(settings.warehouse_path(), result.success, checks)
    print("\n".join(lines))
    print(f"took {time.monotonic() - started:.1f} s (run id {result.run_id})")
    return 0 if lines[-1].endswith("OK") else 1


if __name__ == "__main__":
    # What is imported by now lives as long as the process: frozen, Python's collector stops
    # walking it in every full collection, and at exit (~1 s of a run over the seeds).
    gc.freeze()
    code = main()
    gc.freeze()  # the same for what the run made: the interpreter's final collection skips it
    sys.exit(code)
