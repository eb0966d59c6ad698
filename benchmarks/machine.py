"""The machine and the code a report was measured on."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path


def machine_info() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    versions = {}
    for module in ("polars", "duckdb", "pyarrow", "dagster", "great_expectations"):
        try:
            versions[module] = __import__(module).__version__
        except Exception:  # noqa: BLE001 - a missing package is reported, not fatal
            versions[module] = None
    try:
        from importlib.metadata import version

        versions["dbt-core"] = version("dbt-core")
    except Exception:  # noqa: BLE001
        versions["dbt-core"] = None
    return {
        "cpu_model": cpu,
        "cores": os.cpu_count(),
        "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None,
        "memory_gb": round(mem_kb / 1024 / 1024, 1) if mem_kb else None,
        "os": platform.platform(),
        "python": platform.python_version(),
        **{f"{k}_version": v for k, v in versions.items()},
    }


def code_version(root: Path) -> dict:
    """The git commit the report measured, and how many files differed from it."""
    out: dict = {}
    try:
        out["git_head"] = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        out["git_dirty_files"] = len(
            subprocess.run(
                ["git", "-C", str(root), "status", "--porcelain"], capture_output=True, text=True
            ).stdout.splitlines()
        )
    except OSError:
        pass
    return out
