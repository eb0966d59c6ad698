"""`make run`: build the warehouse from the dumps folder in one process and print a summary.

    python -m orchestration.run [--capture-year FILE=YEAR ...]

Runs the `build_warehouse` job in process (on the Dagster instance in DAGSTER_HOME when set,
so the run shows in the UI) and exits non-zero when any step or validation failed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import dagster as dg

from . import settings
from .landing.land import connect

SUMMARY_SQL = {
    "dumps": "select count(*) filter (status = 'loaded'), count(*) filter (status = 'rejected') from raw.dumps",
    "entries": "select sum(entries_parsed), sum(entries_loaded), sum(entries_rejected) from raw.dumps",
    "validation": """select count(distinct dump_id), count(*) filter (success), count(*) filter (not success)
                     from raw.validation_results
                     where run_id = (select arg_max(run_id, validated_at) from raw.validation_results)""",
    "papers": "select count(*), count(*) filter (appearances > 1), count(*) filter (has_code) from marts.papers",
    "links": "select count(*), count(*) filter (link_kind = 'code_repository') from marts.repo_links",
    "topics": """select (select count(*) from marts.topics where papers > 0), (select count(*) from marts.topics),
                 (select count(*) from marts.papers where paper_id not in (select paper_id from marts.paper_topics))""",
}


def load_definitions() -> dg.Definitions:
    return dg.load_from_defs_folder(path_within_project=settings.PROJECT_ROOT / "orchestration")


def execute_build(
    capture_year_overrides: dict[str, int] | None = None,
) -> tuple[dg.ExecuteInProcessResult, list[dg.AssetCheckEvaluation]]:
    """Run the build_warehouse job in this process; return the result and every check outcome."""
    job = load_definitions().resolve_job_def("build_warehouse")
    home = os.environ.get("DAGSTER_HOME")
    instance = dg.DagsterInstance.get() if home else dg.DagsterInstance.ephemeral()
    result = job.execute_in_process(
        instance=instance,
        raise_on_error=False,
        run_config={
            "ops": {"parsed_dumps": {"config": {"capture_year_overrides": capture_year_overrides or {}}}},
            "loggers": {"console": {"config": {"log_level": "WARNING"}}},
        },
    )
    checks = [
        e.event_specific_data
        for e in result.all_events
        if e.event_type_value == "ASSET_CHECK_EVALUATION"
    ]
    return result, checks


def summary_lines(run_ok: bool, checks: list[dg.AssetCheckEvaluation]) -> list[str]:
    """The figures a user checks after a run, read back from the warehouse."""
    lines = []
    if not settings.warehouse_path().exists():
        return [f"warehouse: {settings.warehouse_path()} was not written", "result:   FAILED"]
    with connect(settings.warehouse_path(), read_only=True) as con:
        def one(key: str):
            try:
                return con.execute(SUMMARY_SQL[key]).fetchall()[0]
            except Exception:  # a mart not built because an earlier step failed
                return None

        if dumps := one("dumps"):
            lines.append(f"dumps:    {dumps[0]} loaded, {dumps[1]} rejected whole")
        if entries := one("entries"):
            lines.append(f"entries:  {entries[0]} parsed = {entries[1]} loaded + {entries[2]} rejected")
        if validation := one("validation"):
            lines.append(
                f"validated: {validation[0]} dumps, {validation[1]} expectation results passed, "
                f"{validation[2]} failed"
            )
        if papers := one("papers"):
            lines.append(f"papers:   {papers[0]} distinct, {papers[1]} in more than one dump, {papers[2]} with code")
        if links := one("links"):
            lines.append(f"links:    {links[0]} repo links, {links[1]} to code repositories")
        if topics := one("topics"):
            lines.append(f"topics:   {topics[0]} of {topics[1]} topics matched; {topics[2]} papers match no topic")
    passed = sum(1 for c in checks if c.passed)
    failed = [c for c in checks if not c.passed]
    lines.append(f"checks:   {passed} passed, {len(failed)} failed (Great Expectations suites and dbt tests)")
    lines += [f"  FAILED {c.asset_key.to_user_string()} {c.check_name}" for c in failed]
    lines.append(f"warehouse: {settings.warehouse_path()}")
    lines.append("result:   " + ("OK" if run_ok and not failed else "FAILED"))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--capture-year", action="append", default=[], metavar="FILE=YEAR",
        help="capture year of a dump (file name or dump_id), beating sidecars and inference",
    )
    args = parser.parse_args(argv)
    overrides = {}
    for item in args.capture_year:
        name, _, year = item.rpartition("=")
        if not name or not year.isdigit():
            parser.error(f"--capture-year takes FILE=YEAR, got {item!r}")
        overrides[name] = int(year)

    started = time.monotonic()
    print(f"dumps folder: {settings.dumps_dir()}", flush=True)
    result, checks = execute_build(overrides)
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            print(f"step failed: {event.step_key}: {event.event_specific_data.error.message.strip()}")
    lines = summary_lines(result.success, checks)
    print("\n".join(lines))
    print(f"took {time.monotonic() - started:.1f} s (run id {result.run_id})")
    return 0 if lines[-1].endswith("OK") else 1


if __name__ == "__main__":
    sys.exit(main())
