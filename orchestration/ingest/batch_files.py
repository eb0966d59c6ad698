"""A parsed batch on disk, as Parquet: the hand-off between the parse and land steps."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl

from .parse import ParsedBatch

FRAMES = ("dumps", "entries", "links", "rejects")


def write_batch(batch: ParsedBatch, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in FRAMES:
        getattr(batch, name).write_parquet(folder / f"{name}.parquet")
    return folder


def read_batch(folder: Path) -> ParsedBatch:
    return ParsedBatch(**{name: pl.read_parquet(folder / f"{name}.parquet") for name in FRAMES})


def prune_batches(parent: Path, keep: int = 5) -> None:
    """Keep the newest batches only: they exist to re-run a step, not as an archive."""
    if not parent.is_dir():
        return
    batches = sorted((p for p in parent.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for old in batches[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
