"""One run at a time per working database, and a record of the run that holds it.

DuckDB lets one process write a database file. Runs (from `make run`, the UI, the sensor or
the schedule) take an advisory lock on `<work database>.lock` for their whole length, and
write into it who they are: run id, pid and the helper processes they start (dbt). A second
run waits for the lock, saying once which run it waits for; the kernel releases the lock of
a process however it ends, SIGKILL included, so a crash never leaves the warehouse locked.

The record outlives a crash, though: a run that finds one left behind knows the previous
holder died without cleaning up, and stops the helpers it left (see `previous`).
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .processes import ProcessRef

DEFAULT_WAIT_SECONDS = 30 * 60
POLL_SECONDS = 0.5


def wait_limit_seconds() -> float:
    """How long a run waits for a busy warehouse (PAPERS_WAIT_LIMIT_SECONDS, default 30 min)."""
    return float(os.environ.get("PAPERS_WAIT_LIMIT_SECONDS", DEFAULT_WAIT_SECONDS))


class WarehouseBusy(RuntimeError):
    """The warehouse stayed busy past the wait limit."""


@dataclass
class Holder:
    """Who holds (or held) the lock."""

    run_id: str
    process: ProcessRef
    host: str = field(default_factory=socket.gethostname)
    children: list[ProcessRef] = field(default_factory=list)

    def to_json(self) -> str:
        return json.dumps(
            {
                "run_id": self.run_id,
                "host": self.host,
                "process": self.process.to_json(),
                "children": [child.to_json() for child in self.children],
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Holder | None:
        """The record, or None for an empty or unreadable one (released, or half written)."""
        try:
            data = json.loads(text)
            return cls(
                str(data["run_id"]),
                ProcessRef.from_json(data["process"]),
                str(data.get("host", "")),
                [ProcessRef.from_json(child) for child in data.get("children", [])],
            )
        except (ValueError, KeyError, TypeError):
            return None

    def describe(self) -> str:
        return f"run {self.run_id[:8]} (pid {self.process.pid})"


def lock_path(work_database: Path) -> Path:
    return work_database.with_name(work_database.name + ".lock")


# The locks this process holds, by lock file: a run takes its warehouse's once, and helpers
# of the run (recording the dbt process) find it here.
_held: dict[Path, WarehouseLock] = {}


def held(work_database: Path) -> WarehouseLock | None:
    return _held.get(lock_path(Path(work_database)))


class WarehouseLock:
    """The lock of one working database; `acquire` waits, `release` clears the record."""

    def __init__(self, work_database: Path) -> None:
        self.work_database = Path(work_database)
        self.path = lock_path(self.work_database)
        self.holder: Holder | None = None
        self.previous: Holder | None = None  # a record left by a holder that died
        self._fd: int | None = None

    def acquire(
        self,
        run_id: str,
        say: Callable[[str], None],
        wait_seconds: float | None = None,
    ) -> WarehouseLock:
        """Take the lock for `run_id`, waiting (without spinning) while another run holds it."""
        limit = wait_limit_seconds() if wait_seconds is None else wait_seconds
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        started = time.monotonic()
        announced = False
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    pass
                if not announced:
                    other = Holder.from_json(_read(fd))
                    who = other.describe() if other else "another run"
                    say(f"waiting for {who} to release {self.work_database} ...")
                    announced = True
                if time.monotonic() - started > limit:
                    raise WarehouseBusy(
                        f"{self.work_database} stayed busy for {limit:.0f} s "
                        "(PAPERS_WAIT_LIMIT_SECONDS): giving up"
                    )
                time.sleep(POLL_SECONDS)
        except BaseException:
            os.close(fd)
            raise
        if announced:
            say(f"warehouse free after {time.monotonic() - started:.0f} s: starting")
        self._fd = fd
        self.previous = Holder.from_json(_read(fd))
        self.holder = Holder(run_id, ProcessRef.of(os.getpid(), "run"))
        self._write()
        _held[self.path] = self
        return self

    def record_child(self, pid: int, what: str) -> None:
        """Note a helper process of this run, so that a run after a crash can stop it."""
        if self.holder is not None:
            self.holder.children.append(ProcessRef.of(pid, what))
            self._write()

    def release(self) -> None:
        """Clear the record (a clean end) and let the next run in."""
        if self._fd is None:
            return
        _held.pop(self.path, None)
        try:
            os.ftruncate(self._fd, 0)
        finally:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def _write(self) -> None:
        assert self._fd is not None and self.holder is not None
        data = self.holder.to_json().encode()
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, data, 0)
        os.fsync(self._fd)


def _read(fd: int) -> str:
    size = os.fstat(fd).st_size
    return os.pread(fd, size, 0).decode("utf-8", "replace") if size else ""
