"""The capture-year rule and yearless paper dates."""

from __future__ import annotations

import datetime as dt
import os
import shutil

import pytest

from orchestration.ingest import dates
from orchestration.ingest.dates import Capture, infer_capture_year, resolve_capture, yearless_date


@pytest.mark.parametrize(
    ("selector", "modified", "printed", "expected"),
    [
        # Latest year keeping the capture no later than the file's modification time...
        ((6, 1), dt.date(2026, 11, 22), 2025, (2026, dates.RULE_MTIME)),
        ((6, 1), dt.date(2027, 5, 31), 2025, (2026, dates.RULE_MTIME)),
        ((6, 1), dt.date(2027, 6, 1), 2025, (2027, dates.RULE_MTIME)),
        ((1, 8), dt.date(2026, 1, 7), None, (2025, dates.RULE_MTIME)),
        # ...and later than every printed year: the content beats a misleading mtime.
        ((6, 1), dt.date(2025, 12, 1), 2025, (2026, dates.RULE_PRINTED_YEARS)),
        ((2, 29), dt.date(2026, 11, 22), 2024, (2028, dates.RULE_PRINTED_YEARS)),
        ((2, 29), dt.date(2026, 11, 22), None, (2024, dates.RULE_MTIME)),
    ],
)
def test_infer_capture_year(selector, modified, printed, expected):
    assert infer_capture_year(*selector, modified, printed) == expected


def test_sidecar_and_override_precedence():
    mtime = dt.date(2026, 11, 22)
    assert resolve_capture(
        (6, 1), mtime, 2025, sidecar_captured_on=dt.date(2026, 6, 3), override_year=2030
    ) == Capture(2026, dt.date(2026, 6, 3), dates.RULE_SIDECAR_DATE)
    assert resolve_capture((6, 1), mtime, 2025, sidecar_year=2027, override_year=2028) == Capture(
        2028, dt.date(2028, 6, 1), dates.RULE_OVERRIDE_YEAR
    )
    assert resolve_capture((6, 1), mtime, 2025, sidecar_year=2027) == Capture(
        2027, dt.date(2027, 6, 1), dates.RULE_SIDECAR_YEAR
    )
    assert resolve_capture(None, mtime, None) == Capture(2026, None, dates.RULE_NO_SELECTOR)


def test_yearless_dates_are_never_after_the_capture():
    capture = Capture(2026, dt.date(2026, 1, 8), dates.RULE_MTIME)
    assert yearless_date(1, 3, capture) == (dt.date(2026, 1, 3), "capture_year")
    assert yearless_date(1, 8, capture) == (dt.date(2026, 1, 8), "capture_year")
    assert yearless_date(12, 30, capture) == (dt.date(2025, 12, 30), "year_before_capture")


def test_year_rule_on_the_seeds_without_sidecars(tmp_path, monkeypatch):
    """Copied without sidecars and stamped with the day they were received, every seed with
    a date selector is inferred to 2026; stamped a year earlier, the printed years still
    force 2026 where the dump prints 2025 dates."""
    from orchestration.ingest.discovery import list_dump_paths, read_dump
    from orchestration.ingest.parse import parse_dumps

    from .conftest import SEEDS

    for path in SEEDS.glob("*.txt"):
        shutil.copy(path, tmp_path / path.name)

    def captures(stamp: dt.datetime) -> dict[str, tuple]:
        for path in tmp_path.iterdir():
            os.utime(path, (stamp.timestamp(), stamp.timestamp()))
        batch = parse_dumps([read_dump(p, tmp_path) for p in list_dump_paths(tmp_path)])
        return {
            r["dump_id"][:3]: (r["captured_on"], r["capture_rule"])
            for r in batch.dumps.select("dump_id", "captured_on", "capture_rule").to_dicts()
        }

    received = captures(dt.datetime(2026, 11, 22, 12))
    assert received == {
        "000": (dt.date(2026, 6, 1), dates.RULE_MTIME),
        "001": (None, dates.RULE_NO_SELECTOR),
        "002": (dt.date(2026, 3, 11), dates.RULE_MTIME),
        "003": (dt.date(2026, 1, 8), dates.RULE_MTIME),
        "004": (dt.date(2026, 4, 17), dates.RULE_MTIME),
    }
    year_before = captures(dt.datetime(2025, 11, 22, 12))
    assert year_before["000"] == (dt.date(2026, 6, 1), dates.RULE_PRINTED_YEARS)
    assert year_before["003"] == (dt.date(2026, 1, 8), dates.RULE_PRINTED_YEARS)
    # 002 prints no year at all: only the file's time can date it.
    assert year_before["002"] == (dt.date(2025, 3, 11), dates.RULE_MTIME)


def test_a_selector_that_is_no_date_is_no_selector():
    """`Jun 31` in a page header: inference has no year to find (it used to search forever)."""
    mtime = dt.date(2026, 11, 22)
    for selector in ((6, 31), (2, 30), (1, 0), (1, 99)):
        assert resolve_capture(selector, mtime, 2024) == Capture(2026, None, dates.RULE_NO_SELECTOR)
        with pytest.raises(ValueError, match="no year"):
            infer_capture_year(*selector, mtime, None)
    # A given year keeps its rule; the date is still none.
    assert resolve_capture((6, 31), mtime, None, sidecar_year=2025) == Capture(
        2025, None, dates.RULE_SIDECAR_YEAR
    )


def test_a_dump_with_an_impossible_selector_loads():
    from orchestration.ingest.discovery import DumpFile
    from orchestration.ingest.parse import parse_dumps

    text = "Daily Papers\n\nJun 31\n\nA Title\n\nIts abstract.\n\n  • 2 authors\n·\nMay 3"
    f = DumpFile(
        path=None,
        file_name="t.txt",
        dump_id="t.txt",
        data=text.encode(),
        sha256="0" * 64,
        modified_at=dt.datetime(2026, 11, 22),
    )
    batch = parse_dumps([f])
    dump = batch.dumps.row(0, named=True)
    assert (dump["status"], dump["date_selector"], dump["captured_on"]) == (
        "loaded",
        "Jun 31",
        None,
    )
    assert (dump["capture_year"], dump["capture_rule"]) == (2026, dates.RULE_NO_SELECTOR)
    assert batch.entries["published_on"].to_list() == [dt.date(2026, 5, 3)]
