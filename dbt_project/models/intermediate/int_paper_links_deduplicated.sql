-- One row per paper and URL, URLs compared case-insensitively. When a URL was found with
-- several spellings, the spelling (and its host/owner/name/kind) of the latest-captured
-- appearance wins, then the earliest link in that abstract, then the URL itself.
with

links as (

    select * from {{ ref('stg_raw__entry_links') }}

),

appearances as (

    select
        dump_id,
        position,
        appearance_rank,
    from {{ ref('int_paper_appearances_ranked') }}

),

ranked as (

    select
        links.paper_id,
        links.url,
        lower(links.url) as url_key,
        links.host,
        links.owner,
        links.name,
        links.link_kind,
        'abstract' as link_source,
        row_number() over (
            partition by links.paper_id, lower(links.url)
            order by appearances.appearance_rank asc, links.link_order asc, links.url asc
        ) as spelling_rank,
    from links
    inner join appearances
        on links.dump_id = appearances.dump_id
        and links.position = appearances.position

),

deduplicated as (

    select
        paper_id,
        url,
        url_key,
        host,
        owner,
        name,
        link_kind,
        link_source,
    from ranked
    where spelling_rank = 1

)

select * from deduplicated
