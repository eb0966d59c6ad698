"""Fetch: Hugging Face's daily lists saved as dumps, one partition per list day.

The asset only writes files into the dumps folder; the folder sensor then builds them like
any other dump, so nothing downstream depends on it (and `build_warehouse` leaves it out).
PAPERS_HF_FIRST_DAY is read when the definitions load, not at import.
"""

import datetime as dt
import os
from pathlib import Path

import dagster as dg

from .. import settings
from ..fetch.daily import DayResult, fetch_days, summary
from ..fetch.settings import FetchSettings

FIRST_DAY = "2023-05-04"  # the first Daily Papers list
RECENT_DAYS = 3  # upvotes and comments still move for a few days after the list day


class FetchConfig(dg.Config):
    """`force` fetches again the days already complete (fetched after they settled);
    `dumps_dir` overrides PAPERS_DUMPS_DIR.

    No warehouse resource: fetching writes files only, and must neither wait for a build
    holding the warehouse nor hold it for the hours a backfill can take."""

    force: bool = False
    dumps_dir: str = ""


def _day_metadata(result: DayResult) -> dict[str, object]:
    return {
        "outcome": result.outcome,
        "files_saved": [str(p) for p in result.saved],
        "pages_unchanged": result.unchanged_pages,
    }


def build_fetch_definitions(first_day: str = FIRST_DAY) -> dg.Definitions:
    """The fetch asset, its job and its schedule, with partitions from `first_day`."""
    partitions = dg.DailyPartitionsDefinition(start_date=first_day, end_offset=1)  # today too

    @dg.asset(
        group_name="fetch",
        kinds={"python"},
        partitions_def=partitions,
        backfill_policy=dg.BackfillPolicy.single_run(),
    )
    def hf_daily_papers(
        context: dg.AssetExecutionContext, config: FetchConfig
    ) -> dg.MaterializeResult:
        """Each day's `/api/daily_papers` list (PAPERS_HF_BASE_URL), saved byte for byte under
        hf/daily_papers/<day>/ in the dumps folder when its bytes changed. A day that fails
        fails its partition with the reason; the other days of the run are saved."""
        days = [dt.date.fromisoformat(key) for key in context.partition_keys]
        results = fetch_days(
            days,
            Path(config.dumps_dir).resolve() if config.dumps_dir else settings.dumps_dir(),
            FetchSettings.from_env(),
            force=config.force,
            on_result=lambda r: context.log.info(r.line()),
        )
        totals = summary(results)
        failed = [r for r in results if r.outcome == "failed"]
        if failed:
            # Materialize the good days one by one, then fail: only the failed days' partitions
            # stay failed, and a retry of the run fetches just those (the rest are saved).
            for result in results:
                if result.outcome != "failed":
                    context.log_event(
                        dg.AssetMaterialization(
                            context.asset_key,
                            partition=result.day.isoformat(),
                            metadata=_day_metadata(result),
                        )
                    )
            raise dg.Failure(
                description=f"{len(failed)} of {len(results)} day(s) failed: "
                + "; ".join(f"{r.day}: {r.reason}" for r in failed[:20]),
                metadata={**totals, "failed_days": [r.line() for r in failed]},
            )
        return dg.MaterializeResult(metadata=totals)

    fetch_job = dg.define_asset_job(
        "fetch_daily_papers",
        selection=dg.AssetSelection.assets(hf_daily_papers),
        partitions_def=partitions,
        executor_def=dg.in_process_executor,
        description="Fetch Hugging Face's daily lists of the selected days into the dumps folder.",
    )

    @dg.schedule(
        job=fetch_job,
        cron_schedule="0 23 * * *",
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.STOPPED,
        description=(
            f"Every day at 23:00 UTC (off by default): fetch today's list and the {RECENT_DAYS} "
            "days before it, whose upvotes still move. It only fetches: the dumps-folder sensor "
            "builds the new captures."
        ),
    )
    def daily_fetch(context: dg.ScheduleEvaluationContext) -> list[dg.RunRequest]:
        moment = context.scheduled_execution_time or dt.datetime.now(dt.UTC)
        today = moment.astimezone(dt.UTC).date()
        first = max(today - dt.timedelta(days=RECENT_DAYS), dt.date.fromisoformat(first_day))
        # A run per day (a handful): Dagster's public RunRequest names one partition, and a
        # range run would take its internal tags.
        days = [first + dt.timedelta(days=n) for n in range((today - first).days + 1)]
        return [
            dg.RunRequest(run_key=f"{day}@{today}", partition_key=day.isoformat()) for day in days
        ]

    return dg.Definitions(assets=[hf_daily_papers], jobs=[fetch_job], schedules=[daily_fetch])


@dg.definitions
def fetch_definitions() -> dg.Definitions:
    return build_fetch_definitions(os.environ.get("PAPERS_HF_FIRST_DAY") or FIRST_DAY)
