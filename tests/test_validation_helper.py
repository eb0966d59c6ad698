"""The Great Expectations helper process of `make run` (orchestration/quality/validation_helper.py):
it validates exactly as the run's own process would, and it never outlives its use.

Each test starts a real helper (a Python process importing Great Expectations, ~3 s).
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.quality import validation_helper
from orchestration.quality.validation_helper import Request, ValidationHelperError

from .test_validation import (
    CLEAN,
    DUP_TITLE,
    FUTURE_PAPER,
    NO_AUTHORS,
    REJECTED_FILE,
    SHORT_AUDIT,
    add_clean_dumps,
    add_faulty_dumps,
    new_warehouse,
)

pytestmark = pytest.mark.slow

IDS = [*CLEAN, DUP_TITLE, FUTURE_PAPER, NO_AUTHORS, SHORT_AUDIT, REJECTED_FILE]


@pytest.fixture(autouse=True)
def no_helper_left(monkeypatch):
    monkeypatch.delenv("PAPERS_VALIDATION_HELPER", raising=False)
    monkeypatch.delenv("PAPERS_FAULT_AT", raising=False)
    yield
    validation_helper.discard()


@pytest.fixture
def faulty_warehouse(tmp_path: Path) -> Path:
    db = tmp_path / "work.duckdb"
    con = new_warehouse(db)
    add_clean_dumps(con)
    add_faulty_dumps(con)
    con.close()
    return db


def results(db: Path) -> list[tuple]:
    """raw.validation_results without the columns that name the run or its time."""
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(
            "select suite, expectation, column_name, dump_id, success, unexpected_count, "
            "details from raw.validation_results order by all"
        ).fetchall()


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    return state != "Z"


def test_the_helper_validates_as_this_process_does(tmp_path, faulty_warehouse):
    here_db = tmp_path / "here.duckdb"
    shutil.copyfile(faulty_warehouse, here_db)

    validation_helper.start()
    pid = validation_helper.waiting_pid()
    assert pid is not None and pid != os.getpid()
    by_helper = validation_helper.validate(
        faulty_warehouse, IDS, run_id="run-helper", data_docs_dir=tmp_path / "docs"
    )
    assert validation_helper.waiting_pid() is None  # it serves one request
    validation_helper.discard()  # the end of the run: it finishes the Data Docs and is gone
    assert not alive(pid)
    assert by_helper.data_docs_index == tmp_path / "docs" / "index.html"
    assert by_helper.data_docs_index.exists()

    here = validation_helper.validate_here(Request(here_db, IDS, "run-here", None))
    assert not by_helper.success
    assert by_helper.outcomes == here.outcomes
    assert by_helper.dumps_validated == here.dumps_validated
    assert by_helper.failed_dumps() == here.failed_dumps()
    assert results(faulty_warehouse) == results(here_db) != []


def test_without_a_helper_it_validates_here(tmp_path, faulty_warehouse, monkeypatch):
    monkeypatch.setenv("PAPERS_VALIDATION_HELPER", "0")
    validation_helper.start()
    assert validation_helper.waiting_pid() is None
    report = validation_helper.validate(faulty_warehouse, IDS, run_id="r", data_docs_dir=None)
    assert report.failed_dumps().keys() == {DUP_TITLE, FUTURE_PAPER, NO_AUTHORS, SHORT_AUDIT}


def test_a_helper_that_died_before_it_was_asked_is_not_waited_for(faulty_warehouse):
    validation_helper.start()
    pid = validation_helper.waiting_pid()
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    report = validation_helper.validate(faulty_warehouse, IDS, run_id="r", data_docs_dir=None)
    assert report.dumps_validated  # validated here instead
    assert len(results(faulty_warehouse)) > 0


def test_a_helper_killed_while_it_validates_fails_the_call_with_its_status(
    faulty_warehouse, monkeypatch
):
    monkeypatch.setenv("PAPERS_FAULT_AT", "helper:validating")  # the helper inherits it
    validation_helper.start()
    monkeypatch.delenv("PAPERS_FAULT_AT")  # not this process
    with pytest.raises(ValidationHelperError, match=r"exited with status -9 without a report"):
        validation_helper.validate(faulty_warehouse, IDS, run_id="r", data_docs_dir=None)
    assert results(faulty_warehouse) == []  # it died before writing anything


def test_an_unused_helper_is_stopped():
    validation_helper.start()
    pid = validation_helper.waiting_pid()
    assert alive(pid)
    validation_helper.discard()
    assert not alive(pid)
    assert validation_helper.waiting_pid() is None


def test_an_error_in_the_helper_comes_back_as_one_line_and_its_traceback(faulty_warehouse):
    validation_helper.start()
    with pytest.raises(ValidationHelperError) as raised:
        validation_helper.validate(
            faulty_warehouse, [*IDS, "999_missing"], run_id="r", data_docs_dir=None
        )
    first, *rest = str(raised.value).splitlines()
    assert (
        first == "validation failed in the helper: ValueError: dumps not in raw.dumps: 999_missing"
    )
    assert rest[0].startswith("Traceback (most recent call last):")
