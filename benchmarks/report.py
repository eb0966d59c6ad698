"""The report: the targets table (each target with its value and whether it passed) and
writing the JSON, after every measure so that a run stopped from outside keeps what it
measured."""

from __future__ import annotations

import json
import resource
import time
from pathlib import Path

TARGETS = {
    "text_vs_duckdb_floor": 0.40,
    "text_vs_python_baseline": 1.5,
    "html_vs_beautifulsoup": 10.0,
    "e2e_10000_seconds": 180.0,
    "e2e_10000_peak_rss_mb": 2048.0,
    "incremental_one_dump_seconds": 20.0,
    "default_make_run_seconds": 15.0,
    "validation_helper_earns_seconds": 2.0,
    "report_10000_seconds": 5.0,
}


def targets(report: dict) -> list[dict]:
    rows = []

    def add(name, goal, value, passed, unit="", note=None):
        rows.append(
            {
                "target": name,
                "goal": goal,
                "value": value,
                "unit": unit,
                "pass": passed,
                **({"note": note} if note else {}),
            }
        )

    pt = report.get("parser_throughput") or {}
    ratios = pt.get("ratios", {})
    r = ratios.get("ours_vs_floor")
    add(
        "text parsing vs DuckDB line reading",
        f">= {TARGETS['text_vs_duckdb_floor']:.2f}x",
        r,
        None if r is None else r >= TARGETS["text_vs_duckdb_floor"],
        "ratio",
        f"parse_dumps vs {pt.get('floor')}" if pt else "not measured",
    )
    r = ratios.get("ours_vs_baseline")
    add(
        "text parsing vs pure-Python baseline",
        f">= {TARGETS['text_vs_python_baseline']}x",
        r,
        None if r is None else r >= TARGETS["text_vs_python_baseline"],
        "ratio",
        None if pt else "not measured",
    )
    html = report.get("html_throughput") or {}
    r = html.get("ratio_ours_vs_beautifulsoup")
    add(
        "HTML parsing vs BeautifulSoup",
        f">= {TARGETS['html_vs_beautifulsoup']:.0f}x",
        r,
        None if r is None else r >= TARGETS["html_vs_beautifulsoup"],
        "ratio",
        "parse_html vs BeautifulSoup on copies of the seed HTML page"
        if r is not None
        else "not measured: " + html.get("note", "skipped"),
    )
    e2e = report.get("end_to_end") or {}
    requested = 10000 in (report.get("options", {}).get("sizes") or [])
    big = next((r for r in e2e.get("runs", []) if r["dumps"] == 10000), None)
    time_goal = f"<= {TARGETS['e2e_10000_seconds']:.0f} s"
    rss_goal = f"< {TARGETS['e2e_10000_peak_rss_mb']:.0f} MB"
    rss_limit = TARGETS["e2e_10000_peak_rss_mb"]
    if big and big.get("ok"):
        add(
            "10,000 dumps end to end",
            time_goal,
            big["wall_s"],
            big["wall_s"] <= TARGETS["e2e_10000_seconds"],
            "s",
        )
        add(
            "10,000 dumps peak RSS (process tree)",
            rss_goal,
            big["peak_rss_tree_mb"],
            big["peak_rss_tree_mb"] < rss_limit,
            "MB",
        )
    elif big:  # stopped or failed: the time target is missed; RSS only if already over
        note = f"did not complete: {big.get('killed') or 'the build failed'}"
        add("10,000 dumps end to end", time_goal, big["wall_s"], False, "s", note)
        over = big["peak_rss_tree_mb"] >= rss_limit
        add(
            "10,000 dumps peak RSS (process tree)",
            rss_goal,
            big["peak_rss_tree_mb"],
            False if over else None,
            "MB",
            note + ("" if over else "; peak until then"),
        )
    elif requested and e2e.get("stopped"):
        note = f"not reached: {e2e['stopped']}"
        add("10,000 dumps end to end", time_goal, None, False, "s", note)
        add("10,000 dumps peak RSS (process tree)", rss_goal, None, None, "MB", note)
    else:
        note = "not measured (10000 not among --sizes)"
        add("10,000 dumps end to end", time_goal, None, None, "s", note)
        add("10,000 dumps peak RSS (process tree)", rss_goal, None, None, "MB", note)
    inc = report.get("incremental") or {}
    if "wall_s" in inc:
        ok = inc.get("ok")
        add(
            "adding one dump",
            f"<= {TARGETS['incremental_one_dump_seconds']:.0f} s",
            inc["wall_s"],
            bool(ok) and inc["wall_s"] <= TARGETS["incremental_one_dump_seconds"],
            "s",
            f"on top of {inc['base_dumps']} dumps" + ("" if ok else "; the rebuild failed"),
        )
    else:
        add(
            "adding one dump",
            f"<= {TARGETS['incremental_one_dump_seconds']:.0f} s",
            None,
            None,
            "s",
            "not measured",
        )
    render = (big or {}).get("report_render") or {}
    fresh = render.get("fresh_process") or {}
    v = round(fresh["import_s"] + fresh["render_s"], 3) if fresh else None
    add(
        "report of the 10,000-dump warehouse (new process: imports and render)",
        f"<= {TARGETS['report_10000_seconds']:.0f} s",
        v,
        None if v is None else v <= TARGETS["report_10000_seconds"],
        "s",
        None if fresh else "not measured",
    )
    mk = report.get("default_make_run") or {}
    v = mk.get("seconds_median")
    add(
        "default make run",
        f"<= {TARGETS['default_make_run_seconds']:.0f} s",
        v,
        None if v is None else (mk.get("ok") and v <= TARGETS["default_make_run_seconds"]),
        "s",
        None if mk else "not measured",
    )
    helper = mk.get("validation_helper") or {}
    v = helper.get("earns_s")
    floor = TARGETS["validation_helper_earns_seconds"]
    add(
        "make run's Great Expectations helper process earns",
        f">= {floor:.0f} s",
        v,
        None if v is None else (helper.get("ok") and v >= floor),
        "s",
        None if helper else "not measured",
    )
    return rows


def write_report(report: dict, out: Path, started: float, final: bool = False) -> str:
    """Write the report so far (targets, wall time since `started`) to `out`; its text."""
    report["targets"] = targets(report)
    report["complete"] = final
    report["benchmark_wall_s"] = round(time.perf_counter() - started, 1)
    report["benchmark_rusage_children_maxrss_mb"] = round(
        resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
    )
    text = json.dumps(report, indent=2, default=str)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n")
    return text
