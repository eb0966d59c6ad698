-- Incremental: the changed papers' rows are replaced, the others kept.
{{ config(
    materialized='incremental',
    on_schema_change='fail',
    pre_hook="{{ delete_changed_rows('paper_id') }}",
) }}
-- depends_on: {{ ref('int_changed_papers') }}
with

papers as (

    select * from {{ changed_rows(ref('int_papers_merged')) }}

),

final as (

    select
        cast(paper_id as varchar) as paper_id,
        cast(title as varchar) as title,
        cast(abstract as varchar) as abstract,
        cast(authors_count as integer) as authors_count,
        cast(published_on as date) as published_on,
        cast(comments_count as integer) as comments_count,
        cast(first_captured_on as date) as first_captured_on,
        cast(last_captured_on as date) as last_captured_on,
        cast(appearances as integer) as appearances,
        cast(has_code as boolean) as has_code,
        cast(arxiv_id as varchar) as arxiv_id,
        cast(upvotes as integer) as upvotes,
        cast(github_stars as integer) as github_stars,
        cast(organization as varchar) as organization,
        cast(organization_handle as varchar) as organization_handle,
        cast(submitted_by as varchar) as submitted_by,
        cast(first_listed_on as date) as first_listed_on,
        cast(ai_summary as varchar) as ai_summary,
        cast(ai_keywords as varchar[]) as ai_keywords,
    from papers

)

select * from final
