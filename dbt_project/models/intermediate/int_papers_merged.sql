-- One row per paper (canonical id): each fact is the first non-null value over the paper's
-- appearances in rank order (latest capture first), so an older dump fills in what a newer one
-- lacks; upvotes and github_stars are thus the latest observed values. The organisation's
-- display name comes from the same appearance as its handle when any appearance gives a handle
-- (text dumps print a name only), so the pair never mixes two organisations; ai_keywords is
-- the latest non-empty list.
-- arg_min by appearance_rank (unique per paper) picks the same value as first(... order by
-- appearance_rank) without sorting each paper's appearances.
-- Window aggregates over each paper's appearances, not GROUP BY: GROUP BY's aggregate states
-- do not spill, and holding every paper's abstract they ran out of 1GB at 10,000 dumps; a
-- window's rows do spill. The abstract is not aggregated at all (a windowed arg_min of it ran
-- out too): the row kept per paper is the appearance with the winning abstract, or its first
-- appearance when none has one.
-- Incremental: the changed papers are merged again, the others kept.
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

links as (

    select * from {{ changed_rows(ref('int_paper_links_deduplicated')) }}

),

merged as (

    select
        paper_id,
        arg_min(title, appearance_rank) filter (where title is not null) over paper as title,
        abstract,
        arg_min(authors_count, appearance_rank) filter (where authors_count is not null) over paper as authors_count,
        arg_min(published_on, appearance_rank) filter (where published_on is not null) over paper as published_on,
        arg_min(comments_count, appearance_rank) filter (where comments_count is not null) over paper as comments_count,
        arg_min(arxiv_id, appearance_rank) filter (where arxiv_id is not null) over paper as arxiv_id,
        arg_min(upvotes, appearance_rank) filter (where upvotes is not null) over paper as upvotes,
        arg_min(github_stars, appearance_rank) filter (where github_stars is not null) over paper as github_stars,
        arg_min(organisation, appearance_rank) filter (where organisation_handle is not null) over paper as handled_organisation,
        arg_min(organisation_handle, appearance_rank) filter (where organisation_handle is not null) over paper as organization_handle,
        arg_min(organisation, appearance_rank) filter (where organisation is not null) over paper as named_organisation,
        arg_min(submitter, appearance_rank) filter (where submitter is not null) over paper as submitted_by,
        arg_min(ai_summary, appearance_rank) filter (where ai_summary is not null) over paper as ai_summary,
        arg_min(ai_keywords, appearance_rank) filter (where len(ai_keywords) > 0) over paper as ai_keywords,
        min(listed_on) over paper as first_listed_on,
        max(listed_on) over paper as last_listed_on,
        min(captured_on) over paper as first_captured_on,
        max(captured_on) over paper as last_captured_on,
    from appearances
    window paper as (partition by paper_id)
    qualify appearance_rank = coalesce(
        min(appearance_rank) filter (where abstract is not null) over paper,
        min(appearance_rank) over paper
    )

),

-- Distinct dumps per paper, from the two key columns alone: a count(distinct) over the window
-- kept every paper's dump ids in memory (out of 512MB at 10,000 dumps), and reading the
-- `appearances` CTE a second time would materialise its wide rows.
dumps_per_paper as (

    select
        paper_id,
        count(*) as appearances,
    from (
        select distinct paper_id, dump_id
        from {{ changed_rows(ref('int_paper_appearances_ranked')) }}
    )
    group by paper_id

),

code_links as (

    select
        paper_id,
        bool_or(link_kind = 'code_repository') as has_code,
    from links
    group by paper_id

),

final as (

    select
        merged.paper_id,
        merged.title,
        merged.abstract,
        merged.authors_count,
        merged.published_on,
        merged.comments_count,
        merged.first_captured_on,
        merged.last_captured_on,
        dumps_per_paper.appearances,
        coalesce(code_links.has_code, false) as has_code,
        merged.arxiv_id,
        merged.upvotes,
        merged.github_stars,
        coalesce(merged.handled_organisation, merged.named_organisation) as organization,
        merged.organization_handle,
        merged.submitted_by,
        merged.first_listed_on,
        merged.last_listed_on,
        merged.ai_summary,
        merged.ai_keywords,
    from merged
    inner join dumps_per_paper
        on merged.paper_id = dumps_per_paper.paper_id
    left join code_links
        on merged.paper_id = code_links.paper_id

)

select * from final
