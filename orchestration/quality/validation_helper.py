"""Great Expectations imported ahead of time, in the one helper process `make run` starts.

Importing Great Expectations costs ~2.2 s of one core here (scipy, pandas, altair,
SQLAlchemy), and a run needs it only at its validation step, ~4 s in, after Dagster's
start-up, parsing and landing. `start()`, the first thing `python -m orchestration.run` does,
launches this module as a process that imports it on the other core and then waits for one
request on its stdin. The validation step hands it the dumps (`validate`); it validates them
with its own connection to the working database (the step holds none meanwhile: DuckDB allows
one writer), closes it, sends the report back on its stdout, and then builds the Data Docs
site while the run goes on to dbt. On the seeds this takes the step from ~2.6 s to ~0.6 s
(docs/validation.md has the side-by-side figures).

It dies with the run: it ends after its one request and the Data Docs (the run waits for them
at its end); the run stops it at its end when it was not asked; when the run dies its stdin
closes and it ends once its import is done; and the run records it in the warehouse lock, so
a run after a crash stops it if it still lives. Runs started elsewhere (the Dagster UI, the
tests' in-process runs) have no helper and validate in their own process, as does a run with
PAPERS_VALIDATION_HELPER=0.

    python -m orchestration.quality.validation_helper   (started by start(), not by hand)
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..landing.faults import fault_point

if TYPE_CHECKING:  # this module is imported before anything heavy: no Great Expectations here
    from .reporting import ValidationReport


@dataclass(frozen=True)
class Request:
    work_database: Path
    dump_ids: list[str]
    run_id: str
    data_docs_dir: Path | None


class ValidationHelperError(RuntimeError):
    """The helper failed or died; the message carries its traceback or its exit status."""


_helper: subprocess.Popen | None = None  # started, waiting for its request
_building_docs: subprocess.Popen | None = None  # replied, building the Data Docs


def enabled() -> bool:
    setting = os.environ.get("PAPERS_VALIDATION_HELPER", "1").strip().lower()
    return setting not in ("0", "false", "no")


def start() -> None:
    """Start the helper (once per process, when enabled)."""
    global _helper
    if _helper is None and enabled():
        _helper = subprocess.Popen(
            [sys.executable, "-m", __name__],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,  # the report; its stderr is the run's
        )


def waiting_pid() -> int | None:
    """The pid of the helper while it waits for its request (for the warehouse lock)."""
    return _helper.pid if _helper is not None and _helper.poll() is None else None


def validate(
    work_database: Path, dump_ids: list[str], *, run_id: str, data_docs_dir: Path | None
) -> ValidationReport:
    """`validate_dumps` over the working database: in the helper when one waits, else here.
    The caller must hold no connection to the working database."""
    global _helper, _building_docs
    request = Request(Path(work_database), list(dump_ids), run_id, data_docs_dir)
    helper, _helper = _helper, None  # it serves one request
    if helper is None or helper.poll() is not None:
        return validate_here(request)
    reply = b""
    try:
        try:
            helper.stdin.write(pickle.dumps(request))
            helper.stdin.close()
            # Its report, then end of file: it has closed the database by then, and goes on
            # to build the Data Docs while the run goes on to dbt.
            reply = helper.stdout.read()
        except BrokenPipeError:
            pass  # it died meanwhile: its exit status says so below
        if not reply:
            helper.wait()
    except BaseException:
        stop(helper)  # interrupted while it validates: it must not outlive the step
        raise
    if not reply:
        raise ValidationHelperError(
            f"the Great Expectations helper (pid {helper.pid}) exited with status "
            f"{helper.returncode} without a report"
        )
    _building_docs = helper
    outcome = pickle.loads(reply)
    if isinstance(outcome, str):  # its traceback: the error on the first line, then all
        error = outcome.strip().splitlines()[-1]
        raise ValidationHelperError(f"validation failed in the helper: {error}\n{outcome}")
    return outcome


def discard(docs_seconds: float = 60.0) -> None:
    """At the end of a run: stop the helper if nothing asked it to validate (the run ended
    early or failed), and give one that builds the Data Docs up to `docs_seconds` to end."""
    global _helper, _building_docs
    unused, _helper = _helper, None
    if unused is not None:
        stop(unused)
    building, _building_docs = _building_docs, None
    if building is not None:
        try:
            building.wait(timeout=docs_seconds)
        except subprocess.TimeoutExpired:
            stop(building)


def stop(helper: subprocess.Popen) -> None:
    if helper.poll() is None:
        helper.kill()
        helper.wait()


def validate_here(request: Request) -> ValidationReport:
    """Validate in this process, Data Docs included."""
    report, build_data_docs = validate_here_docs_later(request)
    build_data_docs()
    return report


def validate_here_docs_later(request: Request) -> tuple[ValidationReport, Callable[[], None]]:
    """Validate in this process, as the helper does: the report (the database closed by
    then), and the function that builds the Data Docs."""
    # Imported here, not at the top: run.py imports this module before anything heavy.
    from ..landing.land import connect
    from .validation import validate_dumps_docs_later

    with connect(request.work_database) as con:
        return validate_dumps_docs_later(
            con, request.dump_ids, run_id=request.run_id, data_docs_dir=request.data_docs_dir
        )


def main() -> int:
    # The report goes to the real stdout; anything a library prints goes to stderr instead.
    report_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    # Ctrl-C of the whole group stops it too, even when the run was started with it ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)

    import great_expectations  # noqa: F401 - the import this process exists for

    from ..landing import land  # noqa: F401 - DuckDB and Polars, for validate_here
    from . import validation  # noqa: F401

    try:
        request = pickle.load(sys.stdin.buffer)
    except EOFError:
        return 0  # the run ended without asking
    fault_point("helper:validating")  # the tests' SIGKILL of this process as it validates
    build_data_docs = None
    try:
        outcome: ValidationReport | str
        outcome, build_data_docs = validate_here_docs_later(request)
    except Exception:
        outcome = traceback.format_exc()
    report_out.write(pickle.dumps(outcome))
    report_out.close()
    if build_data_docs is not None:
        try:
            build_data_docs()  # off the run's path: the run reads none of it
        except Exception as error:
            print(f"Great Expectations Data Docs not built: {error}", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    code = main()
    sys.stderr.flush()
    # No teardown of Great Expectations, pandas and scipy (~1 s the step would wait for): the
    # report is sent and the database closed by now.
    os._exit(code)
