"""The figures a user checks after a run, read back from the warehouse."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from .landing.land import connect

LATEST_VALIDATION = "run_id = (select arg_max(run_id, validated_at) from audit.validation_results)"
# name -> (query, line template); a query whose tables are missing (a step failed) is skipped.
FIGURES = {
    "dumps": (
        """select count(*) filter (status = 'loaded'), count(*) filter (status = 'rejected')
           from audit.dumps""",
        "dumps:     {0} loaded, {1} rejected whole",
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


def rejected_files(con, limit: int = 10) -> list[str]:
    """The files rejected whole, with their reasons (the first `limit`)."""
    rows = con.execute(
        "select file_name, reject_reason from audit.dumps where status = 'rejected' "
        "order by file_name"
    ).fetchall()
    lines = [f"  rejected {name!r}: {reason}" for name, reason in rows[:limit]]
    if len(rows) > limit:
        lines.append(f"  ... and {len(rows) - limit} more (select * from audit.dumps)")
    return lines


def summary_lines(
    warehouse: Path, run_ok: bool, checks: list[dg.AssetCheckEvaluation]
) -> list[str]:
    """One line per figure, the failed checks, and a last line that says OK or FAILED."""
    lines = []
    if run_ok and warehouse.exists():
        with connect(warehouse, read_only=True) as con:
            for query, template in FIGURES.values():
                try:
                    lines.append(template.format(*con.execute(query).fetchall()[0]))
                except Exception:  # noqa: BLE001 - the tables of a step that did not run
                    continue
            lines += rejected_files(con)
    failed = [c for c in checks if not c.passed]
    lines.append(
        f"checks:    {len(checks) - len(failed)} passed, {len(failed)} failed"
        " (Great Expectations suites and dbt tests)"
    )
    lines += [f"  FAILED {c.asset_key.to_user_string()} {c.check_name}" for c in failed]
    ok = run_ok and not failed
    lines.append(f"warehouse: {warehouse}" + ("" if ok else " (not published: left as it was)"))
    lines.append("result:    " + ("OK" if ok else "FAILED"))
    return lines
