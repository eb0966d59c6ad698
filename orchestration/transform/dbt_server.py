"""dbt-core imported ahead of the dbt step, in a process of its own that forks the run's dbt
command.

A dbt process spends ~2 s of one core importing dbt-core before it does anything, and a run
starts dbt only after Dagster's start-up, parsing, landing and validation. `prestart()` binds
a Unix socket and launches this module as a server that imports dbt-core at once, on the
other core, then accepts on it. dagster-dbt is then given `dbt_client.py` as its dbt
executable: the client hands the server its arguments, working folder, environment and
standard streams; the server forks, and the child runs dbt's own command line with them,
exactly as the `dbt` script would (atexit handlers, such as dbt-duckdb closing its
connections, included). The client relays interrupts to the child and exits with its exit
code. When there is no server, or it is gone, the client runs the environment's real `dbt`
in its place.

The server imports only what starts no thread (dbt-core, not DuckDB or Polars): a forked child
has only the thread that forked it. It serves one command, the run's build, and exits (a second
command, a retry, runs the real dbt); unused, it exits with the process that started it (its
standard input closes).

    python -m orchestration.transform.dbt_server SOCKET LISTENER_FD [WAIT_FD]
                                                (started by prestart(), not by hand)
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import json
import os
import selectors
import shlex
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

CLIENT = Path(__file__).with_name("dbt_client.py")
# What the server imports before it accepts a command: what every dbt command imports first.
WARM_MODULES = ("dbt.cli.main", "dbt.task.build", "dbt.parser.manifest")
MAX_REQUEST = 16 * 1024 * 1024  # arguments and environment, as JSON

_executable: str | None = None
_server: tuple[subprocess.Popen, Path] | None = None


def real_dbt() -> str:
    """The dbt of this environment, not whichever `dbt` is first on PATH."""
    return str(Path(sys.executable).with_name("dbt"))


def prestart(wait_fd: int | None = None) -> None:
    """Start the server (once per process) and make `dbt_executable()` the client; the server
    and its folder are removed when this process exits. Nothing is started where temporary
    files cannot be executed (a noexec /tmp): dbt then runs as usual.

    `wait_fd`: the read end of a pipe the server waits on, until every write end is closed,
    before its imports (so that two prestarted processes import one after the other on the
    same core, not side by side)."""
    global _executable, _server
    if _executable is not None:
        return
    folder = Path(tempfile.mkdtemp(prefix="dbt_server_"))
    if os.statvfs(folder).f_flag & os.ST_NOEXEC:  # the client script could not run from it
        folder.rmdir()
        return
    address = folder / "socket"
    # Listening before the server starts: a client that comes early waits in the backlog.
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(address))
    listener.listen(8)
    fds = (listener.fileno(),) if wait_fd is None else (listener.fileno(), wait_fd)
    server = subprocess.Popen(
        [sys.executable, "-m", __name__, str(address), *map(str, fds)],
        pass_fds=fds,
        stdin=subprocess.PIPE,  # closed when we exit: the server's cue to stop
        stdout=subprocess.DEVNULL,  # stdout is the run's summary; errors go to stderr
    )
    executable = folder / "dbt"
    executable.write_text(
        "#!/bin/sh\n"
        + shlex.join([sys.executable, "-I", "-S", str(CLIENT), str(address), real_dbt()])
        + ' "$@"\n'
    )
    executable.chmod(0o755)
    listener.close()
    atexit.register(stop)
    _executable = str(executable)
    _server = (server, folder)


def stop() -> None:
    """Stop the prestarted server, if any, and remove its folder; dbt then runs as usual."""
    global _executable, _server
    if _server is not None:
        server, folder = _server
        if server.poll() is None:
            server.kill()
            server.wait()
        shutil.rmtree(folder, ignore_errors=True)
    _executable, _server = None, None


def dbt_executable() -> str:
    """What dagster-dbt should run as `dbt`: the client of a prestarted server, else the real
    dbt."""
    return _executable or real_dbt()


def _read_request(conn: socket.socket) -> tuple[dict, list[int]]:
    """The client's request: a length, JSON, and its standard streams as file descriptors."""
    head, fds, _flags, _address = socket.recv_fds(conn, 4, 3)
    if len(head) < 4 or len(fds) != 3:
        raise ValueError("incomplete request")
    (size,) = struct.unpack("!I", head)
    if size > MAX_REQUEST:
        raise ValueError(f"request of {size} bytes")
    body = bytearray()
    while len(body) < size:
        chunk = conn.recv(size - len(body))
        if not chunk:
            raise ValueError("request cut short")
        body += chunk
    return json.loads(body), fds


def _run_dbt(request: dict, fds: list[int], conn: socket.socket, listener: socket.socket) -> None:
    """In the forked child: become the dbt process the client stands for, tell the client our
    pid and, at the very end, our exit code; never return."""
    code = 1
    try:
        listener.close()
        for target, fd in zip((0, 1, 2), fds, strict=True):
            os.dup2(fd, target)
            os.close(fd)
        with contextlib.suppress(OSError):  # if the client is gone, dbt still runs, as it would
            conn.sendall(f"{os.getpid()}\n".encode())
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        from dbt.cli.main import cli

        sys.argv = [request["dbt"], *request["args"]]
        try:
            cli.main(prog_name="dbt")  # click's standalone mode: always ends in SystemExit
            code = 0
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        except KeyboardInterrupt:
            code = 130
    except BaseException:  # noqa: BLE001 - reported on the client's stderr, then exit 1
        import traceback

        traceback.print_exc()
    finally:
        # What the interpreter does on exit, minus tearing itself down; the exit code last,
        # once every output is flushed and dbt-duckdb has closed the database.
        atexit._run_exitfuncs()
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):  # the reader may be gone
                stream.flush()
        with contextlib.suppress(OSError):
            conn.sendall(f"{code}\n".encode())
        os._exit(code)


def _serve_one(conn: socket.socket, listener: socket.socket) -> bool:
    """Fork a child for the client's command; False for a request that could not be read."""
    try:
        request, fds = _read_request(conn)
    except (OSError, ValueError) as error:
        print(f"dbt server: bad request: {error}", file=sys.stderr)
        return False
    sys.stdout.flush()
    sys.stderr.flush()
    if os.fork() == 0:
        _run_dbt(request, fds, conn, listener)
    for fd in fds:
        os.close(fd)
    return True


def serve(address: Path, listener_fd: int, wait_fd: int | None = None) -> int:
    """Import dbt-core, then serve one dbt command and exit: the child is the dbt process, and
    a server left waiting would only add its memory to the run's (a second command, a step's
    retry, finds no server and runs the real dbt)."""
    listener = socket.socket(fileno=listener_fd)
    if wait_fd is not None:
        while os.read(wait_fd, 4096):  # until every writer has closed its end
            pass
        os.close(wait_fd)
    for module in WARM_MODULES:
        __import__(module)
    # dbt's own start-up looks for the script's folder first on sys.path, as `dbt` would.
    sys.path[0] = str(Path(real_dbt()).parent)
    gc.freeze()  # the child's collections skip what was imported here
    watch = selectors.DefaultSelector()
    watch.register(listener, selectors.EVENT_READ)
    watch.register(sys.stdin.buffer, selectors.EVENT_READ)
    while True:
        for key, _events in watch.select():
            if key.fileobj is listener:
                conn, _ = listener.accept()
                with conn:
                    if _serve_one(conn, listener):
                        return 0
            elif not sys.stdin.buffer.read1(1):
                # The process that started us has exited (killed, perhaps, before removing
                # our folder).
                shutil.rmtree(address.parent, ignore_errors=True)
                return 0


if __name__ == "__main__":
    sys.exit(serve(Path(sys.argv[1]), *(int(fd) for fd in sys.argv[2:])))
