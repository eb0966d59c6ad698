"""Publish: the read-only snapshot users and BI tools open, and Parquet copies of the marts."""

import dagster as dg

from .. import settings
from ..landing import build_state
from ..landing.publish import publish_snapshot
from .quality import LOADED_BUT_FAILING
from .resources import WarehouseResource
from .transform import dbt_models

# Every dbt model in the marts schema: publishing waits for all of them.
MART_KEYS = [key for key in dbt_models.keys if key.path[0] == "marts"]


@dg.asset(
    group_name="publish",
    kinds={"duckdb", "parquet"},
    deps=MART_KEYS,
)
def published_warehouse(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> None:
    """The marts, the topic taxonomy and the load audit (schemas marts, reference, audit)
    copied into PAPERS_WAREHOUSE by atomic replacement, and every mart exported to Parquet
    in parquet/ beside it. Only reached when every upstream step passed and no blocking check
    failed with severity ERROR (quarantined dumps are out of the marts already)."""
    with warehouse.connect() as con:
        failing = [row[0] for row in con.execute(LOADED_BUT_FAILING).fetchall()]
        if failing:  # the marts may have been built by hand, past the blocking checks
            raise dg.Failure(
                f"not publishing: the latest validation of {len(failing)} dumps failed "
                f"({', '.join(failing[:10])}); fix or remove them and run again"
            )
        published = warehouse.database_path()
        # After incremental builds: only the changed papers' rows are copied.
        changed = build_state.publish_changes(con, published)
        result = publish_snapshot(con, published, published.parent / "parquet", changed)
        build_state.record_published(
            con, build_state.marts_fingerprint(con, settings.DBT_PROJECT_DIR), published
        )
    context.add_output_metadata(
        {
            "path": str(result.path),
            "parquet": str(result.parquet_dir),
            "tables": {name: rows for name, rows in result.tables.items()},
            "dagster/row_count": result.tables.get("marts.papers", 0),
            "incremental": result.incremental,
        }
    )
