"""Dagster definitions, one module per concern: ingest, quality, transform, automation."""
