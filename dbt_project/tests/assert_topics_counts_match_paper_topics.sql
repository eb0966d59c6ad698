{{ config(meta={"dagster": {"ref": {"name": "topics"}}}) }}
-- topics.papers equals the number of rows of the topic in paper_topics, and
-- papers_with_code never exceeds papers.
with

topics as (

    select * from {{ ref('topics') }}

),

counted as (

    select
        topic,
        -- Rows, not distinct papers: (paper_id, topic) is unique in paper_topics (its own
        -- test), so they are the same number without count(distinct)'s hash tables (0.4 s
        -- of every build at 10,000 dumps).
        count(*) as papers,
    from {{ ref('paper_topics') }}
    group by topic

)

select
    topics.topic,
    topics.papers,
    topics.papers_with_code,
    counted.papers as paper_topics_rows,
from topics
left join counted
    on topics.topic = counted.topic
where topics.papers != coalesce(counted.papers, 0)
    or topics.papers_with_code > topics.papers
