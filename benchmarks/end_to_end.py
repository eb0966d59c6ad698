"""b. End to end: `python -m orchestration.run` on generated dumps at increasing sizes (wall
time, peak RSS of the process tree, where the time goes, time to first answer), how it scales,
and c. (incremental.py) on the largest build that completed."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from .first_answer import time_to_first_answer
from .generate import generate, load_vocabulary
from .incremental import add_one_dump
from .pipeline_build import build, pipeline_env, prepare_dagster_home
from .progress import log
from .warehouse_report import report_render


def end_to_end(
    sizes: list[int],
    seed: int,
    max_seconds: float,
    max_rss_mb: float,
    workdir: Path,
    keep: bool,
    on_build=None,
    with_incremental: bool = True,
) -> tuple[dict, dict, dict]:
    """Builds of increasing size; then one dump added to the largest that completed."""
    vocab = load_vocabulary()
    runs, stopped = [], None
    last_ok = None  # (size, dirs) of the largest completed build, kept for c. and d.
    for size in sorted(sizes):
        base = workdir / f"e2e_{size}"
        dumps, warehouse, home = (
            base / "dumps",
            base / "warehouse" / "papers.duckdb",
            base / "dagster",
        )
        log(f"end to end {size}: generating dumps")
        t = time.perf_counter()
        corpus = generate(dumps, size, seed, vocabulary=vocab)
        gen_s = time.perf_counter() - t
        prepare_dagster_home(home)
        env = pipeline_env(dumps, warehouse, home)
        log(f"end to end {size}: {corpus.bytes / 1e6:.0f} MB generated in {gen_s:.0f} s; building")
        result = build(env, base / "logs", f"build_{size}", max_seconds, max_rss_mb)
        result = {
            "dumps": size,
            "corpus": corpus.summary(),
            "generate_s": round(gen_s, 1),
            **result,
            "seconds_per_dump": round(result["wall_s"] / size, 4),
        }
        if result["ok"]:
            result["time_to_first_answer"] = time_to_first_answer(warehouse)
            result["report_render"] = report_render(warehouse)
        log(
            f"end to end {size}: {result['wall_s']} s, tree RSS {result['peak_rss_tree_mb']} MB, "
            f"ok={result['ok']}"
        )
        runs.append(result)
        if on_build is not None:
            on_build({"runs": runs, "stopped": None, "linearity": linearity(runs)})
        if result["killed"] or not result["ok"]:
            stopped = f"stopped after {size} dumps: " + (
                result["killed"] or f"the build failed (exit code {result['exit_code']})"
            )
            if not keep:
                shutil.rmtree(base, ignore_errors=True)
            break
        if last_ok and not keep:
            shutil.rmtree(last_ok[1], ignore_errors=True)
        last_ok = (size, base, env)

    incremental, ttfa = {"status": "not measured (no completed build)"}, {}
    if last_ok and not with_incremental:
        incremental = {"status": "skipped (--skip incremental)"}
    elif last_ok:
        size, base, env = last_ok
        incremental, ttfa = add_one_dump(
            size, base, env, seed, vocab, max_seconds, max_rss_mb, keep
        )
    return {"runs": runs, "stopped": stopped, "linearity": linearity(runs)}, incremental, ttfa


def linearity(runs: list[dict]) -> dict:
    """Time per dump at each size, and the marginal cost per dump between successive sizes.

    With a fixed start-up cost the time per dump falls as size grows; the build scales
    linearly when the marginal cost per dump stays flat (ratio between successive size steps
    close to 1; above 1.5 it grows faster than linear)."""
    ok = [r for r in runs if r.get("ok")]
    per_dump = {str(r["dumps"]): r["seconds_per_dump"] for r in ok}
    marginal = []
    for a, b in zip(ok, ok[1:], strict=False):
        slope = (b["wall_s"] - a["wall_s"]) / (b["dumps"] - a["dumps"])
        marginal.append(
            {"from": a["dumps"], "to": b["dumps"], "seconds_per_added_dump": round(slope, 4)}
        )
    verdict = None
    if len(marginal) >= 2:
        growth = marginal[-1]["seconds_per_added_dump"] / max(
            marginal[0]["seconds_per_added_dump"], 1e-9
        )
        verdict = {
            "marginal_cost_growth": round(growth, 2),
            "close_to_linear": 0.67 <= growth <= 1.5,
        }
    elif len(marginal) == 1 and ok:
        fixed = ok[0]["wall_s"] - marginal[0]["seconds_per_added_dump"] * ok[0]["dumps"]
        verdict = {
            "fixed_cost_estimate_s": round(fixed, 1),
            "close_to_linear": None,
            "note": "two sizes: a line fits exactly; a third size says whether it bends",
        }
    return {"seconds_per_dump": per_dump, "marginal": marginal, "verdict": verdict}
