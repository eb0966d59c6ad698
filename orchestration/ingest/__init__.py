"""Reading raw dumps: discovery, the text layouts, dates, identity and links (no Dagster here)."""
