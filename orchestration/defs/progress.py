"""Progress a person can follow on a long load: done of total, rate, time left."""

import sys
import time


class Progress:
    """Logs `parsed 1500/10000 dumps (2300/s, ~4 s left)` to the run log and the terminal."""

    def __init__(self, log, verb: str, total: int, unit: str = "dumps") -> None:
        self.log, self.verb, self.total, self.unit = log, verb, total, unit
        self.done = 0
        self.started = time.monotonic()

    def advance(self, n: int) -> None:
        self.done += n
        elapsed = max(time.monotonic() - self.started, 1e-9)
        rate = self.done / elapsed
        left = (self.total - self.done) / rate if rate else 0.0
        line = (
            f"{self.verb} {self.done}/{self.total} {self.unit} ({rate:,.0f}/s, ~{left:,.0f} s left)"
        )
        self.log.info(line)
        # stderr reaches the terminal of `make run` and the step's captured logs in the UI.
        print(line, file=sys.stderr, flush=True)
