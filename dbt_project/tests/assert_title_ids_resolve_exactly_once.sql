{{ config(meta={"dagster": {"ref": {"name": "paper_aliases"}}}) }}
-- Every title-based id of a loaded entry keeps resolving: it is either a paper_id of papers or
-- an alias_id of paper_aliases, never both, never neither.
with

title_ids as (

    select distinct paper_id as title_paper_id,
    from {{ ref('stg_raw__entries') }}

),

papers as (

    select paper_id,
    from {{ ref('papers') }}

),

aliases as (

    select alias_id,
    from {{ ref('paper_aliases') }}

)

select
    title_ids.title_paper_id,
    papers.paper_id is not null as is_paper,
    aliases.alias_id is not null as is_alias,
from title_ids
left join papers
    on title_ids.title_paper_id = papers.paper_id
left join aliases
    on title_ids.title_paper_id = aliases.alias_id
where (papers.paper_id is null) = (aliases.alias_id is null)
