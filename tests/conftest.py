"""Shared fixtures: the seed dumps, read once, and isolated warehouses per test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "False")


@pytest.fixture(scope="session")
def seed_files():
    """The seed dumps as DumpFile objects (sidecars included), in file-name order."""
    from orchestration.ingest.discovery import list_dump_paths, read_dump

    return [read_dump(p, SEEDS) for p in list_dump_paths(SEEDS)]


@pytest.fixture(scope="session")
def seed_batch(seed_files):
    from orchestration.ingest.parse import parse_dumps

    return parse_dumps(seed_files)
