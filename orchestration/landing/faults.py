"""Named points where the fault tests kill the process (PAPERS_FAULT_AT=<point>).

A test sets the variable in a subprocess and checks what a crash at that exact point leaves
behind; nothing else ever sets it, and unset it costs one dictionary lookup.
"""

import os
import signal


def fault_point(name: str) -> None:
    if os.environ.get("PAPERS_FAULT_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
