"""Dates on papers pages, and the rule that gives a capture its year.

The page prints its date selector (`Jun 1`) without a year, and prints paper dates without a
year when they fall in the year the page was rendered (`Apr 12`). The year therefore comes
from outside the page (a sidecar or an override) or is inferred, and the rule that decided is
recorded with the dump so a user can audit it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

MONTHS = {
    name: number
    for number, name in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        start=1,
    )
}

# Rules, as recorded in raw.dumps.capture_rule.
RULE_SIDECAR_DATE = "sidecar_captured_on"
RULE_SIDECAR_YEAR = "sidecar_capture_year"
RULE_OVERRIDE_YEAR = "override_capture_year"
RULE_MTIME = "inferred_from_file_mtime"
RULE_PRINTED_YEARS = "inferred_after_printed_years"
RULE_NO_SELECTOR = "no_date_selector"
# Rule of a paper date printed without a year and dated by its arXiv id (published_year_rule).
RULE_ARXIV_ID = "arxiv_id"
_NEW_STYLE_ID = re.compile(r"(\d{2})(\d{2})\.\d{4,5}")


def month_number(name: str) -> int:
    """`Jun` or `June` -> 6."""
    return MONTHS[name[:3].lower()]


def safe_date(year: int, month: int, day: int) -> dt.date | None:
    """The date, or None for an impossible one (Feb 30, Feb 29 of a common year)."""
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


@dataclass(frozen=True)
class Capture:
    """When a dump was captured, and which rule said so."""

    year: int | None
    captured_on: dt.date | None
    rule: str


def infer_capture_year(
    month: int, day: int, modified_on: dt.date, max_printed_year: int | None
) -> tuple[int, str]:
    """The latest year that keeps the capture no later than the file's modification time and
    later than every year printed in the dump (a printed year is never the capture year).

    When the two disagree (the file was touched before the printed years say it can have
    been captured), the page's own content wins over the file system.
    """
    if safe_date(2000, month, day) is None:
        raise ValueError(f"month {month}, day {day} is a date in no year")
    year = modified_on.year
    while safe_date(year, month, day) is None or safe_date(year, month, day) > modified_on:
        year -= 1
    if max_printed_year is not None and year <= max_printed_year:
        year = max_printed_year + 1
        while safe_date(year, month, day) is None:
            year += 1
        return year, RULE_PRINTED_YEARS
    return year, RULE_MTIME


def resolve_capture(
    selector: tuple[int, int] | None,
    modified_on: dt.date,
    max_printed_year: int | None,
    sidecar_captured_on: dt.date | None = None,
    sidecar_year: int | None = None,
    override_year: int | None = None,
) -> Capture:
    """Decide a dump's capture year and date.

    Precedence: a full capture date in the sidecar, then an override year (run config), then
    a year in the sidecar, then inference. A dump without a date selector has no captured_on
    unless its sidecar gives one; its year is still inferred, for yearless paper dates.
    """
    if sidecar_captured_on is not None:
        return Capture(sidecar_captured_on.year, sidecar_captured_on, RULE_SIDECAR_DATE)
    if selector is not None and safe_date(2000, *selector) is None:
        # `Jun 31` is a date in no year (2000 is a leap year): no selector to infer from,
        # where searching the years for one would never end.
        selector = None
    given = (
        (override_year, RULE_OVERRIDE_YEAR)
        if override_year is not None
        else (sidecar_year, RULE_SIDECAR_YEAR)
    )
    if selector is None:
        if given[0] is not None:
            return Capture(given[0], None, given[1])
        year, _ = infer_capture_year(
            modified_on.month, modified_on.day, modified_on, max_printed_year
        )
        return Capture(year, None, RULE_NO_SELECTOR)
    month, day = selector
    if given[0] is not None:
        return Capture(given[0], safe_date(given[0], month, day), given[1])
    year, rule = infer_capture_year(month, day, modified_on, max_printed_year)
    return Capture(year, safe_date(year, month, day), rule)


def yearless_date(month: int, day: int, capture: Capture) -> tuple[dt.date | None, str | None]:
    """A paper date printed without a year takes the capture year, and is never after the
    capture date: when it would be, it belongs to the year before."""
    if capture.year is None:
        return None, None
    on = safe_date(capture.year, month, day)
    if on is not None and capture.captured_on is not None and on > capture.captured_on:
        return safe_date(capture.year - 1, month, day), "year_before_capture"
    return on, "capture_year"


def arxiv_id_date(month: int, day: int, arxiv_id: str | None) -> dt.date | None:
    """A paper date printed without a year (`Sep 28`) dated by a new-style arXiv id: `2509.x`
    was submitted in September 2025, and arXiv publishes a paper in its id's month or days
    later, so the date is the first (month, day) not before the id's month (`Jan 2` of
    `2512.x` is in 2026). None for old-style ids, which carry a two-digit year only."""
    match = _NEW_STYLE_ID.fullmatch(arxiv_id or "")
    if match is None:
        return None
    year, id_month = 2000 + int(match.group(1)), int(match.group(2))
    return safe_date(year + 1 if month < id_month else year, month, day)
