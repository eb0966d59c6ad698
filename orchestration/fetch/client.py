"""A polite HTTP client for Hugging Face: rate-limited, retrying, capped, same-host only.

httpx does the HTTP; tenacity the retries (exponential backoff with jitter, or the server's
Retry-After, on timeouts, dropped connections, 429 and 5xx). Everything else is an answer
for the caller to judge, or a FetchError that is not worth retrying.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import httpx
import tenacity

from .settings import FetchSettings

MAX_REDIRECTS = 5


class FetchError(Exception):
    """A request that failed for good; the message is the reason."""


class RetryableError(FetchError):
    """A failure worth another attempt: timeout, dropped connection, 429, 5xx."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Response:
    url: str
    status: int
    headers: httpx.Headers
    body: bytes

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")


class RateLimiter:
    """At most `per_second` request starts per second, shared by every caller of the client."""

    def __init__(self, per_second: float) -> None:
        self._interval = 1.0 / per_second if per_second > 0 else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            now = time.monotonic()
            delay = self._next - now
            self._next = max(now, self._next) + self._interval
        if delay > 0:
            time.sleep(delay)


_RATELIMIT_RESET = re.compile(r"(?:^|[;,])\s*t=(\d+)")


def retry_after_seconds(headers: Mapping[str, str], now: dt.datetime | None = None) -> float | None:
    """The wait a 429/503 asks for: Retry-After in seconds or as an HTTP date, else the reset
    of the IETF RateLimit headers (`RateLimit: "api";r=0;t=42`, `RateLimit-Reset: 42`)."""
    value = (headers.get("retry-after") or "").strip()
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=dt.UTC)
        return max(0.0, (when - (now or dt.datetime.now(dt.UTC))).total_seconds())
    reset = (headers.get("ratelimit-reset") or "").strip()
    match = _RATELIMIT_RESET.search(headers.get("ratelimit") or "")
    seconds = reset if reset.isdigit() else (match.group(1) if match else None)
    return float(seconds) if seconds is not None else None


def _origin(url: httpx.URL) -> str:
    return f"{url.scheme}://{url.host}" + (f":{url.port}" if url.port else "")


class PoliteClient:
    """GET with a timeout, a rate limit, retries, a size cap and no redirect off the host."""

    def __init__(
        self, settings: FetchSettings, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.settings = settings
        self._sleep = sleep
        self._limiter = RateLimiter(settings.rate_limit)
        self._http = httpx.Client(
            timeout=settings.timeout,
            follow_redirects=False,  # followed by hand, so that a redirect off-host is refused
            headers={"User-Agent": settings.user_agent, "Accept": "application/json"},
        )

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def get(
        self,
        url: str,
        params: Mapping[str, str | int] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Response:
        """The response to `GET url`, after retrying what is worth retrying; any status that
        is not retried (2xx, 304, 4xx but 429) is returned as is."""
        attempts = self.settings.attempts
        retrying = tenacity.Retrying(
            stop=tenacity.stop_after_attempt(attempts),
            wait=self._wait,
            retry=tenacity.retry_if_exception_type(RetryableError),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            return retrying(self._get_once, httpx.URL(url, params=params), headers or {})
        except RetryableError as error:
            raise FetchError(f"{error} (gave up after {attempts} attempts)") from error

    def _wait(self, state: tenacity.RetryCallState) -> float:
        cap = self.settings.max_wait
        error = state.outcome.exception() if state.outcome else None
        if isinstance(error, RetryableError) and error.retry_after is not None:
            return min(error.retry_after, cap)  # the server knows best, within reason
        backoff = tenacity.wait_random_exponential(multiplier=self.settings.backoff, max=cap)
        return backoff(state)

    def _get_once(self, url: httpx.URL, headers: Mapping[str, str]) -> Response:
        deadline = time.monotonic() + self.settings.timeout
        try:
            for _ in range(MAX_REDIRECTS + 1):
                self._limiter.wait()
                with self._http.stream("GET", url, headers=headers) as response:
                    if response.is_redirect and "location" in response.headers:
                        url = self._redirect_target(response)
                        continue
                    status = response.status_code
                    if status == 429 or status >= 500:
                        wait = retry_after_seconds(response.headers)
                        raise RetryableError(f"HTTP {status} from {url.host}", wait)
                    body = self._read(response, deadline)
                    return Response(str(response.url), status, response.headers, body)
        except httpx.TimeoutException as error:
            raise RetryableError(
                f"no complete answer within {self.settings.timeout:g} s"
            ) from error
        except httpx.RemoteProtocolError as error:
            raise RetryableError(f"response cut off: {error}") from error
        except httpx.TransportError as error:
            raise RetryableError(f"connection failed: {error!r}") from error
        raise FetchError(f"more than {MAX_REDIRECTS} redirects")

    def _redirect_target(self, response: httpx.Response) -> httpx.URL:
        target = response.url.join(response.headers["location"])
        if _origin(target) != _origin(response.url):
            raise FetchError(
                f"redirect from {_origin(response.url)} to {_origin(target)} refused "
                "(only redirects on the same host are followed)"
            )
        return target

    def _read(self, response: httpx.Response, deadline: float) -> bytes:
        cap = self.settings.max_bytes
        over = f"over PAPERS_MAX_FILE_BYTES ({cap} bytes); raise it to fetch this day"
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise FetchError(f"response of {declared} bytes is {over}")
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > cap:
                raise FetchError(f"response {over}")
            if time.monotonic() > deadline:
                raise httpx.ReadTimeout("deadline", request=response.request)
            chunks.append(chunk)
        body = b"".join(chunks)
        # h11 already refuses a body shorter than its Content-Length; this covers transports
        # that do not (and is exact only when the body was not compressed).
        plain = "content-encoding" not in response.headers
        if plain and declared.isdigit() and len(body) != int(declared):
            raise RetryableError(f"response cut off: {len(body)} of {declared} bytes")
        return body
