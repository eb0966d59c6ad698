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
    dbt.ref("int_changed_papers")  # dbt's lineage; the SQL below reads them by name
    dbt.ref("int_papers_merged")
    # The changed papers' rows fetched by row id, as the changed_rows macro does (this build
    # inserted them last): a semi-join on paper_id reads every abstract of the table. A
    # relation from dbt.ref() has no rowid, hence the tables by name (same schema as this).
    merged, changed = (
        f'"{dbt.this.database}"."{dbt.this.schema}"."{name}"'
        for name in ("int_papers_merged", "int_changed_papers")
    )
    papers = session.sql(
        f"select paper_id, title, abstract from {merged} where rowid in "
        f"(select rowid from {merged} semi join {changed} using (paper_id))"
    )
    return match_topics_reader(papers.to_arrow_reader(BATCH_ROWS), taxonomy)
