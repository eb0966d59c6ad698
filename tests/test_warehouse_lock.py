"""One run at a time per warehouse: the lock file, its record, and processes told apart by
their start time (orchestration/operations/). The real command is driven in
test_operations.py; these pin the pieces."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from orchestration.operations.processes import ProcessRef, stop
from orchestration.operations.warehouse_lock import (
    Holder,
    WarehouseBusy,
    WarehouseLock,
    held,
    lock_path,
)

HOLD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from orchestration.operations.warehouse_lock import WarehouseLock
    lock = WarehouseLock(Path(sys.argv[1])).acquire("run-holder", print)
    lock.record_child(int(sys.argv[2]), "dbt")
    print("held", flush=True)
    time.sleep(60)
    """
)


def hold_in_another_process(work_db, child_pid: int) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(work_db), str(child_pid)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_acquire_records_the_holder_and_release_clears_it(tmp_path):
    work_db = tmp_path / "work" / "papers.duckdb"
    lock = WarehouseLock(work_db).acquire("run-1", print)
    record = Holder.from_json(lock_path(work_db).read_text())
    assert record.run_id == "run-1" and record.process.pid == os.getpid()
    assert held(work_db) is lock and lock.previous is None
    lock.release()
    assert lock_path(work_db).read_text() == "" and held(work_db) is None


def test_a_busy_warehouse_is_waited_for_with_one_line_then_given_up(tmp_path):
    work_db = tmp_path / "papers.duckdb"
    sleeper = subprocess.Popen(["sleep", "60"])
    holder = hold_in_another_process(work_db, sleeper.pid)
    said: list[str] = []
    try:
        started = time.monotonic()
        with pytest.raises(WarehouseBusy, match="stayed busy for 1 s"):
            WarehouseLock(work_db).acquire("run-2", said.append, wait_seconds=1)
        assert 1 <= time.monotonic() - started < 5
        assert said == [f"waiting for run run-hold (pid {holder.pid}) to release {work_db} ..."]
    finally:
        holder.kill()
        holder.wait()

    # The holder died without releasing: the lock is free, and its record says who it was
    # and which helper it left running.
    lock = WarehouseLock(work_db).acquire("run-3", said.append, wait_seconds=1)
    try:
        assert lock.previous.run_id == "run-holder"
        assert not lock.previous.process.alive()
        (child,) = lock.previous.children
        assert (child.pid, child.what) == (sleeper.pid, "dbt") and child.alive()
        assert stop(child) and not child.alive()
    finally:
        lock.release()
        sleeper.kill()
        sleeper.wait()


def test_a_pid_taken_by_another_process_is_not_the_recorded_one():
    sleeper = subprocess.Popen(["sleep", "60"])
    try:
        same = ProcessRef.of(sleeper.pid, "dbt")
        other = ProcessRef(sleeper.pid, (same.started or 0) + 1, "dbt")
        assert same.alive() and not other.alive()
        assert not stop(other)  # never signalled: it is not the process that was recorded
        assert sleeper.poll() is None
    finally:
        sleeper.send_signal(signal.SIGKILL)
        sleeper.wait()
    assert not same.alive()
