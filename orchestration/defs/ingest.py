"""Ingest: the dump files, their parsed entries, and the raw tables they land in."""

from pathlib import Path

import dagster as dg
import polars as pl

from ..ingest.batch_files import prune_batches, read_batch, write_batch
from ..ingest.discovery import list_dump_paths, read_dump
from ..ingest.parse import parse_dumps
from ..landing.land import land_batch
from .display import markdown_table
from .resources import WarehouseResource

RAW_TABLES = {
    "dumps": "Load audit: one row per dump file, loaded or rejected whole.",
    "entries": "One row per entry (paper card) loaded from a dump.",
    "entry_links": "Every URL found in an entry's abstract, canonicalised.",
    "rejects": "Entries, or whole files, that could not be loaded, with the reason.",
}


class ParseConfig(dg.Config):
    """Capture years given by hand, by file name or dump_id: they beat sidecars and inference."""

    capture_year_overrides: dict[str, int] = {}


@dg.asset(group_name="ingest", kinds={"python"})
def dump_files(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> list[dict]:
    """The files in the dumps folder (PAPERS_DUMPS_DIR), with their size and SHA-256."""
    folder = warehouse.dumps_path()
    files = [read_dump(path, folder) for path in list_dump_paths(folder)]
    inventory = [
        {
            "file_name": f.file_name,
            "dump_id": f.dump_id,
            "size_bytes": f.size_bytes,
            "sha256": f.sha256,
        }
        for f in files
    ]
    for f in files:
        if f.sidecar_error:
            context.log.warning(f"{f.file_name}: {f.sidecar_error}")
    context.add_output_metadata(
        {
            "folder": str(folder),
            "files": len(files),
            "total_bytes": sum(f.size_bytes for f in files),
            "preview": dg.MetadataValue.md(markdown_table(inventory, limit=50)),
        }
    )
    return inventory


@dg.asset(group_name="ingest", kinds={"polars"})
def parsed_dumps(
    context: dg.AssetExecutionContext,
    config: ParseConfig,
    warehouse: WarehouseResource,
    dump_files: list[dict],
) -> str:
    """Every dump parsed with Polars into entries, links and rejects (Parquet, per run)."""
    folder = warehouse.dumps_path()
    files = [read_dump(folder / f["file_name"], folder) for f in dump_files]
    batch = parse_dumps(files, config.capture_year_overrides)
    parent = warehouse.database_path().parent / "parsed"
    out = write_batch(batch, parent / context.run.run_id)
    prune_batches(parent)
    dumps = batch.dumps
    for row in dumps.filter(pl.col("status") == "rejected").iter_rows(named=True):
        context.log.warning(f"rejected file {row['file_name']!r}: {row['reject_reason']}")
    layouts = dumps.group_by("layout").len().sort("layout").iter_rows()
    context.add_output_metadata(
        {
            "dumps": dumps.height,
            "dumps_rejected": dumps.filter(pl.col("status") == "rejected").height,
            "entries_parsed": int(dumps["entries_parsed"].sum()),
            "entries_loaded": batch.entries.height,
            "entries_rejected": int(dumps["entries_rejected"].sum()),
            "links": batch.links.height,
            "layouts": {str(layout): n for layout, n in layouts},
            "audit": dg.MetadataValue.md(
                markdown_table(
                    dumps.select(
                        "file_name",
                        "status",
                        "layout",
                        "captured_on",
                        "capture_rule",
                        "entries_parsed",
                        "entries_loaded",
                        "entries_rejected",
                    ).to_dicts()
                )
            ),
            "parquet": str(out),
        }
    )
    return str(out)


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["raw", table],
            description=text,
            group_name="ingest",
            kinds={"duckdb"},
            deps=["parsed_dumps"],
        )
        for table, text in RAW_TABLES.items()
    ],
    ins={"parsed_dumps": dg.AssetIn()},
)
def raw_tables(context: dg.AssetExecutionContext, warehouse: WarehouseResource, parsed_dumps: str):
    """Land the parsed batch in DuckDB: each dump's rows replaced in one transaction."""
    batch = read_batch(Path(parsed_dumps))
    with warehouse.connect() as con:
        result = land_batch(con, batch)
    context.log.info(
        f"landed {len(result.dump_ids)} dumps: "
        + ", ".join(
            f"{t} +{n} (replaced {result.rows_replaced[t]})" for t, n in result.rows.items()
        )
    )
    for table in RAW_TABLES:
        yield dg.MaterializeResult(
            asset_key=["raw", table],
            metadata={
                "dagster/row_count": result.rows[table],
                "rows_replaced": result.rows_replaced[table],
                "dumps": len(result.dump_ids),
            },
        )
