"""Fetch Hugging Face's `/api/daily_papers` responses and save them as dumps.

Plain Python, no Dagster: `python -m orchestration.fetch` and the `hf_daily_papers` asset
(orchestration/defs/fetch.py) both call `daily.fetch_days`.
"""
