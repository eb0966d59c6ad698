"""One measured build: `python -m orchestration.run` in its own environment (dumps folder,
warehouse, Dagster home), its wall time and memory, and where the time went (the run's step
lines, or its Dagster instance when it printed none)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import time
from pathlib import Path

from .paths import PYTHON, ROOT
from .process_tree import run_measured

STEP_LINE = re.compile(r"^\s*step\s+(\S+)\s+(\S+)\s+([0-9.]+)\s*s\s*$")
TOOK_LINE = re.compile(r"^took\s+([0-9.]+)\s*s")
# Environment the pipeline reads: never inherit the caller's, always point at our temp dirs.
PIPELINE_ENV = ("PAPERS_DUMPS_DIR", "PAPERS_WAREHOUSE", "PAPERS_WORK_DATABASE", "DAGSTER_HOME")
QUIET_ENV = {
    "GX_ANALYTICS_ENABLED": "False",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
    "DO_NOT_TRACK": "1",
}


STEP_CATEGORIES = (
    ("discover", ("dump_files", "inventory", "discover")),
    ("parse", ("parse",)),
    ("land", ("raw", "land")),
    ("validate", ("great_expectations", "validat", "expectation", "check")),
    ("dbt", ("dbt",)),
    ("publish", ("publish", "snapshot")),
    ("report", ("report",)),
)


def step_category(step: str) -> str:
    lowered = step.lower()
    for category, needles in STEP_CATEGORIES:
        if any(n in lowered for n in needles):
            return category
    return "other"


def parse_run_output(stdout: str, wall: float) -> dict:
    steps = []
    took = None
    summary = []
    for line in stdout.splitlines():
        if m := STEP_LINE.match(line):
            steps.append({"step": m.group(1), "status": m.group(2), "seconds": float(m.group(3))})
        elif m := TOOK_LINE.match(line.strip()):
            took = float(m.group(1))
        elif re.match(r"^(dumps|entries|validated|papers|links|topics|checks|result):", line):
            summary.append(line.strip())
    by_category: dict[str, float] = {}
    for s in steps:
        cat = step_category(s["step"])
        by_category[cat] = round(by_category.get(cat, 0.0) + s["seconds"], 2)
    in_steps = sum(s["seconds"] for s in steps)
    by_category["outside_steps"] = round(wall - in_steps, 2)
    return {
        "steps": steps,
        "seconds_by_category": by_category,
        "run_reported_took_s": took,
        "summary": summary,
        "ok": any(line.endswith("OK") for line in summary if line.startswith("result:")),
    }


def pipeline_env(dumps: Path, warehouse: Path, dagster_home: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in PIPELINE_ENV and k != "MAKEFLAGS"}
    env.update(QUIET_ENV)
    env.update(
        PAPERS_DUMPS_DIR=str(dumps),
        PAPERS_WAREHOUSE=str(warehouse),
        DAGSTER_HOME=str(dagster_home),
    )
    return env


def prepare_dagster_home(home: Path) -> None:
    """The instance config `make run` writes (the Makefile's own rule), or a minimal one."""
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    with contextlib.suppress(subprocess.SubprocessError, OSError):
        subprocess.run(
            ["make", "-s", "-C", str(ROOT), f"DAGSTER_HOME={home}", str(target)],
            check=True,
            capture_output=True,
            timeout=60,
        )
    if not target.exists():
        target.write_text("telemetry:\n  enabled: false\n")


STEP_STATS_SCRIPT = """
import json, sys, time
import dagster as dg
stopped = float(sys.argv[1])
instance = dg.DagsterInstance.get()
runs = instance.get_runs(limit=1)
steps = []
if runs:
    stats = instance.get_run_step_stats(runs[0].run_id)
    for s in sorted(stats, key=lambda s: s.start_time or 0):
        end = s.end_time or stopped
        steps.append({"step": s.step_key,
                      "status": s.status.value.lower() if s.status else "unfinished",
                      "seconds": round(end - (s.start_time or end), 1)})
print(json.dumps(steps))
"""


def steps_from_instance(env: dict, stopped_at: float) -> list[dict]:
    """Step timings of the last run, read from its Dagster instance (for a run we stopped,
    which never printed its step lines: the step it was in shows as unfinished)."""
    try:
        proc = subprocess.run(
            [PYTHON, "-c", STEP_STATS_SCRIPT, repr(stopped_at)],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (subprocess.SubprocessError, OSError, ValueError, IndexError):
        return []


def build(env: dict, log_dir: Path, name: str, max_seconds: float, max_rss_mb: float) -> dict:
    measured = run_measured(
        [PYTHON, "-m", "orchestration.run"], env, ROOT, log_dir, max_seconds, max_rss_mb, name
    )
    stopped_at = time.time()
    parsed = parse_run_output(measured.pop("stdout"), measured["wall_s"])
    if not parsed["steps"]:
        parsed["steps"] = steps_from_instance(env, stopped_at)
        parsed["steps_source"] = "dagster instance (the run printed none)"
        by_category: dict[str, float] = {}
        for s in parsed["steps"]:
            cat = step_category(s["step"])
            by_category[cat] = round(by_category.get(cat, 0.0) + s["seconds"], 2)
        by_category["outside_steps"] = round(
            measured["wall_s"] - sum(s["seconds"] for s in parsed["steps"]), 2
        )
        parsed["seconds_by_category"] = by_category
    if not parsed["ok"]:
        measured["stdout_tail"] = "\n".join(
            (log_dir / f"{name}.stdout").read_text(errors="replace").splitlines()[-25:]
        )
    else:
        measured.pop("stderr_tail", None)
    return {**measured, **parsed}
