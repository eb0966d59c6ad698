"""Ingest: the dump files, their parsed entries, and the raw tables they land in.

Every run looks at the whole dumps folder, and the load audit (raw.dumps) alone decides what
is parsed: files that are new, or whose bytes, sidecar or parser version changed since they
were landed. A run takes one new dump or ten thousand, and pays Dagster's, Polars' and
DuckDB's start-up once. The steps hand over through files of the run (an inventory and a
Parquet batch under the working folder, written chunk by chunk and landed by DuckDB from the
files), so memory does not grow with the size of the run. Per-dump figures live in the audit
and in each step's metadata, not in one Dagster partition per file: Dagster records every
partition of a run, and at 1,000 dumps that bookkeeping cost minutes.
"""

import time
from pathlib import Path

import dagster as dg
import polars as pl

from ..ingest.batch_files import BatchWriter, prune_batches
from ..ingest.discovery import read_dump
from ..ingest.inventory import Inventory, dumps_to_look_at, landed_file_stats, take_inventory
from ..ingest.limits import Limits
from ..ingest.parse import PARSER_VERSION, parse_dumps
from ..landing.faults import fault_point
from ..landing.land import land_parts, landed_fingerprints, landed_shas
from ..landing.quarantine import forget_quarantined
from .display import markdown_table
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


class ParseConfig(dg.Config):
    """Capture years given by hand (file name or dump_id -> year) beat sidecars and
    inference; `reload` parses every dump of the run even when its bytes did not change."""

    capture_year_overrides: dict[str, int] = {}
    reload: bool = False


def run_folder(warehouse: WarehouseResource, run_id: str) -> Path:
    return warehouse.work_dir() / "runs" / run_id


@dg.asset(group_name="ingest", kinds={"python"})
def dump_files(
    context: dg.AssetExecutionContext, config: ParseConfig, warehouse: WarehouseResource
) -> None:
    """The dumps folder against the load audit: new or changed dumps are parsed, unchanged
    ones skipped (a stat per file, then a SHA-256 of those whose size or time changed)."""
    folder = warehouse.dumps_path()
    if not folder.is_dir():
        raise dg.Failure(f"dumps folder {folder} does not exist (PAPERS_DUMPS_DIR)")
    forced = set(config.capture_year_overrides)
    # The audit, read once: what each landed file's stat and fingerprint were.
    fingerprints, stats = warehouse.read_work(
        lambda con: (landed_fingerprints(con), landed_file_stats(con)), ({}, {})
    )
    # With capture years given by hand, every file is looked at (a SHA-256 each), as the
    # overrides name files whose stat did not change.
    look_at, residecared, missing = dumps_to_look_at(
        folder, stats, PARSER_VERSION, everything=config.reload or bool(forced)
    )
    forced |= set(residecared)
    landed = {} if config.reload else fingerprints
    landed = {k: v for k, v in landed.items() if k not in forced}
    inventory = take_inventory(folder, look_at, landed, PARSER_VERSION, forced)
    inventory.write(run_folder(warehouse, context.run.run_id) / "inventory.json")
    # A quarantined dump whose file was removed is let go; a loaded one is kept.
    dropped: set[str] = set()
    if missing:
        with warehouse.connect() as con:
            dropped = set(forget_quarantined(con, missing))
    for dump_id in missing:
        if dump_id in dropped:
            context.log.info(f"dump {dump_id}: quarantined and its file removed; dropped")
        else:
            context.log.warning(f"dump {dump_id}: its file is no longer in {folder}; kept")
    context.add_output_metadata(
        {
            "folder": str(folder),
            "looked_at": len(look_at),
            "sidecars_changed": len(residecared),
            "to_parse": len(inventory.to_parse),
            "unchanged_skipped": len(inventory.unchanged),
            "missing": len(missing),
            "quarantined_dropped": len(dropped),
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
        fault_point("parse")  # the tests' SIGKILL with a chunk written
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
