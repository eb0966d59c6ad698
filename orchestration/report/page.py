"""The report's one HTML file: a header of figures, then one section per chart or table.

Everything is inlined (styles, Plotly's JavaScript, each chart's data), so the file opens
from disk with no network. Scraped text reaches the page through `text` and `link` only.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

MISSING = "not in this warehouse yet"
# Nothing may be fetched at view time, whatever a chart's data holds: no connections, no
# images or fonts from anywhere but the file itself. Plotly needs inline scripts and styles.
CONTENT_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'unsafe-inline'",
        "style-src 'unsafe-inline'",
        "img-src data: blob:",
        "font-src data:",
    ]
)

STYLE = """
:root { --ink: #1f2430; --muted: #667085; --line: #e4e7ec; --card: #f7f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); background: #fff; }
header, main, footer { max-width: 1280px; margin: 0 auto; padding: 0 24px; }
header { padding-top: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 0 0 2px; }
h2 .range { font-weight: 400; color: var(--muted); }
.sub, .note, footer { color: var(--muted); }
.figures { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0 8px; }
.figure { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
          padding: 10px 14px; min-width: 150px; }
.figure b { display: block; font-size: 20px; }
/* Fixed tracks: each chart measures its box while the page is still being read, before the
   boxes after it exist, so the grid must not depend on how many there are. */
main { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 20px; }
section { border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; min-width: 0; }
section.wide { grid-column: 1 / -1; }
.note { margin: 2px 0 8px; font-size: 13px; }
.missing, .empty { background: var(--card); border-radius: 6px; padding: 24px; text-align: center;
                   color: var(--muted); }
.pair { display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 12px; }
@media (max-width: 900px) { main, .pair { grid-template-columns: minmax(0, 1fr); } }
.pair h3 { font-size: 13px; margin: 4px 0; color: var(--muted); font-weight: 500; }
.date { white-space: nowrap; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line);
         vertical-align: top; }
th { font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
a { color: #3554d1; }
footer { padding: 20px 24px 32px; font-size: 12px; }
"""


@dataclass(frozen=True)
class Section:
    """One chart or table: what it shows, the dates it covers, and its body (safe HTML)."""

    key: str
    title: str
    span: str
    body: str
    note: str = ""
    wide: bool = False
    status: str = "rendered"  # rendered, empty (no rows) or missing (columns not there yet)


def text(value: object) -> str:
    """Any value as HTML text; None as a dash."""
    return "—" if value is None else html.escape(str(value), quote=True)


def number(value: int | float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,.0f}" if isinstance(value, int) else f"{value:,.1f}"


def link(url: str | None, label: str | None = None) -> str:
    """An http(s) link that opens elsewhere; anything else (javascript:, data:) as text."""
    if not url:
        return "—"
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        return text(label or url)
    return (
        f'<a href="{html.escape(url, quote=True)}" rel="noopener noreferrer nofollow" '
        f'target="_blank">{text(label or url)}</a>'
    )


def placeholder(kind: str, message: str) -> str:
    """The box a chart leaves when it cannot be drawn: `kind` is 'missing' or 'empty'."""
    return f'<div class="{kind}" data-chart="{kind}">{text(message)}</div>'


def missing(columns: Sequence[str]) -> str:
    return placeholder("missing", f"{MISSING}: needs {', '.join(columns)}")


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], numeric: set[int]) -> str:
    """A table of cells that are already HTML; the columns in `numeric` right-aligned."""

    def cell(tag: str, i: int, value: str) -> str:
        return f'<{tag} class="num">{value}</{tag}>' if i in numeric else f"<{tag}>{value}</{tag}>"

    head = "".join(cell("th", i, text(h)) for i, h in enumerate(headers))
    body = "".join(
        "<tr>" + "".join(cell("td", i, v) for i, v in enumerate(row)) + "</tr>" for row in rows
    )
    return f'<table data-chart="table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def figures(pairs: Iterable[tuple[str, str]]) -> str:
    """Headline figures as cards: (label, value), both plain text."""
    cards = "".join(
        f'<div class="figure"><b>{text(value)}</b>{text(label)}</div>' for label, value in pairs
    )
    return f'<div class="figures">{cards}</div>'


def section_html(section: Section) -> str:
    note = f'<p class="note">{text(section.note)}</p>' if section.note else ""
    return (
        f'<section id="{section.key}" class="{"wide" if section.wide else ""}" '
        f'data-status="{section.status}"><h2><span class="title">{text(section.title)}</span>'
        f' <span class="range">· {text(section.span)}</span></h2>{note}{section.body}</section>'
    )


def page(
    title: str, subtitle: str, headline: str, sections: Sequence[Section], footer: str, script: str
) -> str:
    """The whole document. `script` is Plotly's JavaScript, inlined in the head."""
    # A </script> inside the library would end the element early: there is none, but cheap
    # to make sure.
    script = script.replace("</script", "<\\/script")
    body = "\n".join(section_html(s) for s in sections)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CONTENT_POLICY}">
<title>{text(title)}</title>
<style>{STYLE}</style>
<script>{script}</script>
</head>
<body>
<header><h1>{text(title)}</h1><p class="sub">{text(subtitle)}</p>{headline}</header>
<main>
{body}
</main>
<footer>{text(footer)}</footer>
</body>
</html>
"""
