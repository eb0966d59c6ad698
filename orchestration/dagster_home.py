"""The Dagster instance of `make run` and `make dev`: DAGSTER_HOME/dagster.yaml.

    python -m orchestration.dagster_home DAGSTER_HOME

writes DAGSTER_HOME/dagster.yaml (the Makefile's rule; `python -m orchestration.run` writes it
too when it is missing). No Dagster import here: the rule costs a Python start, not Dagster's.

Storage is Dagster's SQLite under DAGSTER_HOME, which suits one machine. For a big or shared
instance, point `storage:` at PostgreSQL (dagster-postgres) as Dagster documents; nothing in
the project depends on which storage it is.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def dagster_yaml(home: Path) -> str:
    """The instance config of `make run` and `make dev` for DAGSTER_HOME `home`."""
    history = json.dumps(str(Path(home).resolve() / "history"))
    return (
        "telemetry:\n"
        "  enabled: false\n"
        # One SQLite file for every run's events (Dagster's default keeps one per run plus an
        # index, and commits asset events to both): about a second less of a run over the
        # seeds, which stores ~290 events.
        "event_log_storage:\n"
        "  module: dagster.core.storage.event_log\n"
        "  class: ConsolidatedSqliteEventLogStorage\n"
        "  config:\n"
        f"    base_dir: {history}\n"
        # Where a daemon runs (`make dev`), it notices run workers that died (SIGKILL, OOM,
        # reboot) and marks their runs failed; `make run` does the same for runs of its own
        # kind when it starts (orchestration/operations/dead_runs.py).
        "run_monitoring:\n"
        "  enabled: true\n"
        "  start_timeout_seconds: 180\n"
        "  max_resume_run_attempts: 0\n"
        "  poll_interval_seconds: 30\n"
        # Steps report through Dagster's structured event log (the UI's run page) and
        # `make run` keeps their output in warehouse/logs/last_run.log. Capturing stdout and
        # stderr to files as well (Dagster's default) starts helper processes per run, which
        # print tracebacks of their own on Ctrl-C.
        "compute_logs:\n"
        "  module: dagster.core.storage.noop_compute_log_manager\n"
        "  class: NoOpComputeLogManager\n"
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
