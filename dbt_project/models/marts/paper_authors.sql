-- Incremental: the changed papers' rows are replaced, the others kept.
{{ config(
    materialized='incremental',
    on_schema_change='fail',
    pre_hook="{{ delete_changed_rows('paper_id') }}",
) }}
-- depends_on: {{ ref('int_changed_papers') }}
with

paper_authors as (

    select * from {{ changed_rows(ref('int_paper_authors_listed')) }}

),

final as (

    select
        cast(paper_id as varchar) as paper_id,
        cast(author as varchar) as author,
        cast(position as integer) as position,
    from paper_authors

)

select * from final
