"""A static report of the published marts: `report/index.html` beside the snapshot.

    python -m orchestration.report [WAREHOUSE]

Plain functions, no Dagster (the asset in orchestration/defs/report.py wraps them): read the
published snapshot read-only, compute each chart's data with SQL (queries.py), draw it with
Plotly (charts.py) and write one self-contained HTML file (page.py) by atomic replacement, so
a browser never opens half a report. See docs/report.md.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from plotly.offline import get_plotlyjs

from ..landing.land import connect
from . import page, queries
from .sections import SECTIONS, Snapshot

TITLE = "Hugging Face Daily Papers: the warehouse"


def report_path(warehouse: Path) -> Path:
    """Where the report of the published snapshot `warehouse` is written."""
    return warehouse.parent / "report" / "index.html"


@dataclass(frozen=True)
class Report:
    path: Path
    seconds: float
    bytes: int
    overview: dict
    health: dict
    sections: list[page.Section] = field(default_factory=list)

    def markdown(self) -> str:
        """A few figures for the Dagster UI (numbers and dates only: nothing scraped)."""
        o, h = self.overview, self.health
        share = 100 * o["with_code"] / o["papers"] if o["papers"] else 0.0
        missing = [s.title for s in self.sections if s.status == "missing"]
        lines = [
            "| figure | value |",
            "| --- | --- |",
            f"| papers | {o['papers']:,} ({share:.0f}% with code) |",
            f"| listed | {queries.iso(o['first_on'])} to {queries.iso(o['last_on'])} |",
            f"| dumps | {h['loaded']:,} loaded, {h['quarantined']:,} quarantined, "
            f"{h['rejected']:,} rejected |",
            f"| entries rejected | {h['entries_rejected']:,} of {h['entries_parsed']:,} |",
            f"| charts | {len(self.sections) - len(missing)} of {len(self.sections)} drawn |",
        ]
        if missing:
            lines.append(f"\nNot in this warehouse yet: {'; '.join(missing)}.")
        return "\n".join(lines)


def write_atomically(out: Path, document: str) -> None:
    """Write beside `out` and rename over it; a partial file is removed on failure, and one
    a killed process left is removed by a later render (after an hour: not one in flight)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    for stale in out.parent.glob(f".{out.name}.*.tmp"):
        with contextlib.suppress(FileNotFoundError):  # another render's, just renamed
            if time.time() - stale.stat().st_mtime > 3600:
                stale.unlink()
    partial = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        partial.write_text(document, encoding="utf-8")
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)


def render_report(warehouse: Path, out: Path | None = None) -> Report:
    """Render the report of the published snapshot `warehouse` into `out` (default
    `report_path(warehouse)`), replacing any previous one at once."""
    started = time.perf_counter()
    out = out or report_path(warehouse)
    published_at = dt.datetime.fromtimestamp(warehouse.stat().st_mtime, dt.UTC)
    with connect(warehouse, read_only=True) as con:
        snap = Snapshot(con, queries.read_catalog(con), published_at)
        overview = queries.overview(con, snap.cat)
        health = queries.dump_health(con)
        sections = [make(snap) for make in SECTIONS]
    document = page.page(
        TITLE,
        f"{overview['papers']:,} papers listed {queries.iso(overview['first_on'])} to "
        f"{queries.iso(overview['last_on'])}; snapshot published {published_at:%Y-%m-%d %H:%M} "
        "UTC",
        page.figures(
            [
                ("papers", f"{overview['papers']:,}"),
                ("with code", f"{overview['with_code']:,}"),
                ("without any date", f"{overview['undated']:,}"),
                ("dumps loaded", f"{health['loaded']:,}"),
                ("latest listing", queries.iso(overview["last_on"])),
            ]
        ),
        sections,
        f"Rendered {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC from {warehouse.name} "
        "(schemas marts and audit) by orchestration/report; charts drawn with Plotly, "
        "inlined: this file needs no network.",
        get_plotlyjs(),
    )
    write_atomically(out, document)
    return Report(
        out, time.perf_counter() - started, len(document.encode()), overview, health, sections
    )


__all__ = ["Report", "render_report", "report_path"]
