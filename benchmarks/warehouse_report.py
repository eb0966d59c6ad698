"""f. The static report (orchestration/report): rendering report/index.html from a published
warehouse, in a fresh process (its imports included) and again in this one (warm).

    python -m benchmarks.warehouse_report WAREHOUSE [--repeats 3]

The end-to-end builds measure it on each warehouse they make; the run's own step
(`warehouse_report`) is in their step lines too, under the category "report".
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from .paths import PYTHON, ROOT

FRESH_SCRIPT = """
import json, sys, time
t0 = time.perf_counter()
from pathlib import Path
from orchestration.report import render_report
t1 = time.perf_counter()
report = render_report(Path(sys.argv[1]))
t2 = time.perf_counter()
print(json.dumps({"import_s": t1 - t0, "render_s": t2 - t1, "bytes": report.bytes}))
"""


def report_render(warehouse: Path, repeats: int = 3) -> dict:
    """Seconds to render the report of `warehouse`: once in a new process (import and render
    apart), then `repeats` times in this one after that (the best and the median)."""
    started = time.perf_counter()
    proc = subprocess.run(
        [PYTHON, "-c", FRESH_SCRIPT, str(warehouse)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        return {"error": proc.stderr[-2000:]}
    fresh = json.loads(proc.stdout.strip().splitlines()[-1])
    from orchestration.report import render_report

    warm = []
    for _ in range(repeats):
        warm.append(render_report(warehouse).seconds)
    return {
        "fresh_process": {
            "import_s": round(fresh["import_s"], 3),
            "render_s": round(fresh["render_s"], 3),
            "process_wall_s": round(wall, 3),
        },
        "warm_best_s": round(min(warm), 3),
        "warm_median_s": round(statistics.median(warm), 3),
        "report_mb": round(fresh["bytes"] / 1e6, 2),
        "warehouse_mb": round(warehouse.stat().st_size / 1e6, 1),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    print(json.dumps(report_render(args.warehouse.resolve(), args.repeats), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
