"""Papers matched against every topic of the taxonomy seed: a paper gets a topic when the
topic's pattern (case-insensitive RE2 regular expression) matches its title or its abstract;
matched_on says which, 'title' winning when both match.

A Python model: Polars' Rust regex does this several times faster than DuckDB's
regexp_matches (orchestration/transform/topics.py, tested in tests/test_topics.py; dbt unit
tests do not run on Python models). Papers and matches stream through in batches, so memory
stays bounded whatever the number of papers.
"""

from orchestration.transform.topics import BATCH_ROWS, match_topics_reader


def model(dbt, session):
    dbt.config(materialized="table")
    taxonomy = dbt.ref("topic_taxonomy").project("topic, pattern").pl()
    papers = dbt.ref("int_papers_merged").project("paper_id, title, abstract")
    return match_topics_reader(papers.to_arrow_reader(BATCH_ROWS), taxonomy)
