"""Processes by pid, told apart from a later process that got the same pid.

A pid alone is not an identity: after a crash the kernel may give it to anything. The start
time in /proc/<pid>/stat (clock ticks since boot) is recorded with it, so a process recorded
by a dead run is only ever signalled while it is that same process.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import asdict, dataclass
from pathlib import Path


def start_ticks(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (Linux), or None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    fields = stat[stat.rindex(")") + 2 :].split()
    return int(fields[19])  # field 22 of the whole line


@dataclass(frozen=True)
class ProcessRef:
    """A process as it was when recorded: pid, start time, and what it is (for messages)."""

    pid: int
    started: int | None
    what: str = ""

    @classmethod
    def of(cls, pid: int, what: str = "") -> ProcessRef:
        return cls(pid, start_ticks(pid), what)

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> ProcessRef:
        return cls(int(data["pid"]), data.get("started"), str(data.get("what", "")))

    def alive(self) -> bool:
        """The same process still runs (a zombie counts as gone: it holds no lock or CPU)."""
        if self.started is None or start_ticks(self.pid) != self.started:
            return False
        try:
            state = Path(f"/proc/{self.pid}/stat").read_text()
        except OSError:
            return False
        return state[state.rindex(")") + 2] != "Z"


def stop(process: ProcessRef, grace_seconds: float = 5.0) -> bool:
    """SIGTERM, then SIGKILL after `grace_seconds`; True when it was alive and is now gone."""
    if not process.alive():
        return False
    for sig, wait in ((signal.SIGTERM, grace_seconds), (signal.SIGKILL, 5.0)):
        try:
            os.kill(process.pid, sig)
        except ProcessLookupError:
            return True
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not process.alive():
                return True
            time.sleep(0.05)
    return not process.alive()
