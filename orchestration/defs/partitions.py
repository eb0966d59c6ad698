"""One Dagster partition per dump file, keyed by its dump_id."""

import dagster as dg

dumps_partitions = dg.DynamicPartitionsDefinition(name="dumps")

# Every step that writes the DuckDB working database runs in this pool; `make dev` and
# `make run` give it a limit of 1, because DuckDB allows one writing process per file.
WRITER_POOL = "duckdb_writer"
