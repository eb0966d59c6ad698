"""The figures a user checks after a run, read back from the published warehouse."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from .landing.land import connect
from .landing.quarantine import quarantined
from .report import report_path

LATEST_VALIDATION = "run_id = (select arg_max(run_id, validated_at) from audit.validation_results)"
# name -> (query, line template); a query whose tables are missing (a step failed) is skipped.
FIGURES = {
    "dumps": (
        """select count(*) filter (status = 'loaded'), count(*) filter (status = 'quarantined'),
                  count(*) filter (status = 'rejected')
           from audit.dumps""",
        "dumps:     {0} loaded, {1} quarantined, {2} rejected whole",
    ),
    "entries": (
        "select sum(entries_parsed), sum(entries_loaded), sum(entries_rejected) from audit.dumps",
        "entries:   {0} parsed = {1} loaded + {2} rejected",
    ),
    "validation": (
        f"""select count(distinct dump_id), count(*) filter (success), count(*) filter (not success)
            from audit.validation_results where {LATEST_VALIDATION}""",
        "validated: {0} dumps; {1} expectation results passed, {2} failed",
    ),
    "papers": (
        """select count(*), count(*) filter (appearances > 1), count(*) filter (has_code)
           from marts.papers""",
        "papers:    {0} distinct, {1} in more than one dump, {2} with code",
    ),
    "links": (
        """select count(*), count(*) filter (link_kind = 'code_repository')
           from marts.repo_links""",
        "links:     {0} repo links, {1} to code repositories",
    ),
    "topics": (
        """select (select count(*) from marts.topics where papers > 0),
                  (select count(*) from marts.topics),
                  (select count(*) from marts.papers
                   where paper_id not in (select paper_id from marts.paper_topics))""",
        "topics:    {0} of {1} topics matched; {2} papers match no topic",
    ),
}


@dataclass(frozen=True)
class Summary:
    lines: list[str]
    ok: bool  # the run succeeded and published (or had nothing to publish)
    quarantined: int  # dumps set aside in the published audit


def listed(rows: dict[str, str], verb: str, limit: int = 10) -> list[str]:
    """'  rejected 'x.txt': reason' lines for the first `limit` files."""
    lines = [f"  {verb} {name!r}: {reason}" for name, reason in list(rows.items())[:limit]]
    if len(rows) > limit:
        lines.append(f"  ... and {len(rows) - limit} more (select * from audit.dumps)")
    return lines


def summarise(
    warehouse: Path,
    run_ok: bool,
    checks: list[dg.AssetCheckEvaluation],
    published: bool | None = None,
) -> Summary:
    """One line per figure, the dumps set aside, the checks, and a last line that says OK
    (with the number of quarantined dumps, if any) or FAILED. `published`: whether this run
    published the snapshot (a run that failed after publishing, in its report, did)."""
    published = run_ok if published is None else published
    lines: list[str] = []
    quarantine: dict[str, str] = {}
    if (run_ok or published) and warehouse.exists():
        with connect(warehouse, read_only=True) as con:
            for query, template in FIGURES.values():
                try:
                    lines.append(template.format(*con.execute(query).fetchall()[0]))
                except Exception:  # noqa: BLE001 - the tables of a step that did not run
                    continue
            rejected = dict(
                con.execute(
                    "select file_name, reject_reason from audit.dumps "
                    "where status = 'rejected' order by file_name"
                ).fetchall()
            )
            lines += listed(rejected, "rejected")
            quarantine = quarantined(con, schema="audit")
            lines += listed(quarantine, "quarantined")
    warned = [c for c in checks if not c.passed and c.severity == dg.AssetCheckSeverity.WARN]
    failed = [c for c in checks if not c.passed and c.severity != dg.AssetCheckSeverity.WARN]
    lines.append(
        f"checks:    {len(checks) - len(failed) - len(warned)} passed, {len(warned)} warned "
        f"(dumps quarantined), {len(failed)} failed (Great Expectations suites and dbt tests)"
    )
    lines += [f"  WARN   {c.asset_key.to_user_string()} {c.check_name}" for c in warned]
    lines += [f"  FAILED {c.asset_key.to_user_string()} {c.check_name}" for c in failed]
    ok = run_ok and not failed
    lines.append(
        f"warehouse: {warehouse}" + ("" if ok or published else " (not published: left as it was)")
    )
    if (ok or published) and report_path(warehouse).is_file():
        lines.append(f"report:    {report_path(warehouse)}")
    if ok and quarantine:
        n = len(quarantine)
        lines.append(f"result:    OK, {n} dump{'s' * (n != 1)} quarantined (exit status 3)")
    else:
        lines.append("result:    " + ("OK" if ok else "FAILED"))
    return Summary(lines, ok, len(quarantine) if ok else 0)
