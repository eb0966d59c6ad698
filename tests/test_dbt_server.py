"""The prestarted dbt server (orchestration/transform/dbt_server.py) and its client: dbt
commands through them behave as the real `dbt` does, and without a server the client falls
back to the real one."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from orchestration import settings
from orchestration.transform import dbt_server

CLIENT = [sys.executable, "-I", "-S", str(dbt_server.CLIENT)]


@pytest.fixture
def server(monkeypatch):
    """A server of this test's own: the client script and the server's socket."""
    dbt_server.stop()
    dbt_server.prestart()
    executable = dbt_server.dbt_executable()
    yield executable, str(Path(executable).with_name("socket"))
    dbt_server.stop()
    assert not Path(executable).parent.exists()


def dbt(command: list[str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=settings.DBT_PROJECT_DIR,
        env={**os.environ, "DBT_PROFILES_DIR": str(settings.DBT_PROJECT_DIR)},
    )


@pytest.mark.parametrize("args", [["--help"], ["no-such-command"]])
def test_the_client_runs_dbt_as_the_real_dbt_does(server, args):
    """Output, errors and exit code as the real dbt's: help (0), a usage error (2, click's
    message on stderr under the name `dbt`)."""
    executable, _socket = server
    assert executable != dbt_server.real_dbt()
    real = dbt([dbt_server.real_dbt()], *args)
    served = dbt([executable], *args)
    assert (served.returncode, served.stdout, served.stderr) == (
        real.returncode,
        real.stdout,
        real.stderr,
    )
    assert real.returncode == (0 if args == ["--help"] else 2)
    assert "Usage: dbt [OPTIONS]" in served.stdout + served.stderr


def test_the_server_runs_one_command_not_the_real_dbt(server):
    """With a real-dbt path that does not exist, only the server can answer, and it answers
    once: the second command finds no server and the real dbt is missing."""
    _executable, socket = server
    done = dbt([*CLIENT, socket, "/nonexistent/dbt"], "ls", "--resource-type", "seed")
    assert done.returncode == 0, done.stderr
    assert "hf_papers.topic_taxonomy" in done.stdout
    again = dbt([*CLIENT, socket, "/nonexistent/dbt"], "ls", "--resource-type", "seed")
    assert again.returncode != 0
    assert "FileNotFoundError" in again.stderr


def test_no_server_where_temporary_files_cannot_run(monkeypatch):
    class NoExec:
        f_flag = os.ST_NOEXEC

    dbt_server.stop()
    monkeypatch.setattr(dbt_server.os, "statvfs", lambda _path: NoExec())
    dbt_server.prestart()
    assert dbt_server.dbt_executable() == dbt_server.real_dbt()


def test_without_a_server_the_client_runs_the_real_dbt(tmp_path):
    done = dbt([*CLIENT, str(tmp_path / "no-socket"), dbt_server.real_dbt()], "--help")
    assert done.returncode == 0
    assert "Usage: dbt [OPTIONS]" in done.stdout
    done = dbt([*CLIENT, str(tmp_path / "no-socket"), "/nonexistent/dbt"], "--help")
    assert done.returncode != 0  # nothing to fall back to: the exec fails


OWNER = """
import os, signal, sys
from orchestration.transform import dbt_server
dbt_server.prestart()
print(dbt_server.dbt_executable(), flush=True)
if sys.argv[1] == "killed":
    os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.parametrize("end", ["exits", "killed"])
def test_the_server_stops_with_the_process_that_started_it(end):
    done = subprocess.run([sys.executable, "-c", OWNER, end], capture_output=True, text=True)
    folder = Path(done.stdout.strip()).parent
    assert folder.name.startswith("dbt_server_"), done.stderr
    # Killed, the owner removes nothing: the server sees its stdin close and leaves.
    server = subprocess.run(["pgrep", "-f", str(folder)], capture_output=True, text=True)
    for pid in server.stdout.split():
        try:
            os.waitpid(int(pid), 0)  # not our child: fall through to polling
        except ChildProcessError:
            _wait_gone(int(pid))
    assert not folder.exists()


def _wait_gone(pid: int, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    raise AssertionError(f"the dbt server {pid} is still running after {seconds} s")
