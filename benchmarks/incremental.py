"""c. Incremental: one dump (the next of the same generated sequence) added to the largest
build that completed, rebuilt; then the time to first answer on the result."""

from __future__ import annotations

import shutil
from pathlib import Path

from .first_answer import time_to_first_answer
from .generate import generate
from .pipeline_build import build
from .progress import log


def add_one_dump(
    size: int,
    base: Path,
    env: dict,
    seed: int,
    vocab,
    max_seconds: float,
    max_rss_mb: float,
    keep: bool,
) -> tuple[dict, dict]:
    """(incremental, time to first answer) for one dump added to the `size`-dump build in
    `base`; the build's folder is removed afterwards unless `keep`."""
    log(f"incremental: one dump added to the {size}-dump build")
    added = generate(base / "dumps", size + 1, seed, first=size, vocabulary=vocab)
    result = build(env, base / "logs", f"incremental_{size}+1", max_seconds, max_rss_mb)
    incremental = {"base_dumps": size, "added": [p.name for p in added.files], **result}
    log(f"incremental: {result['wall_s']} s")
    ttfa = time_to_first_answer(Path(env["PAPERS_WAREHOUSE"]))
    # The published warehouse: with the added dump if the rebuild succeeded.
    ttfa["dumps"] = size + 1 if result["ok"] else size
    if not keep:
        shutil.rmtree(base, ignore_errors=True)
    return incremental, ttfa
