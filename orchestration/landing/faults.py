"""Named points where the fault tests kill the process (PAPERS_FAULT_AT=<point>).

A test sets the variable in a subprocess and checks what a crash at that exact point leaves
behind; nothing else ever sets it, and unset it costs one dictionary lookup. With
PAPERS_FAULT_KILL=group the whole process group is killed (dbt with it), as `kill -9` of a
command's group or a terminal closing would; otherwise this process alone, as the OOM killer
would, leaving its helpers behind.
"""

import os
import signal


def fault_point(name: str) -> None:
    if os.environ.get("PAPERS_FAULT_AT") == name:
        if os.environ.get("PAPERS_FAULT_KILL") == "group":
            os.killpg(os.getpgrp(), signal.SIGKILL)
        os.kill(os.getpid(), signal.SIGKILL)
