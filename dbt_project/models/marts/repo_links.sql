with

links as (

    select * from {{ ref('int_paper_links_deduplicated') }}

),

final as (

    select
        cast(paper_id as varchar) as paper_id,
        cast(url as varchar) as url,
        cast(host as varchar) as host,
        cast(owner as varchar) as owner,
        cast(name as varchar) as name,
        cast(link_kind as varchar) as link_kind,
        cast(link_source as varchar) as link_source,
    from links

)

select * from final
