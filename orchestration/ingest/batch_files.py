"""A parsed batch on disk, as Parquet: the hand-off between the parse and land steps.

A run's batch is a folder with one sub-folder per frame (dumps, entries, links, rejects),
each holding one Parquet part per chunk of parsed files (`part-00000.parquet`, ...): the parse
step writes a chunk's parts as soon as it is parsed, so no step holds the whole run in memory,
and the land step lets DuckDB read the parts itself.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl

from .parse import ParsedBatch

FRAMES = ("dumps", "entries", "links", "rejects")


class BatchWriter:
    """Writes a batch folder chunk by chunk; a folder left by an earlier attempt is replaced."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.parts = 0
        shutil.rmtree(folder, ignore_errors=True)
        for name in FRAMES:
            (folder / name).mkdir(parents=True, exist_ok=True)

    def write(self, batch: ParsedBatch) -> None:
        """One Parquet part per frame for this chunk."""
        part = f"part-{self.parts:05d}.parquet"
        for name in FRAMES:
            getattr(batch, name).write_parquet(self.folder / name / part)
        self.parts += 1


def part_paths(folder: Path, name: str) -> list[Path]:
    """The Parquet parts of one frame, in the order they were written."""
    return sorted((folder / name).glob("part-*.parquet"))


def read_frame(folder: Path, name: str) -> pl.DataFrame:
    """One frame of the batch, whole: meant for the small ones (dumps)."""
    parts = part_paths(folder, name)
    if not parts:
        raise FileNotFoundError(f"no Parquet parts of {name!r} in {folder}")
    return pl.concat([pl.read_parquet(p) for p in parts])


def read_batch(folder: Path) -> ParsedBatch:
    """The whole batch in memory (tests and small batches; the land step streams the parts)."""
    return ParsedBatch(**{name: read_frame(folder, name) for name in FRAMES})


def prune_batches(parent: Path, keep: int = 5) -> None:
    """Keep the newest batches only: they exist to re-run a step, not as an archive."""
    if not parent.is_dir():
        return
    batches = sorted((p for p in parent.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)
    for old in batches[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
