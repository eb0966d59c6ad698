-- Links of entries of loaded dumps: URLs found in the abstracts and the pages' own links.
with

links as (

    select * from {{ source('raw', 'entry_links') }}

),

loaded_dumps as (

    select dump_id,
    from {{ ref('stg_raw__dumps') }}
    where is_loaded

),

filtered as (

    select
        links.dump_id,
        links.position,
        links.paper_id,
        links.link_order,
        links.url_raw,
        links.url,
        links.host,
        links.owner,
        links.name,
        links.link_kind,
        links.link_source,
    from links
    inner join loaded_dumps
        on links.dump_id = loaded_dumps.dump_id

)

select * from filtered
