"""Operating it for real: the `make run` command killed, stopped, run twice at once, given bad
dumps, and overlapped by a run launched through the Dagster instance.

Every run here is the real command (`python -m orchestration.run`) in a subprocess with a
session of its own, its own dumps folder, warehouse and DAGSTER_HOME. Kills land at named
points inside each step (orchestration/landing/faults.py); every wait is time-boxed.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from orchestration.dagster_home import write_dagster_yaml

from .conftest import ROOT, SEEDS
from .processes import commands_in_group, living_in_group

pytestmark = pytest.mark.slow

RUN = [sys.executable, "-m", "orchestration.run"]
TIMEOUT = 300

# Seed 004 without its date's year context: listed "Dec 22" with papers printed up to 2025,
# so the year rule would put its capture on 2026-12-22, after the file was saved.
CONTRADICTORY = (
    "Daily Papers\n\nbyAK and the research community\n\nDec 22\n\n"
    "A Paper From Before\n\nAn abstract about things.\n\n  • 2 authors\n·\nMar 3, 2025\n\n"
    "Another Paper Here\n\nMore abstract text.\n\n  • 3 authors\n·\nApr 4, 2025\n"
)
# Captured on Jan 8, 2026 (its sidecar says 2026) yet listing a paper published in March.
FROM_THE_FUTURE = (
    "Daily Papers\n\nbyAK and the research community\n\nJan 8\n\n"
    "From the Future\n\nAn abstract.\n\n  • 2 authors\n·\nMar 3, 2026\n"
)


@dataclass
class Workspace:
    root: Path

    @property
    def dumps(self) -> Path:
        return self.root / "dumps"

    @property
    def published(self) -> Path:
        return self.root / "warehouse" / "papers.duckdb"

    @property
    def home(self) -> Path:
        return self.root / "dagster_home"

    def env(self, **extra: str) -> dict[str, str]:
        env = dict(os.environ)
        for name in ("PAPERS_FAULT_AT", "PAPERS_FAULT_KILL", "PAPERS_WORK_DATABASE"):
            env.pop(name, None)
        env.update(
            PAPERS_DUMPS_DIR=str(self.dumps),
            PAPERS_WAREHOUSE=str(self.published),
            DAGSTER_HOME=str(self.home),
            GX_ANALYTICS_ENABLED="False",
            DBT_SEND_ANONYMOUS_USAGE_STATS="False",
        )
        env.update(extra)
        return env

    def start(self, **extra: str) -> subprocess.Popen:
        return subprocess.Popen(
            RUN,
            cwd=ROOT,
            env=self.env(**extra),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )

    def run(self, **extra: str) -> subprocess.CompletedProcess:
        process = self.start(**extra)
        try:
            out, err = process.communicate(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
        return subprocess.CompletedProcess(RUN, process.returncode, out, err)

    def runs(self) -> list:
        """(run_id, status name) of every run on the workspace's instance, newest first."""
        code = (
            "import dagster as dg\n"
            "for r in dg.DagsterInstance.get().get_runs():\n"
            "    print(r.run_id, r.status.value)\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", code],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return [tuple(line.split()) for line in done.stdout.splitlines()]


def make_workspace(root: Path, extra_dumps: dict[str, str] | None = None) -> Workspace:
    space = Workspace(root)
    shutil.copytree(SEEDS, space.dumps)
    for name, text in (extra_dumps or {}).items():
        (space.dumps / name).write_text(text, encoding="utf-8")
    write_dagster_yaml(space.home)
    return space


def marts(path: Path) -> dict[str, list]:
    """Every marts table of a published snapshot, its rows sorted."""
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables "
                "where table_schema = 'marts' order by 1"
            ).fetchall()
        ]
        return {
            table: sorted(con.execute(f"select * from marts.{table}").fetchall(), key=repr)
            for table in tables
        }


def wait_until(predicate, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


def dbt_running_in(pgid: int) -> bool:
    """A dbt process of the process group is at work."""
    return any("bin/dbt build" in command for command in commands_in_group(pgid))


@pytest.fixture(scope="module")
def clean_build(tmp_path_factory) -> dict[str, list]:
    """The marts of one uninterrupted run over the seeds."""
    space = make_workspace(tmp_path_factory.mktemp("clean"))
    done = space.run()
    assert done.returncode == 0, done.stdout + done.stderr
    return marts(space.published)


# Each step, a point inside it, and whether the whole process group dies (a `kill -9` of the
# command) or the run's process alone (the OOM killer), leaving dbt to the next run.
KILL_POINTS = [
    ("parse", "group"),
    # The run's process alone, early: its Great Expectations helper must end by itself.
    ("parse", "process"),
    ("land:before_commit", "group"),
    ("validate", "group"),
    ("dbt", "process"),
    ("publish:before_rename", "group"),
]


@pytest.mark.parametrize(("point", "kill"), KILL_POINTS, ids=[f"{p}-{k}" for p, k in KILL_POINTS])
def test_a_killed_run_never_wedges_the_next(tmp_path, clean_build, point, kill):
    space = make_workspace(tmp_path)
    killed = space.start(PAPERS_FAULT_AT=point, PAPERS_FAULT_KILL=kill)
    killed.communicate(timeout=TIMEOUT)
    assert killed.returncode == -signal.SIGKILL
    assert not space.published.exists()  # nothing was published

    again = space.run()
    assert again.returncode == 0, again.stdout + again.stderr
    assert "result:    OK" in again.stdout
    assert "Traceback" not in again.stdout + again.stderr
    runs = dict(space.runs())
    killed_run = [run_id for run_id, status in runs.items() if status == "FAILURE"]
    assert len(killed_run) == 1 and list(runs.values()).count("SUCCESS") == 1
    assert f"found run {killed_run[0][:8]}" in again.stderr
    assert marts(space.published) == clean_build
    # Nothing of the killed run lives on: not its dbt, not anything it started.
    wait_until(lambda: not living_in_group(killed.pid), 15, "the killed run's processes to end")


def test_a_helper_killed_while_it_validates_fails_the_run_and_the_next_catches_up(
    tmp_path, clean_build
):
    """make run's Great Expectations helper (quality/validation_helper.py) killed as the OOM
    killer would, while it validates: one line says so, nothing is published, no process is
    left, and the next run validates the same dumps and publishes."""
    space = make_workspace(tmp_path)
    failed = space.run(PAPERS_FAULT_AT="helper:validating")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    (line,) = [line for line in failed.stdout.splitlines() if line.startswith("step failed")]
    assert line.startswith("step failed: great_expectations_suites: ")
    assert "the Great Expectations helper (pid " in line
    assert line.endswith("exited with status -9 without a report")
    assert "Traceback" not in failed.stdout + failed.stderr
    assert not space.published.exists()
    assert [status for _, status in space.runs()] == ["FAILURE"]

    again = space.run()
    assert again.returncode == 0, again.stdout + again.stderr
    assert "validated: 7 dumps; 182 expectation results passed, 0 failed" in again.stdout
    assert marts(space.published) == clean_build


def test_two_runs_at_once_take_turns(tmp_path, clean_build):
    space = make_workspace(tmp_path)
    first = space.start()
    time.sleep(1.0)
    second = space.start()
    outputs = [process.communicate(timeout=TIMEOUT) for process in (first, second)]
    assert [first.returncode, second.returncode] == [0, 0], outputs
    for out, err in outputs:
        assert "Traceback" not in out + err
        assert "result:    OK" in out
    waited = [err for _, err in outputs if "waiting for run" in err]
    assert len(waited) == 1 and "to release" in waited[0] and "papers.duckdb" in waited[0]
    assert sorted(status for _, status in space.runs()) == ["SUCCESS", "SUCCESS"]
    assert marts(space.published) == clean_build


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_stopped_during_dbt(tmp_path, signum):
    space = make_workspace(tmp_path)
    running = space.start()
    wait_until(lambda: dbt_running_in(running.pid), 120, "dbt to start")
    time.sleep(1.0)
    stopped_at = time.monotonic()
    if signum == signal.SIGINT:
        os.killpg(running.pid, signum)  # Ctrl-C reaches the terminal's whole process group
    else:
        os.kill(running.pid, signum)  # a service manager or `kill` signals the command
    out, err = running.communicate(timeout=60)
    took = time.monotonic() - stopped_at
    assert running.returncode == 130, out + err
    assert took < 15, f"took {took:.1f} s to stop"
    assert "stopped: the run is marked canceled" in out
    assert "Traceback" not in out + err
    assert [status for _, status in space.runs()] == ["CANCELED"]
    assert not space.published.exists()
    wait_until(lambda: not living_in_group(running.pid), 15, "dbt to end with the run")

    again = space.run()
    assert again.returncode == 0, again.stdout + again.stderr


def test_bad_dumps_are_quarantined_and_the_rest_published(tmp_path, clean_build):
    space = make_workspace(
        tmp_path, {"contradictory.txt": CONTRADICTORY, "future.txt": FROM_THE_FUTURE}
    )
    (space.dumps / "future.txt.meta.json").write_text('{"capture_year": 2026}')
    # Saved on 2026-12-05: the printed years push "Dec 22" to 2026-12-22.
    saved = time.mktime((2026, 12, 5, 12, 0, 0, 0, 0, -1))
    os.utime(space.dumps / "contradictory.txt", (saved, saved))
    done = space.run()
    assert done.returncode == 3, done.stdout + done.stderr
    assert "result:    OK, 2 dumps quarantined (exit status 3)" in done.stdout
    assert "dumps:     7 loaded, 2 quarantined, 0 rejected whole" in done.stdout
    assert (
        "quarantined 'contradictory.txt': capture date would be after the file was saved "
        "(contradictory.txt: saved_on=2026-12-05, inferred_captured_on=2026-12-22)"
    ) in done.stdout
    assert "quarantined 'future.txt'" in done.stdout and "published_on=2026-03-03" in done.stdout
    # The good dumps were built and published as if the bad ones were not there.
    assert marts(space.published) == clean_build
    with duckdb.connect(str(space.published), read_only=True) as con:
        rows = con.execute(
            "select file_name, quarantine_reasons from audit.dumps "
            "where status = 'quarantined' order by 1"
        ).fetchall()
    assert [name for name, _ in rows] == ["contradictory.txt", "future.txt"]
    assert "dumps.expect_column_pair_values_a_to_be_greater_than_b" in rows[0][1]
    assert "entries.expect_column_pair_values_a_to_be_greater_than_b" in rows[1][1]

    # Fixed bytes are tried again: the paper's date now precedes the capture.
    (space.dumps / "future.txt").write_text(
        FROM_THE_FUTURE.replace("Mar 3, 2026", "Jan 3, 2026"), encoding="utf-8"
    )
    fixed = space.run()
    assert fixed.returncode == 3, fixed.stdout + fixed.stderr
    assert "dumps:     8 loaded, 1 quarantined, 0 rejected whole" in fixed.stdout

    # A sidecar written after the load is tried again too: the capture year given by hand
    # puts "Dec 22" in 2025, before the file was saved.
    (space.dumps / "contradictory.txt.meta.json").write_text('{"capture_year": 2025}')
    settled = space.run()
    assert settled.returncode == 0, settled.stdout + settled.stderr
    assert "dumps:     9 loaded, 0 quarantined, 0 rejected whole" in settled.stdout


def test_a_quarantined_dump_whose_file_is_removed_is_let_go(tmp_path, clean_build):
    space = make_workspace(tmp_path, {"future.txt": FROM_THE_FUTURE})
    (space.dumps / "future.txt.meta.json").write_text('{"capture_year": 2026}')
    assert space.run().returncode == 3
    (space.dumps / "future.txt").unlink()
    (space.dumps / "future.txt.meta.json").unlink()
    after = space.run()
    assert after.returncode == 0, after.stdout + after.stderr
    assert "dumps:     7 loaded, 0 quarantined, 0 rejected whole" in after.stdout
    assert marts(space.published) == clean_build


def test_a_run_launched_through_the_instance_waits_for_make_run(tmp_path):
    """As the sensor or the UI does: the instance launches the run in a process of its own
    (here without a daemon: the default run coordinator launches at once)."""
    space = make_workspace(tmp_path)
    with (space.home / "dagster.yaml").open("a", encoding="utf-8") as config:
        config.write(
            "run_coordinator:\n  module: dagster.core.run_coordinator\n"
            "  class: DefaultRunCoordinator\n"
        )
    holder = space.start()
    lock = space.published.parent / "work" / "papers.duckdb.lock"
    wait_until(lambda: lock.exists() and lock.stat().st_size > 0, 120, "make run's lock")
    launch = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "dagster"), "job", "launch"]
        + ["-m", "orchestration.definitions", "-j", "build_warehouse"],
        cwd=ROOT,
        env=space.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert launch.returncode == 0, launch.stdout + launch.stderr
    out, err = holder.communicate(timeout=TIMEOUT)
    assert holder.returncode == 0, out + err

    def both_ended() -> bool:
        statuses = [status for _, status in space.runs()]
        return len(statuses) == 2 and all(s in ("SUCCESS", "FAILURE") for s in statuses)

    wait_until(both_ended, TIMEOUT, "the launched run to end")
    assert [status for _, status in space.runs()] == ["SUCCESS", "SUCCESS"]
    launched = space.runs()[0][0]
    code = (
        "import sys, dagster as dg\n"
        "logs = dg.DagsterInstance.get().all_logs(sys.argv[1])\n"
        "print('\\n'.join(e.user_message for e in logs))\n"
    )
    messages = subprocess.run(
        [sys.executable, "-c", code, launched],
        env=space.env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    assert "waiting for run" in messages and "to release" in messages


def test_nothing_to_build_is_one_line_and_exit_2(tmp_path):
    space = make_workspace(tmp_path)
    shutil.rmtree(space.dumps)
    missing = space.run()
    assert missing.returncode == 2, missing.stdout + missing.stderr
    assert missing.stdout.strip() == (
        f"dumps folder {space.dumps} does not exist (set PAPERS_DUMPS_DIR): nothing to build"
    )
    space.dumps.mkdir()
    (space.dumps / ".DS_Store").write_bytes(b"\0")  # hidden files are not dumps
    started = space.start()
    out, err = started.communicate(timeout=TIMEOUT)
    assert started.returncode == 2, out + err
    assert out.strip() == f"no dump files in {space.dumps}: nothing to build"
    assert "Traceback" not in missing.stderr + err
    assert not space.published.exists() and space.runs() == []
    # The Great Expectations helper started with the run is not left behind.
    wait_until(lambda: not living_in_group(started.pid), 15, "the helper to end")


def test_a_run_that_waits_past_the_limit_gives_up_with_one_line(tmp_path, clean_build):
    space = make_workspace(tmp_path)
    holder = space.start()
    lock = space.published.parent / "work" / "papers.duckdb.lock"
    wait_until(lambda: lock.exists() and lock.stat().st_size > 0, 120, "the first run's lock")
    gave_up = space.run(PAPERS_WAIT_LIMIT_SECONDS="1")
    assert gave_up.returncode == 2, gave_up.stdout + gave_up.stderr
    assert "waiting for run" in gave_up.stderr
    assert (
        f"{space.published.parent / 'work' / 'papers.duckdb'} stayed busy for 1 s "
        "(PAPERS_WAIT_LIMIT_SECONDS): giving up"
    ) in gave_up.stdout
    assert "Traceback" not in gave_up.stdout + gave_up.stderr
    out, err = holder.communicate(timeout=TIMEOUT)
    assert holder.returncode == 0, out + err
    assert marts(space.published) == clean_build
