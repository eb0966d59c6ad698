"""The processes a command started, as the tests look for leftovers."""

from __future__ import annotations

from pathlib import Path


def _members(pgid: int) -> dict[int, Path]:
    """pid -> /proc entry of every living process of the group. A zombie is not counted: it
    holds no lock, memory or CPU, and here it only waits for this sandbox's init to reap it."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...; comm may hold spaces or parentheses.
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            found[int(entry.name)] = entry
    return found


def living_in_group(pgid: int) -> list[int]:
    """Pids of the process group that still live."""
    return sorted(_members(pgid))


def commands_in_group(pgid: int) -> list[str]:
    """The command lines of the group's living processes."""
    commands = []
    for entry in _members(pgid).values():
        try:
            commands.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:
            continue
    return commands
