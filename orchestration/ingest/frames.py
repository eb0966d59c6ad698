"""Frame helpers for the parsers."""

from __future__ import annotations

import polars as pl


def replace_where(frame: pl.DataFrame, mask: pl.Expr, column: str, value: pl.Expr) -> pl.DataFrame:
    """`frame` with `column` set to `value` on the rows where `mask` holds.

    `value` is computed on those rows only: `pl.when(mask).then(value)` would compute it on
    every row, which is what costs when the rows are few and the expression is a regex
    replace or a Python function.
    """
    rows = frame.select(pl.arg_where(mask)).to_series()
    if rows.len() == 0:
        return frame
    new = frame[rows].select(value).to_series()
    return frame.with_columns(frame.get_column(column).scatter(rows, new))
