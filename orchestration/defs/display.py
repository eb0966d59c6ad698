"""Scraped text shown in the Dagster UI: escaped and truncated, never rendered as markup."""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

MAX_CELL = 80


def escape_cell(value: Any, limit: int = MAX_CELL) -> str:
    """One table cell: no markdown or HTML can escape it, and long text is cut."""
    text = "" if value is None else " ".join(str(value).split())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    text = html.escape(text, quote=True)
    for char in "\\`*_{}[]()#+!|<>~":
        text = text.replace(char, "\\" + char)
    return text


def markdown_table(rows: Sequence[dict[str, Any]], limit: int = 100) -> str:
    """A markdown table of the first `limit` rows, every cell escaped."""
    if not rows:
        return "_none_"
    columns = list(rows[0])
    lines = [
        "| " + " | ".join(escape_cell(c) for c in columns) + " |",
        "| " + " | ".join("---" for _ in columns) + " |",
    ]
    lines += [
        "| " + " | ".join(escape_cell(r.get(c)) for c in columns) + " |" for r in rows[:limit]
    ]
    if len(rows) > limit:
        lines.append(f"\n… and {len(rows) - limit} more rows")
    return "\n".join(lines)
