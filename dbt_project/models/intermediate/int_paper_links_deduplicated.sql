-- One row per paper (canonical id) and URL, URLs compared case-insensitively, over the links
-- found in abstracts and those the pages name. When a URL was found with several spellings,
-- the spelling (and its host/owner/name/kind) of the latest-captured appearance wins, then the
-- earliest link in that entry, then the URL itself. link_source says where the URL was found
-- over all appearances: 'abstract', 'page' or 'abstract_and_page'.
-- Incremental: the changed papers' links are deduplicated again, the others kept.
{{ config(
    materialized='incremental',
    on_schema_change='fail',
    pre_hook="{{ delete_changed_rows('paper_id') }}",
) }}
-- depends_on: {{ ref('int_changed_papers') }}
with

links as (

    select * from {{ ref('stg_raw__entry_links') }}

),

appearances as (

    select
        dump_id,
        position,
        paper_id,
        appearance_rank,
    from {{ changed_rows(ref('int_paper_appearances_ranked')) }}

),

ranked as (

    select
        appearances.paper_id,
        links.url,
        lower(links.url) as url_key,
        links.host,
        links.owner,
        links.name,
        links.link_kind,
        links.link_source,
        row_number() over (
            partition by appearances.paper_id, lower(links.url)
            order by appearances.appearance_rank asc, links.link_order asc, links.url asc
        ) as spelling_rank,
    from links
    inner join appearances
        on links.dump_id = appearances.dump_id
        and links.position = appearances.position

),

sources as (

    select
        paper_id,
        url_key,
        case
            when bool_or(link_source = 'abstract') and bool_or(link_source = 'page')
                then 'abstract_and_page'
            else min(link_source)
        end as link_source,
    from ranked
    group by paper_id, url_key

),

deduplicated as (

    select
        ranked.paper_id,
        ranked.url,
        ranked.url_key,
        ranked.host,
        ranked.owner,
        ranked.name,
        ranked.link_kind,
        sources.link_source,
    from ranked
    inner join sources
        on ranked.paper_id = sources.paper_id
        and ranked.url_key = sources.url_key
    where ranked.spelling_rank = 1

)

select * from deduplicated
