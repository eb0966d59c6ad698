-- Incremental: the changed papers' rows are replaced, the others kept.
{{ config(
    materialized='incremental',
    on_schema_change='fail',
    pre_hook="{{ delete_changed_rows('paper_id') }}",
) }}
-- depends_on: {{ ref('int_changed_papers') }}
with

paper_topics as (

    select * from {{ changed_rows(ref('int_paper_topics_matched')) }}

),

final as (

    select
        cast(paper_id as varchar) as paper_id,
        cast(topic as varchar) as topic,
        cast(matched_on as varchar) as matched_on,
    from paper_topics

)

select * from final
