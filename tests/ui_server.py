"""The Dagster UI (`dagster dev`) on a loopback port, over an isolated copy of the seeds.

Used by test_ui_browser.py. Everything the server writes goes under one temporary folder:
the dumps (a copy of seeds/), the warehouse, and DAGSTER_HOME. The server runs in a process
group of its own, and `stop()` always ends the whole group, whatever state it is in.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from .processes import living_in_group

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
BIN = ROOT / ".venv" / "bin"
HOST = "127.0.0.1"  # loopback only, never another address
# `dagster dev -m MODULE` names the code location after the module.
LOCATION = "orchestration.definitions"
SENSOR = "new_dumps_sensor"

ANSI = re.compile(r"\x1b\[[0-9;]*m")
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} - ")

# `dagster dev` shuts its services down on SIGINT. A process started in the background of a
# non-interactive shell inherits SIGINT ignored (and dagster maps SIGTERM to the same
# handler), so the server is started through this, which puts SIGINT back to its default.
DEFAULT_SIGINT_EXEC = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


@dataclass
class DagsterUI:
    """A prepared environment and, once started, the `dagster dev` process serving it."""

    root: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def dumps(self) -> Path:
        return self.root / "dumps"

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse" / "papers.duckdb"

    @property
    def home(self) -> Path:
        return self.root / "dagster_home"

    @property
    def log_path(self) -> Path:
        return self.root / "dagster_dev.log"

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        # As `make dev` does: dagster-dbt finds this environment's dbt on PATH.
        env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
        env.pop("PAPERS_WORK_DATABASE", None)  # beside the temporary warehouse
        env.update(
            PAPERS_DUMPS_DIR=str(self.dumps),
            PAPERS_WAREHOUSE=str(self.warehouse),
            DAGSTER_HOME=str(self.home),
            GX_ANALYTICS_ENABLED="False",
            DBT_SEND_ANONYMOUS_USAGE_STATS="False",
            DO_NOT_TRACK="1",
            PYTHONUNBUFFERED="1",
        )
        return env

    # -- set-up ---------------------------------------------------------------------------

    def prepare(self) -> None:
        """Copy the seeds, write dagster.yaml (as `make dev` does) and stop the dumps sensor
        (it is on by default and would start runs of its own)."""
        from orchestration.dagster_home import write_dagster_yaml

        shutil.copytree(SEEDS, self.dumps)
        self.warehouse.parent.mkdir(parents=True)
        self.home.mkdir(parents=True)
        write_dagster_yaml(self.home)
        # The UI's one-time "Join the Dagster community" dialog is skipped on an instance
        # that has this file; it would cover the page on a fresh DAGSTER_HOME.
        (self.home / ".nux").mkdir()
        (self.home / ".nux" / "nux.yaml").write_text("seen: 1\n", encoding="utf-8")
        self._run_cli(["sensor", "stop", SENSOR, "-m", LOCATION], timeout=180)

    def _run_cli(self, args: list[str], timeout: float) -> None:
        done = subprocess.run(
            [str(BIN / "dagster"), *args],
            cwd=ROOT,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"dagster {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
            )

    # -- the server -----------------------------------------------------------------------

    def start(self, timeout: float = 120) -> None:
        """Start `dagster dev` (webserver, daemon, code server) and wait until it answers."""
        log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [
                str(BIN / "python"),
                "-c",
                DEFAULT_SIGINT_EXEC,
                str(BIN / "dagster"),
                "dev",
                "-m",
                LOCATION,
                "-h",
                HOST,
                "-p",
                str(self.port),
            ],
            cwd=ROOT,
            env=self.env(),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, ended as a whole in stop()
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"dagster dev exited with {self.process.returncode} before answering\n"
                    + self.log_tail()
                )
            if self._answers():
                return
            time.sleep(0.5)
        raise RuntimeError(
            f"dagster dev did not answer on {self.url}/server_info within {timeout:.0f} s\n"
            + self.log_tail()
        )

    def _answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/server_info", timeout=2) as response:
                return response.status == 200 and b"dagster_webserver_version" in response.read()
        except (OSError, urllib.error.URLError):
            return False

    def stop(self) -> None:
        """Ask `dagster dev` to shut down its services, then end whatever is left of its
        process group (run workers included)."""
        process = self.process
        if process is None:
            return
        pgid = process.pid  # start_new_session: the leader's pid is the group id
        if process.poll() is None:
            process.send_signal(signal.SIGINT)  # like Ctrl-C: it stops webserver and daemon
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=20)
        for sig, grace in ((signal.SIGTERM, 5), (signal.SIGKILL, 5)):
            if not living_in_group(pgid):
                break
            try:
                os.killpg(pgid, sig)
            except ProcessLookupError:
                break
            deadline = time.monotonic() + grace
            while living_in_group(pgid) and time.monotonic() < deadline:
                time.sleep(0.2)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=5)
        self.process = None

    def log_tail(self, lines: int = 60) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return "(no dagster dev log)"
        kept: list[str] = []
        repeats = 0
        for line in (ANSI.sub("", line) for line in text.splitlines()):
            # The same message again and again (a warning per request) is shown once.
            if kept and TIMESTAMP.sub("", line) == TIMESTAMP.sub("", kept[-1]):
                repeats += 1
                continue
            if repeats:
                kept.append(f"    (the line above {repeats} more times)")
                repeats = 0
            kept.append(line)
        if repeats:
            kept.append(f"    (the line above {repeats} more times)")
        tail = "\n".join(kept[-lines:])
        return f"--- end of {self.log_path} ---\n{tail}"
