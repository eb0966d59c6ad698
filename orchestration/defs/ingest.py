"""Ingest: the dump files, their parsed entries, and the raw tables they land in.

`dump_files` is partitioned by dump (see partitions.py) with a single-run backfill policy: a
run takes one dump or ten thousand, and pays Dagster's, Polars' and DuckDB's start-up once.
The steps after it work on whatever the run's partitions selected, through files of the run
(an inventory and a Parquet batch under the working folder, written chunk by chunk and landed
by DuckDB from the files, so memory does not grow with the size of the run), and are not
partitioned themselves: Dagster records every partition of every partitioned asset of a run, and at
1,000 dumps six partitioned assets cost five minutes of bookkeeping for one of parsing.
"""

import time
from pathlib import Path

import dagster as dg
import polars as pl

from ..ingest.batch_files import BatchWriter, prune_batches
from ..ingest.discovery import read_dump
from ..ingest.inventory import Inventory, take_inventory
from ..ingest.limits import Limits
from ..ingest.parse import PARSER_VERSION, parse_dumps
from ..landing.land import land_parts, landed_fingerprints, landed_shas
from .display import markdown_table
from .partitions import WRITER_POOL, dumps_partitions
from .progress import Progress
from .resources import WarehouseResource

RAW_TABLES = {
    "dumps": "Load audit: one row per dump file, loaded or rejected whole.",
    "entries": "One row per entry (paper card) loaded from a dump.",
    "entry_links": "Every URL found in an entry's abstract, canonicalised.",
    "rejects": "Entries, or whole files, that could not be loaded, with the reason.",
}
# Files are read, parsed and written to Parquet in chunks: memory stays bounded and progress
# shows.
CHUNK_FILES = 500
SINGLE_RUN = dg.BackfillPolicy.single_run()


class ParseConfig(dg.Config):
    """Capture years given by hand (file name or dump_id -> year) beat sidecars and
    inference; `reload` parses every dump of the run even when its bytes did not change."""

    capture_year_overrides: dict[str, int] = {}
    reload: bool = False


def run_folder(warehouse: WarehouseResource, run_id: str) -> Path:
    return warehouse.work_dir() / "runs" / run_id


@dg.asset(
    group_name="ingest",
    kinds={"python"},
    partitions_def=dumps_partitions,
    backfill_policy=SINGLE_RUN,
)
def dump_files(
    context: dg.AssetExecutionContext, config: ParseConfig, warehouse: WarehouseResource
) -> None:
    """The run's dump files, fingerprinted: new or changed ones are parsed, unchanged skipped."""
    folder = warehouse.dumps_path()
    landed = {} if config.reload else warehouse.read_work(landed_fingerprints)
    forced = set(config.capture_year_overrides)
    landed = {k: v for k, v in landed.items() if k not in forced}
    inventory = take_inventory(folder, context.partition_keys, landed, PARSER_VERSION)
    inventory = Inventory(
        [n for n in inventory.to_parse] + [n for n in inventory.unchanged if n in forced],
        [n for n in inventory.unchanged if n not in forced],
        inventory.missing,
    )
    inventory.write(run_folder(warehouse, context.run.run_id) / "inventory.json")
    for dump_id in inventory.missing:
        context.log.warning(f"dump {dump_id}: its file is no longer in {folder}; kept as loaded")
    context.add_output_metadata(
        {
            "folder": str(folder),
            "dumps_in_run": len(context.partition_keys),
            "to_parse": len(inventory.to_parse),
            "unchanged_skipped": len(inventory.unchanged),
            "missing": len(inventory.missing),
        }
    )


@dg.asset(
    group_name="ingest",
    kinds={"polars"},
    deps=[dump_files],
)
def parsed_dumps(
    context: dg.AssetExecutionContext, config: ParseConfig, warehouse: WarehouseResource
) -> None:
    """The new or changed dumps parsed with Polars into entries, links and rejects."""
    folder = warehouse.dumps_path()
    out = run_folder(warehouse, context.run.run_id)
    names = Inventory.read(out / "inventory.json").to_parse
    # Copies of dumps loaded earlier are recognised by their bytes (not the ones reparsed now).
    known = {
        sha: name
        for sha, name in warehouse.read_work(landed_shas).items()
        if name not in set(names)
    }
    limits = Limits.from_env()
    progress = Progress(context.log, "parsed", len(names), unit="dumps")
    writer = BatchWriter(out / "parsed")
    audits: list[pl.DataFrame] = []  # the per-dump audit rows: small, kept for the metadata
    entries_loaded = links = 0
    for start in range(0, len(names), CHUNK_FILES):
        chunk = [read_dump(folder / name, folder) for name in names[start : start + CHUNK_FILES]]
        batch = parse_dumps(chunk, config.capture_year_overrides, limits, known)
        del chunk
        for row in batch.dumps.filter(pl.col("status") == "loaded").iter_rows(named=True):
            known.setdefault(row["sha256"], row["file_name"])
        writer.write(batch)
        audits.append(batch.dumps)
        entries_loaded += batch.entries.height
        links += batch.links.height
        del batch  # before the next chunk is parsed, not after
        progress.advance(min(CHUNK_FILES, len(names) - start))
    if not writer.parts:
        # No file to parse: an empty batch, so the next steps find every frame.
        empty = parse_dumps([])
        writer.write(empty)
        audits.append(empty.dumps)
    prune_batches(out.parent)
    dumps = pl.concat(audits)
    rejected = dumps.filter(pl.col("status") == "rejected")
    for row in rejected.iter_rows(named=True):
        context.log.warning(f"rejected file {row['file_name']!r}: {row['reject_reason']}")
    layouts = dumps.group_by("layout").len().sort("layout").iter_rows()
    context.add_output_metadata(
        {
            "dumps": dumps.height,
            "dumps_rejected": rejected.height,
            "entries_parsed": int(dumps["entries_parsed"].sum()),
            "entries_loaded": entries_loaded,
            "entries_rejected": int(dumps["entries_rejected"].sum()),
            "links": links,
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
        }
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            ["raw", table],
            description=text,
            group_name="ingest",
            kinds={"duckdb"},
            deps=[parsed_dumps],
        )
        for table, text in RAW_TABLES.items()
    ],
    pool=WRITER_POOL,
    retry_policy=dg.RetryPolicy(max_retries=2, delay=2),
)
def raw_tables(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Land the parsed batch in DuckDB: each dump's rows replaced, the whole run in one
    transaction, read by DuckDB from the batch's Parquet parts."""
    started = time.monotonic()
    with warehouse.connect() as con:
        result = land_parts(con, run_folder(warehouse, context.run.run_id) / "parsed")
    context.log.info(
        f"landed {len(result.dump_ids)} dumps in {time.monotonic() - started:.1f} s: "
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
                "dumps_landed": len(result.dump_ids),
            },
        )
