"""`python -m orchestration.fetch --since 2025-03-01 [--until 2025-03-05]`: fetch Hugging Face's
daily lists into the dumps folder, one line per day, exit 1 when any day failed."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from .. import settings as paths
from .daily import days_between, fetch_days, summary
from .settings import FetchSettings


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m orchestration.fetch",
        description="Save Hugging Face's /api/daily_papers responses as dumps.",
    )
    parser.add_argument("--since", type=_day, required=True, help="first list day, YYYY-MM-DD")
    parser.add_argument("--until", type=_day, help="last list day (default: today, UTC)")
    parser.add_argument(
        "--dumps-dir", type=Path, help="the dumps folder (default: PAPERS_DUMPS_DIR or seeds/)"
    )
    parser.add_argument(
        "--force", action="store_true", help="fetch again the days already complete"
    )
    parser.epilog = (
        "A day fetched at least PAPERS_HF_SETTLE_DAYS (3) days after its list date is "
        "complete and skipped unless --force; see docs/fetching.md for every setting."
    )
    args = parser.parse_args(argv)
    today = dt.datetime.now(dt.UTC).date()
    args.until = args.until or today
    if args.until > today:
        parser.error(f"--until {args.until} is after today ({today}, UTC)")
    if args.since > args.until:
        parser.error(f"--since {args.since} is after --until {args.until}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    settings = FetchSettings.from_env()
    dumps_dir = args.dumps_dir.resolve() if args.dumps_dir else paths.dumps_dir()
    days = days_between(args.since, args.until)
    rate = f"{settings.rate_limit:g} request/s" if settings.rate_limit > 0 else "no rate limit"
    print(f"fetching {len(days)} day(s) from {settings.base_url} into {dumps_dir} ({rate})")
    try:
        results = fetch_days(
            days,
            dumps_dir,
            settings,
            force=args.force,
            on_result=lambda r: print(r.line(), flush=True),
        )
    except ValueError as error:  # a folder refused before any request
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: the days above are saved; run again to resume", file=sys.stderr)
        return 130
    totals = summary(results)
    print(
        f"total: {totals['days']} day(s): {totals['saved']} saved ({totals['files_saved']} "
        f"files), {totals['unchanged']} unchanged, {totals['empty']} empty, "
        f"{totals['skipped']} skipped, {totals['failed']} failed"
    )
    return 1 if totals["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
