"""`make run`: build the warehouse from the dumps folder in one run and print a summary.

    python -m orchestration.run [--capture-year FILE=YEAR ...] [--reload]

Runs the `build_warehouse` job in this process, on the Dagster instance in DAGSTER_HOME when
set (so the run shows in the UI), and exits with a status a scheduler can act on:

    0    done: every dump loaded, validated and published
    1    failed: a step or a blocking check failed; nothing was published
    2    could not run: no dumps folder, the warehouse stayed busy past the wait limit,
         the disk full before the run started (during a run, its step fails: 1)
    3    done, with quarantined dumps: the others were published (see audit.dumps)
    130  stopped by Ctrl-C or SIGTERM: the run is marked canceled, nothing was published
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import gc
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .quality import validation_helper

# Before the heavy imports below: Great Expectations is imported by the helper on the other
# core while this process starts Dagster, parses and lands (orchestration/quality/
# validation_helper.py).
if __name__ == "__main__":
    validation_helper.start()

import dagster as dg  # noqa: E402

from . import settings  # noqa: E402
from .dagster_home import ensure_dagster_yaml
from .ingest.inventory import files_by_dump_id
from .summary import Summary, summarise

OK, FAILED, NOT_RUN, QUARANTINED, STOPPED = 0, 1, 2, 3, 130


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


def instance() -> dg.DagsterInstance:
    """The instance in DAGSTER_HOME (its dagster.yaml written when missing), else an
    ephemeral one."""
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        return dg.DagsterInstance.ephemeral()
    ensure_dagster_yaml(Path(home))
    return dg.DagsterInstance.get()


def execute_build(
    capture_year_overrides: dict[str, int] | None = None, reload: bool = False
) -> Build:
    """Run the build_warehouse job in this process over the dumps folder (dumps that did not
    change since they were landed are skipped, unless `reload` or named in the overrides)."""
    job = load_definitions().resolve_job_def("build_warehouse")
    parse_config = {"capture_year_overrides": capture_year_overrides or {}, "reload": reload}
    on = instance()
    result = job.execute_in_process(
        instance=on,
        raise_on_error=False,
        run_config={
            "ops": {
                "dump_files": {"config": parse_config},
                "parsed_dumps": {"config": parse_config},
            },
            # Quiet: the summary says what failed; the whole story is in the run's log.
            "loggers": {"console": {"config": {"log_level": "CRITICAL"}}},
        },
    )
    checks = [
        e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    steps = sorted(
        on.get_run_step_stats(result.run_id),
        key=lambda s: s.start_time if s.start_time is not None else float("inf"),
    )
    return Build(result, checks, steps)


def print_steps(build: Build) -> None:
    """Each step with its status and wall time, in the order they ran."""
    for step in build.steps:
        status = step.status.value.lower()
        if step.start_time is None or step.end_time is None:
            up_to_date = step.step_key in ("published_warehouse", "warehouse_report")
            note = "(up to date)" if up_to_date else ""
            print(f"  step {step.step_key:<28} {status:<8} {note}")
            continue
        print(f"  step {step.step_key:<28} {status:<8} {step.end_time - step.start_time:6.1f} s")


def failures(result: dg.ExecuteInProcessResult) -> list[tuple[str, object]]:
    """(where, innermost error) of each failed step, and of the run itself when it failed
    before any step (a resource that could not start: a busy warehouse)."""
    found = []
    for event in result.all_events:
        if event.event_type_value in ("STEP_FAILURE", "PIPELINE_FAILURE"):
            error = getattr(event.event_specific_data, "error", None)
            if error is None or (found and event.event_type_value == "PIPELINE_FAILURE"):
                continue
            while error.cause is not None:  # the framework's wrapper says less than its cause
                error = error.cause
            found.append((event.step_key or "run", error))
    return found


def parse_overrides(parser: argparse.ArgumentParser, items: list[str]) -> dict[str, int]:
    overrides = {}
    for item in items:
        name, _, year = item.rpartition("=")
        if not name or not year.isdigit():
            parser.error(f"--capture-year takes FILE=YEAR, got {item!r}")
        overrides[name] = int(year)
    return overrides


def stop_on_signals() -> None:
    """Ctrl-C and SIGTERM stop a run. Set explicitly: a command started in the background
    inherits SIGINT ignored, and so would dbt. Inside the run Dagster takes both signals
    over, interrupts the step, and dagster-dbt stops dbt."""
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)


def interrupted(result: dg.ExecuteInProcessResult) -> bool:
    """Whether the run ended because it was interrupted (Ctrl-C, SIGTERM)."""
    for event in result.all_events:
        if event.event_type_value in ("PIPELINE_FAILURE", "STEP_FAILURE"):
            error = getattr(event.event_specific_data, "error", None)
            while error is not None:
                if error.cls_name in ("KeyboardInterrupt", "DagsterExecutionInterruptedError"):
                    return True
                error = error.cause
    return False


def mark_canceled(run_id: str) -> None:
    """Dagster ends an interrupted in-process run as failed ("interrupted unexpectedly")
    unless someone asked for it to stop; here someone did."""
    on = instance()
    run = on.get_run_by_id(run_id)
    if run is not None and run.status != dg.DagsterRunStatus.CANCELED:
        on.report_run_canceled(run, message="Stopped by Ctrl-C or SIGTERM: nothing published.")


def build_and_report(args: argparse.Namespace, overrides: dict[str, int]) -> int:
    started = time.monotonic()
    folder = settings.dumps_dir()
    if not folder.is_dir():
        print(f"dumps folder {folder} does not exist (set PAPERS_DUMPS_DIR): nothing to build")
        return NOT_RUN
    if not files_by_dump_id(folder):
        print(f"no dump files in {folder}: nothing to build")
        return NOT_RUN
    print(f"dumps folder: {folder}", flush=True)
    log = settings.warehouse_dir() / "logs" / "last_run.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    print(f"building... (the run's full log: {log})", flush=True)
    # dbt's per-node lines are written to stdout by dagster-dbt: keep them, out of the way, in
    # a file of this process until the run ends (a run waiting for another must not write
    # over the other's log).
    own_log = log.with_name(f"run-{os.getpid()}.log")
    try:
        with own_log.open("w", encoding="utf-8") as out, contextlib.redirect_stdout(out):
            build = execute_build(overrides, reload=args.reload)
    finally:
        os.replace(own_log, log)
    print_steps(build)
    result = build.result
    if interrupted(result):
        mark_canceled(result.run_id)
        raise KeyboardInterrupt
    errors = failures(result)
    for _, error in errors:
        if error.cls_name == "WarehouseBusy":
            print(error.message.strip())
            return NOT_RUN
    with log.open("a", encoding="utf-8") as log_file:
        for where, error in errors:
            first, *more = error.message.strip().splitlines() or [""]
            print(f"step failed: {where}: {first}" + (f" (more in {log})" if more else ""))
            print(f"{where}:\n{error.to_string()}", file=log_file)
    published = any(
        step.step_key == "published_warehouse" and step.status.value == "SUCCESS"
        for step in build.steps
    )
    summary: Summary = summarise(
        settings.warehouse_path(), result.success, build.checks, published=published
    )
    print("\n".join(summary.lines))
    print(f"took {time.monotonic() - started:.1f} s (run id {result.run_id})")
    if not summary.ok:
        return FAILED
    return QUARANTINED if summary.quarantined else OK


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
    stop_on_signals()
    try:
        return build_and_report(args, overrides)
    except KeyboardInterrupt:
        print("stopped: the run is marked canceled in Dagster; nothing was published")
        return STOPPED
    except OSError as error:
        if error.errno != errno.ENOSPC:
            raise
        print(f"disk full: {error.filename or ''} {error.strerror}; free space and run again")
        return NOT_RUN
    finally:
        validation_helper.discard()  # unused when the run ended early


if __name__ == "__main__":
    # What is imported by now lives as long as the process: frozen, the collector stops
    # walking it in every full collection, and at exit (about a second of a run).
    gc.freeze()
    code = main()
    gc.freeze()
    sys.exit(code)
