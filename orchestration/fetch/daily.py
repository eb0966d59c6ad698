"""Fetch `/api/daily_papers` for a day, or a range of days, into the dumps folder.

A day's pages (`limit=100`, `p` from 0 until an empty page) are all fetched before any is
saved, so a day that fails saves nothing. A page is saved only when its bytes differ from the
day's latest capture of that page (or the server says 304 to its ETag). A day fetched at
least `settle_days` after its list date is complete: ranges skip it unless forced, so an
interrupted backfill resumes where it stopped, and recent days (upvotes still moving) are
fetched again each time.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .. import settings as paths
from . import captures
from .client import FetchError, PoliteClient, Response
from .settings import FetchSettings

PAGE_SIZE = 100  # the API's maximum
MAX_PAGES = 50  # 5,000 papers in a day: a server ignoring `p` rather than a real list


class DayFetchError(Exception):
    """A day that could not be fetched; nothing of it was saved."""

    def __init__(self, day: dt.date, reason: str) -> None:
        super().__init__(f"{day.isoformat()}: {reason}")
        self.day = day
        self.reason = reason


@dataclass(frozen=True)
class DayResult:
    """What fetching a day did: saved / unchanged / empty / skipped / failed."""

    day: dt.date
    outcome: str
    saved: tuple[Path, ...] = ()
    unchanged_pages: int = 0
    reason: str = ""

    def line(self) -> str:
        text = f"{self.day.isoformat()}  {self.outcome}"
        if self.outcome == "saved":
            text += f" {len(self.saved)} file{'s' if len(self.saved) != 1 else ''}"
            if self.unchanged_pages:
                text += f", {self.unchanged_pages} page(s) unchanged"
        return text + (f": {self.reason}" if self.reason else "")


@dataclass(frozen=True)
class _Page:
    number: int
    body: bytes
    changed: bool
    items: int
    response: Response = field(repr=False)
    fetched_at: dt.datetime


def list_items(body: bytes, content_type: str = "") -> int:
    """The number of items in a daily list response; ValueError when it is not one (an HTML
    error page, JSON cut off or garbled, JSON that is not a list)."""
    if "html" in content_type.lower() or body.lstrip()[:1] == b"<":
        raise ValueError(f"an HTML page instead of JSON (Content-Type {content_type or 'none'})")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise ValueError(f"not valid JSON, cut off or garbled ({str(error)[:120]})") from None
    if not isinstance(data, list):
        raise ValueError(f"a JSON {type(data).__name__} instead of a list of papers")
    return len(data)


def daily_url(base_url: str) -> str:
    return f"{base_url.rstrip('/')}/api/daily_papers"


def _problem(response: Response) -> str:
    snippet = response.body[:200].decode("utf-8", "replace").strip()
    return f"HTTP {response.status}" + (f" ({snippet})" if snippet else "")


def _fetch_page(
    client: PoliteClient, day: dt.date, number: int, previous: Path | None, base_url: str
) -> _Page:
    etag = captures.read_sidecar(previous).get("etag") if previous else None
    headers = {"If-None-Match": etag} if etag else {}
    params = {"date": day.isoformat(), "limit": PAGE_SIZE, "p": number}
    response = client.get(daily_url(base_url), params=params, headers=headers)
    fetched_at = dt.datetime.now(dt.UTC)
    if response.status == 304 and previous is not None:
        body = previous.read_bytes()
        return _Page(number, body, False, list_items(body), response, fetched_at)
    if response.status != 200:
        raise FetchError(_problem(response))
    items = list_items(response.body, response.content_type)
    changed = previous is None or previous.read_bytes() != response.body
    return _Page(number, response.body, changed, items, response, fetched_at)


def fetch_day(
    client: PoliteClient, day: dt.date, dumps_dir: Path, base_url: str | None = None
) -> DayResult:
    """Fetch every page of the day's list and save the pages whose bytes changed.

    Raises DayFetchError (naming the day and the reason) when any page fails."""
    base_url = base_url or client.settings.base_url
    folder = captures.day_folder(dumps_dir, day)
    previous = captures.latest_captures(folder)
    started = dt.datetime.now(dt.UTC)
    pages: list[_Page] = []
    for number in range(MAX_PAGES + 1):
        try:
            page = _fetch_page(client, day, number, previous.get(number), base_url)
        except (FetchError, ValueError) as error:
            raise DayFetchError(day, f"page {number}: {error}") from error
        if page.items == 0 or (pages and page.body == pages[-1].body):
            break  # the end of the list (or a server that ignores `p`)
        pages.append(page)
    else:
        raise DayFetchError(day, f"more than {MAX_PAGES} pages of {PAGE_SIZE}: giving up")

    to_save = [p for p in pages if p.changed]
    stamp = captures.free_stamp(folder, started) if to_save else ""
    saved = tuple(
        captures.save_capture(folder, stamp, p.number, p.body, _sidecar(day, p)) for p in to_save
    )
    outcome = "saved" if saved else ("unchanged" if pages else "empty")
    record = {"listed_on": day.isoformat(), "fetched_at": started.isoformat(), "outcome": outcome}
    captures.write_fetch_record(folder, record | {"pages": len(pages)})
    return DayResult(day, outcome, saved, len(pages) - len(saved))


def _sidecar(day: dt.date, page: _Page) -> dict[str, object]:
    return {
        "url": page.response.url,
        "listed_on": day.isoformat(),
        "page": page.number,
        "page_size": PAGE_SIZE,
        "items": page.items,
        "fetched_at": page.fetched_at.isoformat(),
        "captured_on": page.fetched_at.date().isoformat(),  # the pipeline's capture date
        "http_status": page.response.status,
        "etag": page.response.headers.get("etag"),
    }


def is_complete(dumps_dir: Path, day: dt.date, settle_days: int) -> bool:
    """True when the day's last good fetch came `settle_days` or more after its list date."""
    record = captures.read_fetch_record(captures.day_folder(dumps_dir, day))
    try:
        fetched_on = dt.datetime.fromisoformat(record["fetched_at"]).date()  # type: ignore[index]
    except (TypeError, KeyError, ValueError):
        return False
    return (fetched_on - day).days >= settle_days


def days_between(first: dt.date, last: dt.date) -> list[dt.date]:
    return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]


def check_dumps_dir(dumps_dir: Path) -> None:
    """Refuse the project's own seeds/ (the default dumps folder): fetched days would land
    among the checked-in examples that the tests count."""
    if dumps_dir.resolve() == (paths.PROJECT_ROOT / "seeds").resolve():
        raise ValueError(
            f"the dumps folder is the project's seeds/ ({dumps_dir}); set PAPERS_DUMPS_DIR to a "
            "folder of your own, for fetching and for `make run` alike"
        )


def fetch_days(
    days: Iterable[dt.date],
    dumps_dir: Path | None = None,
    settings: FetchSettings | None = None,
    force: bool = False,
    on_result: Callable[[DayResult], None] | None = None,
) -> list[DayResult]:
    """Fetch each day in turn; a day that fails is reported and the others go on.

    Raises ValueError, before any request, when the dumps folder is the project's seeds/."""
    settings = settings or FetchSettings.from_env()
    dumps_dir = dumps_dir or paths.dumps_dir()
    check_dumps_dir(dumps_dir)
    results = []
    with PoliteClient(settings) as client:
        for day in days:
            if not force and is_complete(dumps_dir, day, settings.settle_days):
                result = DayResult(day, "skipped", reason="complete (fetched after it settled)")
            else:
                try:
                    result = fetch_day(client, day, dumps_dir)
                except DayFetchError as error:
                    result = DayResult(day, "failed", reason=error.reason)
                except OSError as error:  # disk full, permissions: this day, not the range
                    result = DayResult(day, "failed", reason=f"cannot save: {error}")
            results.append(result)
            if on_result:
                on_result(result)
    return results


def summary(results: Iterable[DayResult]) -> dict[str, int]:
    """Days per outcome, and files saved."""
    results = list(results)
    counts = Counter(r.outcome for r in results)
    totals = {k: counts.get(k, 0) for k in ("saved", "unchanged", "empty", "skipped", "failed")}
    return {"days": len(results), **totals, "files_saved": sum(len(r.saved) for r in results)}
