"""Great Expectations on every landed dump, shown as blocking asset checks.

One check step validates every loaded dump not yet validated since it was landed (the run's,
and any that a crashed run landed but never validated or quarantined), with both suites, so Great
Expectations starts once per run, not once per dump.

A dump that fails an expectation is quarantined (landing/quarantine.py): its entries stay out
of the marts, and the check fails with severity WARN, which does not block: the other dumps
are built and published. A failure that cannot be pinned on a dump (an expectation that
errors) fails with severity ERROR, and because the checks block, nothing downstream runs.
"""

import dagster as dg

from ..landing.faults import fault_point
from ..landing.quarantine import quarantine, quarantine_reasons
from ..quality import validation_helper
from ..quality.suites import load_suite_json
from ..settings import EXPECTATIONS_DIR
from .display import markdown_table
from .resources import WarehouseResource

SUITE_ASSETS = {"entries": ["raw", "entries"], "dumps": ["raw", "dumps"]}

# Loaded dumps whose latest validation failed: only marts built by hand, past the checks,
# can be built on them.
LOADED_BUT_FAILING = """
select distinct v.dump_id from raw.validation_results as v
join raw.dumps as d on d.dump_id = v.dump_id and d.status = 'loaded'
where not v.success
  and v.validated_at = (
    select max(validated_at) from raw.validation_results as w where w.dump_id = v.dump_id
  )
"""
# What a run validates: loaded dumps without a validation since they were (re)landed, and
# loaded dumps whose latest validation failed (a run killed before it quarantined them).
TO_VALIDATE = f"""
select dump_id from raw.dumps as d
where status = 'loaded'
  and not exists (
    select 1 from raw.validation_results as v
    where v.dump_id = d.dump_id and v.validated_at >= d.loaded_at
  )
union
{LOADED_BUT_FAILING}
order by dump_id
"""


def expectation_notes() -> dict[str, str]:
    """'suite.expectation(column)' -> the suite's note on why it matters."""
    notes = {}
    for suite in SUITE_ASSETS:
        for expectation in load_suite_json(EXPECTATIONS_DIR / f"{suite}.json")["expectations"]:
            kwargs = expectation.get("kwargs", {})
            columns = [kwargs[k] for k in ("column", "column_A", "column_B") if kwargs.get(k)]
            columns = columns or list(kwargs.get("column_list", []))
            label = f"{suite}.{expectation['type']}({','.join(columns)})"
            notes[label] = (expectation.get("meta") or {}).get("notes", "")
    return notes


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            f"{suite}_suite",
            asset=asset,
            blocking=True,
            description=f"Great Expectations suite expectations/{suite}.json on the landed "
            "dumps; a dump that fails it is quarantined (WARN), an expectation that errors "
            "blocks the run (ERROR).",
        )
        for suite, asset in SUITE_ASSETS.items()
    ],
)
def great_expectations_suites(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
    with warehouse.connect() as con:
        dump_ids = [row[0] for row in con.execute(TO_VALIDATE).fetchall()]
    context.log.info(f"validating {len(dump_ids)} dumps with Great Expectations")
    # In `make run`'s helper process when it waits (Great Expectations imported ahead), else
    # here; either way on a connection of its own, so this step holds none meanwhile.
    report = validation_helper.validate(
        warehouse.work_path(),
        dump_ids,
        run_id=context.run.run_id,
        data_docs_dir=warehouse.database_path().parent / "data_docs",
    )
    with warehouse.connect() as con:
        errors = [o for o in report.failures() if o.error is not None]
        failing = sorted(report.failed_dumps()) if not errors else []
        fault_point("validate")  # the tests' SIGKILL after the results, before quarantine
        reasons = quarantine_reasons(con, context.run.run_id, failing, expectation_notes())
        quarantine(con, reasons)
    for dump_id, found in reasons.items():
        context.log.warning(
            f"quarantined dump {dump_id}: "
            + "; ".join(r["reason"] or r["expectation"] for r in found)
        )
    for suite, asset in SUITE_ASSETS.items():
        outcomes = [o for o in report.outcomes if o.suite == suite]
        failures = report.failures_for(suite)
        blocking = [f for f in failures if f.error is not None]
        for failure in failures:
            log = context.log.error if blocking else context.log.warning
            log(
                f"{suite} suite: {failure.expectation} on {failure.column} failed for dumps "
                f"{', '.join(failure.failing_dump_ids)} ({failure.unexpected_count} rows)"
            )
        yield dg.AssetCheckResult(
            check_name=f"{suite}_suite",
            asset_key=dg.AssetKey(asset),
            passed=not failures,
            severity=dg.AssetCheckSeverity.ERROR if errors else dg.AssetCheckSeverity.WARN,
            metadata={
                "dumps_validated": len(report.dumps_validated),
                "expectations": len(outcomes),
                "expectations_failed": len(failures),
                "quarantined_dumps": sorted(
                    {d for f in failures for d in f.failing_dump_ids} & set(reasons)
                ),
                "failed_expectations": [f.label for f in failures],
                "failures": dg.MetadataValue.md(
                    markdown_table(
                        [
                            {
                                "expectation": f.expectation,
                                "column": f.column,
                                "dumps": ", ".join(f.failing_dump_ids),
                                "rows": f.unexpected_count,
                                "sample": "; ".join(f.sample),
                            }
                            for f in failures
                        ]
                    )
                ),
                "data_docs": str(report.data_docs_index) if report.data_docs_index else "",
            },
        )
