"""d. Time to first answer: a fresh process imports duckdb, opens the warehouse read-only and
runs one typical BI query per mart."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

from .paths import PYTHON

# One typical BI query per mart, as a dashboard would send them.
BI_QUERIES = {
    "papers": """select title, published_on, appearances from marts.papers
                 where has_code order by published_on desc nulls last limit 20""",
    "paper_appearances": """select captured_on, count(*) as papers from marts.paper_appearances
                            group by captured_on order by captured_on desc limit 30""",
    "repo_links": """select host, link_kind, count(*) as links from marts.repo_links
                     group by all order by links desc limit 20""",
    "topics": """select topic, papers, papers_with_code from marts.topics
                 order by papers desc limit 10""",
    "paper_topics": """select t.topic, year(p.published_on) as year, count(*) as papers
                       from marts.paper_topics t join marts.papers p using (paper_id)
                       group by all order by papers desc limit 20""",
    "dates": """select date_trunc('month', date_day) as month_start,
                       sum(papers_published) as published, sum(papers_captured) as captured
                from marts.dates group by 1 order by 1""",
}


def time_to_first_answer(warehouse: Path) -> dict:
    """A fresh process: import duckdb, connect read-only, one query per mart."""
    script = """
import json, sys, time
spawned = float(sys.argv[1])
t0 = time.time()
import duckdb
t1 = time.time()
con = duckdb.connect(sys.argv[2], read_only=True)
t2 = time.time()
queries = json.loads(sys.argv[3])
out = {"interpreter_start_s": t0 - spawned, "import_duckdb_s": t1 - t0, "connect_s": t2 - t1,
        "process_start_to_connected_s": t2 - spawned, "queries": {}}
for name, sql in queries.items():
    q0 = time.time()
    try:
        rows = con.execute(sql).fetchall()
        out["queries"][name] = {"seconds": time.time() - q0, "rows": len(rows)}
    except Exception as e:
        out["queries"][name] = {"error": str(e)[:300]}
out["first_answer_s"] = time.time() - spawned
print(json.dumps(out))
"""
    started = time.time()
    proc = subprocess.run(
        [PYTHON, "-c", script, repr(started), str(warehouse), json.dumps(BI_QUERIES)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    wall = time.time() - started
    if proc.returncode != 0:
        return {"error": proc.stderr[-2000:], "process_wall_s": round(wall, 3)}
    result = json.loads(proc.stdout.strip().splitlines()[-1])

    def rounded(v):
        if isinstance(v, float):
            return round(v, 4)
        if isinstance(v, dict):
            return {k: rounded(x) for k, x in v.items()}
        return v

    result = rounded(result)
    result["process_wall_s"] = round(wall, 3)
    result["warehouse"] = str(warehouse)
    result["warehouse_mb"] = (
        round(warehouse.stat().st_size / 1e6, 1) if warehouse.exists() else None
    )
    return result
