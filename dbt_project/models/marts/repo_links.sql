-- Incremental: the changed papers' rows are replaced, the others kept.
{{ config(
    materialized='incremental',
    on_schema_change='fail',
    pre_hook="{{ delete_changed_rows('paper_id') }}",
) }}
-- depends_on: {{ ref('int_changed_papers') }}
with

links as (

    select * from {{ changed_rows(ref('int_paper_links_deduplicated')) }}

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
