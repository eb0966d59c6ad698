"""Landing parsed dumps into the DuckDB raw schema."""
