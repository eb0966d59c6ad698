"""The Dagster instance of `make run` and `make dev`: DAGSTER_HOME/dagster.yaml and the
environment of every process that creates or executes runs.

    python -m orchestration.dagster_home DAGSTER_HOME

writes DAGSTER_HOME/dagster.yaml (the Makefile's rule; `python -m orchestration.run` writes it
too when it is missing). No Dagster import here: the rule costs a Python start, not Dagster's.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

# Set (as defaults) in every process that creates or executes runs: the Makefile exports them,
# orchestration.run sets them, tests/ui_server.py passes them to `dagster dev`.
# - DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS: one ASSET_MATERIALIZATION_PLANNED event
#   per asset carrying the run's partition subset, instead of one event per partition (40 s
#   or more at run creation for 2,000 dumps). The price: Dagster finds in-progress and failed
#   partitions from per-partition planned events only, so the partitions of a running or
#   failed run show as missing, not "in progress"/"failed", in the UI's partition view.
# - DAGSTER_EVENT_BATCH_SIZE: events that Dagster sends as a batch (the materializations of a
#   partitioned step, the planned events of a run) are stored up to this many at a time.
RUN_ENV = {
    "DAGSTER_EMIT_PARTITION_SUBSET_IN_PLANNED_EVENTS": "1",
    "DAGSTER_EVENT_BATCH_SIZE": "1000",
}


def set_run_env() -> None:
    """Give this process RUN_ENV, keeping any value already set."""
    for name, value in RUN_ENV.items():
        os.environ.setdefault(name, value)


def dagster_yaml(home: Path) -> str:
    """The instance config of `make run` and `make dev` for DAGSTER_HOME `home`."""
    event_logs = Path(home).resolve() / "history" / "runs"  # Dagster's default place for them
    return (
        "telemetry:\n"
        "  enabled: false\n"
        "concurrency:\n"
        "  pools:\n"
        # DuckDB allows one writing process per file: see WRITER_POOL.
        "    default_limit: 1\n"
        "event_log_storage:\n"
        # Not __name__, which is __main__ under `python -m`.
        "  module: orchestration.dagster_storage\n"
        "  class: BatchingSqliteEventLogStorage\n"
        "  config:\n"
        f"    base_dir: {json.dumps(str(event_logs))}\n"
    )


def write_dagster_yaml(home: Path) -> Path:
    home = Path(home)
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    target.write_text(dagster_yaml(home), encoding="utf-8")
    return target


def ensure_dagster_yaml(home: Path) -> None:
    """Write DAGSTER_HOME/dagster.yaml when there is none (a run straight after a clone, or
    with a new DAGSTER_HOME); an existing one is the user's or the Makefile's to change."""
    if not (Path(home) / "dagster.yaml").exists():
        write_dagster_yaml(home)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m orchestration.dagster_home DAGSTER_HOME", file=sys.stderr)
        return 2
    print(f"wrote {write_dagster_yaml(Path(args[0]))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
