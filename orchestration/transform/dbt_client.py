"""`dbt` as dagster-dbt runs it while a dbt server is up (see dbt_server.py).

    dbt_client.py SOCKET REAL_DBT [dbt arguments...]

Standard library only, run with `python -I -S` (~20 ms): it sends the server its arguments,
working folder, environment and standard streams, relays SIGINT and SIGTERM to the dbt child
the server forks (which sends its pid first and its exit code last), and exits with that exit
code (1 if the child died without one). When the server cannot be reached, or goes away before
it has started dbt, it runs REAL_DBT with the same arguments instead.
"""

import contextlib
import json
import os
import signal
import socket
import struct
import sys


def main(argv: list[str]) -> int:
    address, dbt, args = argv[0], argv[1], argv[2:]
    request = json.dumps(
        {"dbt": dbt, "args": args, "cwd": os.getcwd(), "env": dict(os.environ)}
    ).encode()
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(address)
        socket.send_fds(conn, [struct.pack("!I", len(request))], [0, 1, 2])
        conn.sendall(request)
        replies = conn.makefile("rb")
        started = replies.readline()
    except OSError:
        started = b""
    if not started.strip().isdigit():
        conn.close()
        os.execv(dbt, [dbt, *args])  # no server: the real dbt, in this process
    child = int(started)

    def relay(signum, _frame):
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signum)

    signal.signal(signal.SIGINT, relay)
    signal.signal(signal.SIGTERM, relay)
    ended = replies.readline().strip()
    # A child killed mid-command leaves no exit code: report failure, as a killed dbt would.
    return int(ended) if ended.isdigit() else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
