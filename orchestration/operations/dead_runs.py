"""Runs that died without ending (SIGKILL, the OOM killer, a reboot), closed in Dagster.

Dagster records a run as started until something reports its end; a killed process reports
nothing. Every run of the warehouse tags itself with its pid (and the pid's start time) when
it starts, so the next run can tell a dead run from a live one and report it failed through
the instance's public API (`report_run_failed`), which is what the daemon's run monitoring
does for the run workers it launched.
"""

from __future__ import annotations

import socket
from collections.abc import Callable

import dagster as dg

from .processes import ProcessRef, stop
from .warehouse_lock import Holder

PID_TAG = "papers/pid"
PID_STARTED_TAG = "papers/pid_started"
HOST_TAG = "papers/host"
# A run in one of these has not ended; a process that died leaves it there.
NOT_ENDED = [
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


def process_tags(process: ProcessRef) -> dict[str, str]:
    """The tags that let a later run tell whether this run's process still lives."""
    return {
        PID_TAG: str(process.pid),
        PID_STARTED_TAG: str(process.started or ""),
        HOST_TAG: socket.gethostname(),
    }


def run_process(run: dg.DagsterRun) -> ProcessRef | None:
    """The process a run tagged itself with, when it ran on this machine."""
    tags = run.tags
    if tags.get(HOST_TAG) != socket.gethostname() or not tags.get(PID_TAG):
        return None
    started = tags.get(PID_STARTED_TAG)
    return ProcessRef(int(tags[PID_TAG]), int(started) if started else None, "run")


def close_dead_runs(
    instance: dg.DagsterInstance,
    current_run_id: str,
    previous: Holder | None,
    say: Callable[[str], None],
) -> list[str]:
    """Report failed every run of this machine that tagged itself (any job: build_warehouse,
    a materialisation from the asset graph) and has not ended but whose process is gone,
    after stopping the helpers a dead lock holder (`previous`) left running; one line each.
    Returns the ids of the runs closed."""
    stopped: dict[str, list[str]] = {}
    if previous is not None and not previous.process.alive():
        for child in previous.children:
            if stop(child):
                stopped.setdefault(previous.run_id, []).append(f"{child.what} (pid {child.pid})")
    closed = []
    mine = dg.RunsFilter(statuses=NOT_ENDED, tags={HOST_TAG: socket.gethostname()})
    for run in instance.get_runs(filters=mine):
        process = run_process(run)
        if run.run_id == current_run_id or process is None or process.alive():
            continue
        instance.report_run_failed(
            run,
            message=f"The run's process (pid {process.pid}) ended without reporting it: "
            "killed (SIGKILL, out of memory, a reboot). Marked failed by the next run, "
            f"{current_run_id}.",
        )
        closed.append(run.run_id)
        helpers = stopped.pop(run.run_id, [])
        also = f"; stopped its {', '.join(helpers)}" if helpers else ""
        say(
            f"found run {run.run_id[:8]} (pid {process.pid}) dead without ending: "
            f"marked it failed in Dagster{also}"
        )
    for run_id, helpers in stopped.items():  # a dead holder whose run had already ended
        say(f"stopped {', '.join(helpers)} left running by run {run_id[:8]}")
    return closed
