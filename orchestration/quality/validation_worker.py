"""Great Expectations in a process of its own, started when `make run` starts.

Importing Great Expectations takes ~4 s of one core (scipy, pandas, altair, SQLAlchemy), and
a run needs it only at its validation step, after Dagster's start-up, parsing and landing.
`prestart()` launches this module as a child process that imports it at once, on the other
core, then waits; `validate()` hands it the run's dumps, and it validates them with its own
connection to the working database (DuckDB allows one writer: the caller holds none while it
waits) and sends the report back. Without a prestarted worker (the Dagster UI's runs, tests),
`validate()` validates in the calling process, as before.

    python -m orchestration.quality.validation_worker   (started by prestart(), not by hand)
"""

from __future__ import annotations

import atexit
import os
import pickle
import subprocess
import sys
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path

from .validation import ValidationReport, validate_dumps


@dataclass(frozen=True)
class Request:
    work_database: Path
    dump_ids: list[str]
    run_id: str
    data_docs_dir: Path | None


class ValidationWorkerError(RuntimeError):
    """The validation process failed or died; the message carries its traceback or exit."""


_worker: subprocess.Popen | None = None


def prestart(imported_fd: int | None = None) -> None:
    """Start the worker (once per process); it is stopped at exit if nothing used it.
    `imported_fd`: the write end of a pipe, which the worker closes once its imports are done
    (dbt_server waits for it before importing dbt-core on the same core)."""
    global _worker
    if _worker is None:
        fds = () if imported_fd is None else (imported_fd,)
        _worker = subprocess.Popen(
            [sys.executable, "-m", __name__, *map(str, fds)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,  # stdout is the run's summary; errors go to stderr
            pass_fds=fds,
        )
        atexit.register(_stop, _worker)


def _stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.kill()
        worker.wait()


def _take() -> subprocess.Popen | None:
    """The prestarted worker if it is still waiting; each serves one call."""
    global _worker
    worker, _worker = _worker, None
    if worker is not None and worker.poll() is not None:
        return None  # it died before it was needed: validate here instead
    return worker


def validate(
    work_database: Path, dump_ids: list[str], *, run_id: str, data_docs_dir: Path | None
) -> ValidationReport:
    """`validate_dumps` over the working database, in the prestarted worker when there is
    one, else here. The caller must hold no connection to the working database."""
    request = Request(work_database, list(dump_ids), run_id, data_docs_dir)
    worker = _take()
    if worker is None:
        return _validate_here(request)
    with tempfile.TemporaryDirectory(prefix="validation_") as folder:
        result = Path(folder) / "report.pickle"
        try:
            pickle.dump((request, result), worker.stdin)
            worker.stdin.close()
        except BrokenPipeError:
            pass  # it died meanwhile: its exit code says so below
        code = worker.wait()
        if not result.exists():
            raise ValidationWorkerError(
                f"the Great Expectations process exited with code {code} without a report"
            )
        outcome = pickle.loads(result.read_bytes())
    if isinstance(outcome, str):
        raise ValidationWorkerError(f"validation failed in its process:\n{outcome}")
    return outcome


def _validate_here(request: Request) -> ValidationReport:
    # Imported here, not at the top: run.py imports this module before anything heavy.
    from ..landing.land import connect, streaming_memory

    with connect(request.work_database) as con, streaming_memory(con):
        return validate_dumps(
            con, request.dump_ids, run_id=request.run_id, data_docs_dir=request.data_docs_dir
        )


def main() -> int:
    # The imports this process exists for, before waiting for a request.
    import great_expectations  # noqa: F401

    from ..landing import land  # noqa: F401 - DuckDB and Polars, for _validate_here

    for fd in sys.argv[1:]:  # whoever waits for our imports
        os.close(int(fd))

    try:
        request, result = pickle.load(sys.stdin.buffer)
    except EOFError:
        return 0  # the run ended without needing a validation
    try:
        outcome: ValidationReport | str = _validate_here(request)
    except Exception:
        outcome = traceback.format_exc()
    result.write_bytes(pickle.dumps(outcome))
    return 0 if isinstance(outcome, ValidationReport) else 1


if __name__ == "__main__":
    code = main()
    sys.stderr.flush()
    # Without the interpreter's teardown of Great Expectations, pandas and scipy: ~1 s the run
    # would wait for. The report is written and the database closed by now.
    os._exit(code)
