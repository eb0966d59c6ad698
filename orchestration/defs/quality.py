"""Great Expectations on every landed dump, shown as blocking asset checks.

One check step validates every dump of the latest load (and any dump still failing from an
earlier one) with both suites, so Great Expectations starts once per run, not once per dump.
A failed expectation fails the check with severity ERROR, and because the checks block, the
dbt marts downstream are not built on bad data.
"""

import dagster as dg

from ..ingest.batch_files import part_paths, read_frame
from ..quality import validation_worker
from .display import markdown_table
from .ingest import run_folder
from .partitions import WRITER_POOL
from .resources import WarehouseResource

SUITE_ASSETS = {"entries": ["raw", "entries"], "dumps": ["raw", "dumps"]}

# The dumps this run landed, and any dump whose latest validation failed: a bad dump stays
# blocking until it is fixed, even in runs that did not touch it.
STILL_FAILING = """
select distinct dump_id from raw.validation_results v
where not success
  and validated_at = (
    select max(validated_at) from raw.validation_results w where w.dump_id = v.dump_id
  )
"""


def dumps_to_validate(con, run_dump_ids: list[str]) -> list[str]:
    failing = [row[0] for row in con.execute(STILL_FAILING).fetchall()]
    loaded = {
        row[0]
        for row in con.execute(
            "select dump_id from raw.dumps where status = 'loaded' "
            "and dump_id in (select unnest(?::varchar[]))",
            [sorted(set(run_dump_ids) | set(failing))],
        ).fetchall()
    }
    return sorted(loaded)


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            f"{suite}_suite",
            asset=asset,
            blocking=True,
            description=f"Great Expectations suite expectations/{suite}.json on the landed dumps.",
        )
        for suite, asset in SUITE_ASSETS.items()
    ],
    pool=WRITER_POOL,
)
def great_expectations_suites(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
    batch = run_folder(warehouse, context.run.run_id) / "parsed"
    parts = part_paths(batch, "dumps")
    run_dump_ids = read_frame(batch, "dumps")["dump_id"].to_list() if parts else []
    with warehouse.connect() as con:
        dump_ids = dumps_to_validate(con, run_dump_ids)
    context.log.info(f"validating {len(dump_ids)} dumps with Great Expectations")
    # In the process `make run` started early when there is one (see validation_worker); it
    # streams the entries a chunk at a time, so DuckDB needs little memory for it.
    report = validation_worker.validate(
        warehouse.work_path(),
        dump_ids,
        run_id=context.run.run_id,
        data_docs_dir=warehouse.database_path().parent / "data_docs",
    )
    for suite, asset in SUITE_ASSETS.items():
        outcomes = [o for o in report.outcomes if o.suite == suite]
        failures = report.failures_for(suite)
        for failure in failures:
            context.log.error(
                f"{suite} suite: {failure.expectation} on {failure.column} failed for dumps "
                f"{', '.join(failure.failing_dump_ids)} ({failure.unexpected_count} rows)"
            )
        yield dg.AssetCheckResult(
            check_name=f"{suite}_suite",
            asset_key=dg.AssetKey(asset),
            passed=not failures,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "dumps_validated": len(report.dumps_validated),
                "expectations": len(outcomes),
                "expectations_failed": len(failures),
                "failing_dumps": sorted({d for f in failures for d in f.failing_dump_ids}),
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
