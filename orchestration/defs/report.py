"""The report: a static HTML picture of the published marts, rendered after every publish."""

import dagster as dg

from ..report import render_report
from .resources import WarehouseResource


@dg.asset(
    group_name="publish",
    kinds={"html", "plotly"},
    # Downstream of the snapshot: a failed run never renders a report of half a warehouse,
    # and a run that publishes nothing (the marts were up to date) skips it too.
    deps=["published_warehouse"],
)
def warehouse_report(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    """report/index.html beside the published snapshot: papers per week by topic, code and
    repositories, organisations, upvote trajectories, the latest listed papers and the data's
    health, computed with SQL on the snapshot and drawn with Plotly in one self-contained
    file that opens with no network (docs/report.md)."""
    published = warehouse.database_path()
    if not published.is_file():
        raise dg.Failure(f"no published warehouse at {published}: materialize published_warehouse")
    report = render_report(published)
    missing = [s.key for s in report.sections if s.status == "missing"]
    if missing:
        context.log.info(f"report sections not in this warehouse yet: {', '.join(missing)}")
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(report.path)),
            "link": dg.MetadataValue.url(report.path.as_uri()),
            "preview": dg.MetadataValue.md(report.markdown()),
            "render_seconds": round(report.seconds, 3),
            "size_mb": round(report.bytes / 1e6, 2),
        }
    )
