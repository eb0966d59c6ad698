-- Title-based paper ids that resolve to another paper's id, so ids published earlier (or
-- computed from a title) keep resolving after papers are merged by arXiv id.
-- Incremental: the changed papers' aliases are replaced, the others kept.
{{ config(
    materialized='incremental',
    on_schema_change='fail',
    pre_hook="{{ delete_changed_rows('paper_id') }}",
) }}
-- depends_on: {{ ref('int_changed_papers') }}
with

identities as (

    select * from {{ changed_rows(ref('int_paper_identities_resolved')) }}

),

final as (

    select
        cast(title_paper_id as varchar) as alias_id,
        cast(paper_id as varchar) as paper_id,
        cast(arxiv_id as varchar) as arxiv_id,
        cast(reason as varchar) as reason,
    from identities
    where title_paper_id != paper_id

)

select * from final
