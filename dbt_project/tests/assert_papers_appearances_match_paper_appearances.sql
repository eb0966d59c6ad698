{{ config(meta={"dagster": {"ref": {"name": "papers"}}}) }}
-- Every paper has at least one appearance, and papers.appearances equals the number of
-- distinct dumps it appears in according to paper_appearances.
with

papers as (

    select
        paper_id,
        appearances,
    from {{ ref('papers') }}

),

counted as (

    select
        paper_id,
        count(distinct dump_id) as dumps,
    from {{ ref('paper_appearances') }}
    group by paper_id

)

select
    papers.paper_id,
    papers.appearances,
    counted.dumps,
from papers
left join counted
    on papers.paper_id = counted.paper_id
where counted.dumps is null
    or papers.appearances != counted.dumps
