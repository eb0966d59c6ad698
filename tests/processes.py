"""The processes a command started, as the tests look for leftovers."""

from __future__ import annotations

from pathlib import Path


def living_in_group(pgid: int) -> list[int]:
    """Pids of the process group that still live. A zombie is not counted: it holds no lock,
    memory or CPU, and here it only waits for this sandbox's init to reap it."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        state, group = fields[0], int(fields[2])
        if group == pgid and state != "Z":
            found.append(int(entry.name))
    return found
