"""The report's charts as Plotly figures, from the rows the queries return.

Figures are plain dicts (data and layout, as plotly.js reads them) handed to `plotly.io`
unvalidated: building `go.Figure` objects validated every property and copied the template
per figure, two thirds of the report's time on the seeds. The styling is this module's
(LAYOUT), not a Plotly template, for the same reason.

Plotly reads a small HTML subset in every string it draws (`<b>`, `<a href>`, `<br>`), legend
entries and hover labels included, so every scraped string goes through `plot_text` first:
escaped, `<` can open no tag, and Plotly shows the entities as the characters they stand for.
"""

from __future__ import annotations

import html
from collections import Counter

import plotly.io as pio

from .queries import OTHER

HEIGHT = 380
LABEL_CHARS = 60
DAY_MS = 86_400_000  # a date axis counts in milliseconds
# Plotly's own qualitative palette; OTHER in grey.
COLORS = [
    *("#636efa", "#ef553b", "#00cc96", "#ab63fa", "#ffa15a"),
    *("#19d3f3", "#ff6692", "#b6e880", "#ff97ff", "#fecb52"),
]
OTHER_COLOR = "#b8bcc6"
# Offline and quiet: no link to plotly.com in the toolbar, no "send data" button.
CONFIG = {"displaylogo": False, "responsive": True, "showSendToCloud": False}
AXIS = {"gridcolor": "#eef0f3", "linecolor": "#d0d5dd", "zerolinecolor": "#d0d5dd"}
LAYOUT = {
    "height": HEIGHT,
    "margin": {"l": 10, "r": 10, "t": 10, "b": 10},
    "font": {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 12},
    "paper_bgcolor": "white",
    "plot_bgcolor": "white",
    "colorway": list(COLORS),
    "hoverlabel": {"namelength": -1},
    "legend": {"font": {"size": 11}},
}

Figure = dict


def plot_text(value: object, limit: int = LABEL_CHARS) -> str:
    """A scraped string as Plotly may draw it: cut to `limit` characters, then escaped."""
    text = "" if value is None else str(value)
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return html.escape(text, quote=False)


def figure_html(figure: Figure, div_id: str) -> str:
    """The figure as a <div> and the script that draws it (Plotly itself is inlined once, in
    the page's head)."""
    return pio.to_html(
        figure,
        full_html=False,
        include_plotlyjs=False,
        div_id=div_id,
        config=CONFIG,
        default_height=figure["layout"]["height"],
        validate=False,
    )


def axis(title: str, **extra) -> dict:
    return {**AXIS, "title": {"text": title}, "automargin": True, **extra}


def figure(traces: list[dict], **layout) -> Figure:
    return {"data": traces, "layout": {**LAYOUT, **layout}}


def papers_per_week(rows: list[dict]) -> Figure:
    """Stacked bars: one trace per topic, the most frequent at the bottom, OTHER on top."""
    totals = Counter()
    for row in rows:
        totals[row["topic"]] += row["papers"]
    order = [t for t, _ in totals.most_common() if t != OTHER] + [OTHER] * (OTHER in totals)
    traces = []
    for i, topic in enumerate(order):
        points = [r for r in rows if r["topic"] == topic]
        traces.append(
            {
                "type": "bar",
                "x": [r["week"] for r in points],
                "y": [r["papers"] for r in points],
                "name": plot_text(topic),
                "marker": {"color": OTHER_COLOR if topic == OTHER else COLORS[i % len(COLORS)]},
                # A week wide from its Monday, however far apart the weeks with papers are
                # (Plotly would widen the bars to the smallest gap between them).
                "width": 6 * DAY_MS,
                "offset": DAY_MS // 2,
                "hovertemplate": "week of %{x|%Y-%m-%d}: %{y} papers",
            }
        )
    return figure(
        traces,
        barmode="stack",
        xaxis=axis("week (Monday)", type="date"),
        yaxis=axis("papers listed"),
        legend={**LAYOUT["legend"], "title": {"text": "topic"}, "traceorder": "reversed"},
    )


def code_share(rows: list[dict]) -> Figure:
    trace = {
        "type": "scatter",
        "mode": "lines+markers",
        "x": [r["month"] for r in rows],
        "y": [round(100 * r["with_code"] / r["papers"], 2) for r in rows],
        "customdata": [[r["with_code"], r["papers"]] for r in rows],
        "hovertemplate": "%{x|%Y-%m}: %{y:.0f}% (%{customdata[0]} of %{customdata[1]} papers)"
        "<extra></extra>",
    }
    return figure(
        [trace],
        xaxis=axis("month listed", type="date"),
        yaxis=axis("% of papers with a code repository", rangemode="tozero"),
        showlegend=False,
    )


def _organization_labels(rows: list[dict]) -> list[str]:
    """Display names, with the handle added where two handles share one."""
    names = Counter(r["organization"] for r in rows)
    return [
        plot_text(
            r["organization"]
            if names[r["organization"]] == 1
            else f"{r['organization']} (@{r['organization_handle']})"
        )
        for r in rows
    ]


def horizontal_bars(labels: list[str], values: list, color: str, title: str) -> Figure:
    """Bars in the rows' order from the top, sized to their number."""
    trace = {
        "type": "bar",
        "orientation": "h",
        "x": values[::-1],
        "y": labels[::-1],
        "marker": {"color": color},
        "hovertemplate": "%{y}: %{x}<extra></extra>",
    }
    return figure(
        [trace],
        height=max(180, 70 + 28 * len(labels)),
        xaxis=axis(title),
        yaxis={**AXIS, "automargin": True, "type": "category"},
        showlegend=False,
    )


def top_organizations(rows: list[dict], by: str) -> Figure:
    title = "papers" if by == "papers" else "upvotes (latest of each paper, summed)"
    color = COLORS[0] if by == "papers" else COLORS[1]
    return horizontal_bars(_organization_labels(rows), [r[by] for r in rows], color, title)


def organizations_by_month(rows: list[dict]) -> Figure:
    """Two panels side by side, papers and upvotes per month, one line per organisation."""
    traces = []
    handles = list(dict.fromkeys(r["handle"] for r in rows))
    for i, handle in enumerate(handles):
        points = [r for r in rows if r["handle"] == handle]
        for panel, value in (("", "papers"), ("2", "upvotes")):
            traces.append(
                {
                    "type": "scatter",
                    "mode": "lines+markers",
                    "x": [r["month"] for r in points],
                    "y": [r[value] for r in points],
                    "name": plot_text(points[-1]["organization"]),
                    "legendgroup": handle,
                    "showlegend": not panel,
                    "line": {"color": COLORS[i % len(COLORS)]},
                    "xaxis": "x" + panel,
                    "yaxis": "y" + panel,
                    "hovertemplate": "%{x|%Y-%m}: %{y} " + value,
                }
            )
    months = {"type": "date", "dtick": "M1", "tickformat": "%Y-%m"}
    return figure(
        traces,
        xaxis=axis("month first listed", domain=[0, 0.46], **months),
        xaxis2=axis("month first listed", domain=[0.54, 1], **months),
        yaxis=axis("papers", rangemode="tozero"),
        yaxis2=axis("upvotes", rangemode="tozero", anchor="x2"),
    )


def upvote_trajectories(rows: list[dict]) -> Figure:
    traces = []
    for paper_id in dict.fromkeys(r["paper_id"] for r in rows):
        points = [r for r in rows if r["paper_id"] == paper_id]
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": [r["seen_on"] for r in points],
                "y": [r["upvotes"] for r in points],
                "name": plot_text(points[0]["title"]),
                "hovertemplate": "%{x|%Y-%m-%d}: %{y} upvotes",
            }
        )
    return figure(
        traces,
        xaxis=axis("captured on", type="date"),
        yaxis=axis("upvotes", rangemode="tozero"),
        legend={**LAYOUT["legend"], "title": {"text": "paper"}},
    )


def rejects_by_reason(rows: list[dict]) -> Figure:
    labels = [plot_text(r["reason"]) for r in rows]
    return horizontal_bars(labels, [r["entries"] for r in rows], COLORS[3], "entries rejected")
