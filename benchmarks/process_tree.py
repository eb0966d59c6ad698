"""Run a command and sample the RSS of its whole process tree (and of every process of its
session) until it exits; stop it past a time or memory budget."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from .progress import log


def _proc_table() -> dict[int, tuple[int, int, int]]:
    """pid -> (ppid, session id, rss bytes) for every process we can read."""
    page = os.sysconf("SC_PAGE_SIZE")
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2 :].split()
        try:
            table[int(entry)] = (int(fields[1]), int(fields[3]), int(fields[21]) * page)
        except (IndexError, ValueError):
            continue
    return table


def tree_rss(root: int, per_process: dict | None = None) -> tuple[int, int]:
    """(summed RSS in bytes, number of processes) of root and all its descendants, and of
    every process of root's session (run_measured starts root as a session leader): a
    process whose parent exited (the dbt command forked by the run's dbt server, which then
    exits) is adopted by init but stays in the session. With `per_process`, also keep each
    process's peak RSS there (pid -> [peak bytes, command])."""
    table = _proc_table()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _sid, _rss) in table.items():
        children.setdefault(ppid, []).append(pid)
    session = [pid for pid, (_ppid, sid, _rss) in table.items() if sid == root]
    total, count, stack, seen_pids = 0, 0, [root, *session], set()
    while stack:
        pid = stack.pop()
        if pid in seen_pids:
            continue
        seen_pids.add(pid)
        if pid in table:
            rss = table[pid][2]
            total += rss
            count += 1
            if per_process is not None:
                seen = per_process.get(pid)
                if seen is None:
                    per_process[pid] = [rss, _command(pid)]
                elif rss > seen[0]:
                    seen[0] = rss
        stack.extend(children.get(pid, ()))
    return total, count


def _command(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "?"
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()[:120]


def run_measured(
    cmd: list[str],
    env: dict,
    cwd: Path,
    log_dir: Path,
    max_seconds: float,
    max_rss_mb: float,
    name: str,
) -> dict:
    """Run a command, sampling the RSS of its whole process tree; kill it past the budgets."""
    log_dir.mkdir(parents=True, exist_ok=True)
    out_path, err_path = log_dir / f"{name}.stdout", log_dir / f"{name}.stderr"
    load_before = os.getloadavg()
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(
            cmd, cwd=cwd, env=env, stdout=out, stderr=err, start_new_session=True
        )
        peak_tree, peak_procs, killed, status, usage = 0, 0, None, None, None
        per_process: dict[int, list] = {}
        interval = 0.1
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid == proc.pid:
                break
            rss, procs = tree_rss(proc.pid, per_process)
            peak_tree, peak_procs = max(peak_tree, rss), max(peak_procs, procs)
            elapsed = time.perf_counter() - started
            if killed is None and elapsed > max_seconds:
                killed = f"exceeded the time budget of {max_seconds:.0f} s"
            elif killed is None and rss / 2**20 > max_rss_mb:
                killed = (
                    f"process tree RSS {rss / 2**20:.0f} MB exceeded the guard of"
                    f" {max_rss_mb:.0f} MB"
                )
            if killed:
                log(f"{name}: stopping: {killed}")
                _kill_group(proc.pid)
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(interval)
            interval = min(0.25, interval * 1.1)
        wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    stdout = out_path.read_text(errors="replace")
    stderr = err_path.read_text(errors="replace")
    return {
        "wall_s": round(wall, 2),
        "exit_code": proc.returncode,
        "killed": killed,
        # Linux ru_maxrss is in KB: the largest single process among the child and the
        # descendants it waited for (dbt runs as a subprocess of the run).
        # The sampled peaks too: a process adopted by init is not among those waited for.
        "peak_rss_largest_process_mb": round(
            max(
                [usage.ru_maxrss / 1024 if usage else 0]
                + [rss / 2**20 for rss, _cmd in per_process.values()]
            ),
            1,
        ),
        "peak_rss_tree_mb": round(peak_tree / 2**20, 1),
        "peak_processes": peak_procs,
        "peak_rss_by_process_mb": [
            {"command": cmd, "peak_rss_mb": round(rss / 2**20, 1)}
            for rss, cmd in sorted(per_process.values(), key=lambda v: -v[0])[:4]
        ],
        "cpu_user_s": round(usage.ru_utime, 2) if usage else None,
        "cpu_system_s": round(usage.ru_stime, 2) if usage else None,
        # Other work on the machine skews timings: the 1-minute load average around the run.
        "loadavg_1m_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        "stdout": stdout,
        "stderr_tail": stderr[-3000:],
        "logs": str(log_dir),
    }


def _kill_group(pid: int) -> None:
    """Stop the process group we started (start_new_session: pgid == pid)."""
    for sig, wait in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 0.0)):
        try:
            os.killpg(pid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                os.killpg(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.2)
