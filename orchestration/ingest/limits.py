"""Limits that keep a giant or pathological file from exhausting memory or hanging a run.

Each is configurable through the environment (and so through `make run`, the Dagster UI's
run environment, or a deployment's settings); a file over a limit is rejected whole, or an
entry is rejected, with a reason that names the limit and how to raise it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = 64 * 1024 * 1024  # a papers page is well under 5 MB
    max_line_chars: int = 100_000  # the longest abstract in the seeds is under 2,000
    max_html_depth: int = 512  # element nesting walked in HTML pages
    max_parse_seconds: float = 30.0  # per HTML/JSON file

    @classmethod
    def from_env(cls) -> Limits:
        """PAPERS_MAX_FILE_BYTES, PAPERS_MAX_LINE_CHARS, PAPERS_MAX_HTML_DEPTH,
        PAPERS_MAX_PARSE_SECONDS override the defaults."""
        defaults = cls()
        return cls(
            max_file_bytes=int(os.environ.get("PAPERS_MAX_FILE_BYTES", defaults.max_file_bytes)),
            max_line_chars=int(os.environ.get("PAPERS_MAX_LINE_CHARS", defaults.max_line_chars)),
            max_html_depth=int(os.environ.get("PAPERS_MAX_HTML_DEPTH", defaults.max_html_depth)),
            max_parse_seconds=float(
                os.environ.get("PAPERS_MAX_PARSE_SECONDS", defaults.max_parse_seconds)
            ),
        )
