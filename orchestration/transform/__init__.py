"""Transformations the dbt project runs as Python models (no Dagster here)."""
