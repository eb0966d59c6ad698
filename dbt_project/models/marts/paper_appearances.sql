-- Incremental: the changed papers' rows are replaced, the others kept.
{{ config(
    materialized='incremental',
    on_schema_change='fail',
    pre_hook="{{ delete_changed_rows('paper_id') }}",
) }}
-- depends_on: {{ ref('int_changed_papers') }}
with

appearances as (

    select * from {{ changed_rows(ref('int_paper_appearances_ranked')) }}

),

final as (

    select
        cast(dump_id as varchar) as dump_id,
        cast(paper_id as varchar) as paper_id,
        cast(position as integer) as position,
        cast(captured_on as date) as captured_on,
        cast(source_format as varchar) as source_format,
        cast(listed_on as date) as listed_on,
        cast(upvotes as integer) as upvotes,
        cast(comments_count as integer) as comments_count,
        cast(daily_rank as integer) as daily_rank,
    from appearances

)

select * from final
