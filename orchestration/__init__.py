"""Hugging Face Daily Papers warehouse: parsing, landing, validation and Dagster definitions."""
