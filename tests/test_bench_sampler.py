"""The benchmark's memory sampler (benchmarks/process_tree.py: tree_rss) counts a process
whose parent exited: the dbt command the dbt server forks outlives the server, adopted by
init."""

from __future__ import annotations

import subprocess
import sys
import time

from benchmarks.process_tree import tree_rss

# The session leader forks a middle process that forks a sleeper and exits at once: the
# sleeper's parent is then init, not the leader, but it stays in the leader's session.
ORPHAN = """
import os, sys, time
middle = os.fork()
if middle == 0:
    if os.fork() == 0:
        time.sleep(30)
    os._exit(0)
os.waitpid(middle, 0)
print("ready", flush=True)
time.sleep(30)
"""


def test_an_orphan_of_the_session_is_counted():
    leader = subprocess.Popen(
        [sys.executable, "-c", ORPHAN],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert leader.stdout.readline().strip() == "ready"
        per_process: dict = {}
        for _ in range(50):  # the sleeper may take a moment to show in /proc
            _total, count = tree_rss(leader.pid, per_process)
            if count == 2:
                break
            time.sleep(0.1)
        assert count == 2  # the leader and the orphaned sleeper, not the middle one
        assert all(rss > 0 for rss, _command in per_process.values())
    finally:
        subprocess.run(["pkill", "-s", str(leader.pid)], check=False)
        leader.wait()
