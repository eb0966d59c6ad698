"""e. The default `make run` over the seeds, environment built: a first build into a fresh
warehouse and a rebuild of the project's own with nothing changed."""

from __future__ import annotations

import os
import shutil
import statistics
import tempfile
from pathlib import Path

from .paths import ROOT
from .pipeline_build import PIPELINE_ENV, parse_run_output
from .process_tree import run_measured
from .progress import log


def _base_env() -> dict[str, str]:
    """This environment without the pipeline's paths (make's defaults apply)."""
    return {k: v for k, v in os.environ.items() if k not in PIPELINE_ENV and k != "MAKEFLAGS"}


def _fresh_home(env: dict[str, str], home: Path) -> dict[str, str]:
    """`env` with the warehouse and Dagster home in `home`, emptied first: what a user sees
    after deleting their warehouse."""
    shutil.rmtree(home, ignore_errors=True)
    return {
        **env,
        "PAPERS_WAREHOUSE": str(home / "warehouse" / "papers.duckdb"),
        "DAGSTER_HOME": str(home / "dagster"),
    }


def _make_runs(repeats: int, max_seconds: float, fresh: bool) -> dict:
    """`make run` a warm-up plus `repeats` times; `fresh`: each in a new warehouse and
    Dagster home (a first build from the seeds), else in the project's own (a rebuild)."""
    base = _base_env()
    runs = []
    log_dir = Path(tempfile.mkdtemp(prefix="bench_make_run_"))
    label = "first build" if fresh else "rebuild"
    for i in range(repeats + 1):  # the first is the warm-up
        log(f"make run ({label}) {'warm-up' if i == 0 else i}")
        # Fresh: the same new, empty folder each time. The warm-up leaves dbt's parse state for
        # its path, as building the environment does for the default path (the Makefile's
        # manifest rule).
        env = _fresh_home(base, log_dir / "fresh") if fresh else dict(base)
        result = run_measured(
            ["make", "run"], env, ROOT, log_dir, max_seconds, 1e9, f"make_run_{label[0]}{i}"
        )
        parsed = parse_run_output(result.pop("stdout"), result["wall_s"])
        runs.append({**result, **parsed})
    shutil.rmtree(log_dir, ignore_errors=True)
    timed = [r for r in runs[1:] if r["ok"]]
    walls = [r["wall_s"] for r in timed]
    last = runs[-1]
    return {
        "warm_up_s": runs[0]["wall_s"],
        "seconds_all": [r["wall_s"] for r in runs[1:]],
        "seconds_median": round(statistics.median(walls), 2) if walls else None,
        "seconds_best": min(walls) if walls else None,
        "ok": bool(timed) and len(timed) == len(runs) - 1,
        "peak_rss_tree_mb": max((r["peak_rss_tree_mb"] for r in runs[1:]), default=None),
        "steps_last_run": last["steps"],
        "seconds_by_category_last_run": last["seconds_by_category"],
        "summary": last["summary"],
        **({} if last["ok"] else {"stderr_tail": last.get("stderr_tail")}),
    }


def helper_side_by_side(repeats: int, max_seconds: float) -> dict:
    """First builds over the seeds with make run's Great Expectations helper off and on
    (PAPERS_VALIDATION_HELPER), alternating, after one warm-up each: what the helper process
    earns (orchestration/quality/validation_helper.py allows it only if that is >= 2 s)."""
    base = _base_env()
    log_dir = Path(tempfile.mkdtemp(prefix="bench_helper_"))
    walls: dict[str, list[float]] = {"off": [], "on": []}
    ok = True
    for i in range(repeats + 1):
        for label, setting in (("off", "0"), ("on", "1")):
            log(f"make run, helper {label}, {'warm-up' if i == 0 else i}")
            env = _fresh_home(dict(base, PAPERS_VALIDATION_HELPER=setting), log_dir / "fresh")
            result = run_measured(
                ["make", "run"], env, ROOT, log_dir, max_seconds, 1e9, f"helper_{label}{i}"
            )
            ok = ok and result["exit_code"] == 0 and not result["killed"]
            if i > 0:
                walls[label].append(result["wall_s"])
    shutil.rmtree(log_dir, ignore_errors=True)
    off, on = (statistics.median(walls[k]) if walls[k] else None for k in ("off", "on"))
    return {
        "method": f"`make run` first builds over the seeds, PAPERS_VALIDATION_HELPER=0 and =1 "
        f"alternating, {repeats} each after a warm-up each; wall medians",
        "ok": ok,
        "seconds_off": walls["off"],
        "seconds_on": walls["on"],
        "median_off": None if off is None else round(off, 2),
        "median_on": None if on is None else round(on, 2),
        "earns_s": None if off is None or on is None else round(off - on, 2),
    }


def default_make_run(repeats: int, max_seconds: float) -> dict:
    """`make run` over the seeds, environment built: a first build into a fresh warehouse
    (what the target is about) and a rebuild of the project's warehouse with nothing changed."""
    first = _make_runs(repeats, max_seconds, fresh=True)
    rebuild = _make_runs(repeats, max_seconds, fresh=False)
    helper = helper_side_by_side(repeats, max_seconds)
    return {
        "method": f"`make run` in {ROOT}, environment built; median of {repeats} after a "
        "warm-up. first_build: PAPERS_WAREHOUSE and DAGSTER_HOME in a temp folder emptied before "
        "each run (dbt's parse state for that path kept from the warm-up, as the Makefile's "
        "manifest rule keeps it for the default path); rebuild: the project's warehouse/ and "
        ".dagster/, nothing changed",
        **{k: first[k] for k in ("seconds_median", "ok")},
        "first_build": first,
        "rebuild_nothing_changed": rebuild,
        "validation_helper": helper,
    }
