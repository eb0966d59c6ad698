"""The changed papers (int_changed_papers: all of them on a full build) matched against every
topic of the taxonomy seed: a paper gets a topic when the topic's pattern (case-insensitive
RE2 regular expression) matches its title or its abstract; matched_on says which, 'title'
winning when both match. int_paper_topics_matched keeps the other papers' matches.

A Python model: Polars' Rust regex does this several times faster than DuckDB's
regexp_matches (orchestration/transform/topics.py, tested in tests/test_topics.py; dbt unit
tests do not run on Python models). Papers and matches stream through in batches, so memory
stays bounded whatever the number of papers.

A table, not an incremental model: dbt-duckdb's incremental Python models lose their
temporary table (the insert finds no such table).
"""

from orchestration.transform.topics import BATCH_ROWS, match_topics_reader


def model(dbt, session):
    dbt.config(materialized="table")
    taxonomy = dbt.ref("topic_taxonomy").project("topic, pattern").pl()
    changed = dbt.ref("int_changed_papers").set_alias("changed")
    papers = (
        dbt.ref("int_papers_merged")
        .project("paper_id, title, abstract")
        .join(changed, "paper_id", how="semi")
    )
    return match_topics_reader(papers.to_arrow_reader(BATCH_ROWS), taxonomy)
