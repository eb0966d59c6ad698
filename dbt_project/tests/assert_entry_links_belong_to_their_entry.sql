{{ config(meta={"dagster": {"ref": {"name": "stg_raw__entry_links"}}}) }}
-- A link's paper_id must be the paper_id of the entry (dump_id, position) it was found in.
with

links as (

    select * from {{ ref('stg_raw__entry_links') }}

),

entries as (

    select
        dump_id,
        position,
        paper_id,
    from {{ ref('stg_raw__entries') }}

)

select
    links.dump_id,
    links.position,
    links.link_order,
    links.paper_id as link_paper_id,
    entries.paper_id as entry_paper_id,
from links
left join entries
    on links.dump_id = entries.dump_id
    and links.position = entries.position
where entries.paper_id is null
    or entries.paper_id != links.paper_id
