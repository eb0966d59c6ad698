"""The fetcher's settings, read from the environment when a fetch starts (never at import)."""

from __future__ import annotations

import importlib.metadata
import os
from dataclasses import dataclass, replace

from ..ingest.limits import Limits

DEFAULT_BASE_URL = "https://huggingface.co"


def _number(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return float(value)
    except ValueError:
        raise ValueError(f"{name}={value!r} is not a number") from None


def user_agent(contact: str = "") -> str:
    """`hf-papers-warehouse/<version>`, plus `(+<contact>)` so HF can reach whoever runs it."""
    try:
        version = importlib.metadata.version("hf-papers-warehouse")
    except importlib.metadata.PackageNotFoundError:  # running from a bare checkout
        version = "0+unknown"
    agent = f"hf-papers-warehouse/{version}"
    return f"{agent} (+{contact})" if contact else agent


@dataclass(frozen=True)
class FetchSettings:
    """How politely and how patiently to ask (defaults in brackets, env var names in
    docs/fetching.md)."""

    base_url: str = DEFAULT_BASE_URL
    rate_limit: float = 1.0  # requests per second, 0 for none
    timeout: float = 30.0  # seconds one request may take, connecting and reading included
    attempts: int = 5  # per request, the first one included
    backoff: float = 1.0  # first wait between attempts; doubles each time, with jitter
    max_wait: float = 120.0  # cap on one wait, Retry-After included
    max_bytes: int = Limits.max_file_bytes  # PAPERS_MAX_FILE_BYTES, as the parser's limit
    settle_days: int = 3  # a day fetched this long after its list date is complete
    contact: str = ""

    @classmethod
    def from_env(cls) -> FetchSettings:
        d = cls()
        return cls(
            base_url=os.environ.get("PAPERS_HF_BASE_URL", "").strip().rstrip("/")
            or DEFAULT_BASE_URL,
            rate_limit=_number("PAPERS_HF_RATE_LIMIT", d.rate_limit),
            timeout=_number("PAPERS_HF_TIMEOUT", d.timeout),
            attempts=max(1, int(_number("PAPERS_HF_ATTEMPTS", d.attempts))),
            max_wait=_number("PAPERS_HF_MAX_WAIT", d.max_wait),
            max_bytes=Limits.from_env().max_file_bytes,
            settle_days=int(_number("PAPERS_HF_SETTLE_DAYS", d.settle_days)),
            contact=os.environ.get("PAPERS_HF_CONTACT", "").strip(),
        )

    def with_changes(self, **changes: object) -> FetchSettings:
        return replace(self, **changes)

    @property
    def user_agent(self) -> str:
        return user_agent(self.contact)
