-- One row per paper (canonical id): each fact is the first non-null value over the paper's
-- appearances in rank order (latest capture first), so an older dump fills in what a newer one
-- lacks; upvotes and github_stars are thus the latest observed values.
-- arg_min by appearance_rank (unique per paper) picks the same value as first(... order by
-- appearance_rank) without sorting each paper's appearances.
with

appearances as (

    select * from {{ ref('int_paper_appearances_ranked') }}

),

links as (

    select * from {{ ref('int_paper_links_deduplicated') }}

),

merged as (

    select
        paper_id,
        arg_min(title, appearance_rank) filter (where title is not null) as title,
        arg_min(abstract, appearance_rank) filter (where abstract is not null) as abstract,
        arg_min(authors_count, appearance_rank) filter (where authors_count is not null) as authors_count,
        arg_min(published_on, appearance_rank) filter (where published_on is not null) as published_on,
        arg_min(comments_count, appearance_rank) filter (where comments_count is not null) as comments_count,
        arg_min(arxiv_id, appearance_rank) filter (where arxiv_id is not null) as arxiv_id,
        arg_min(upvotes, appearance_rank) filter (where upvotes is not null) as upvotes,
        arg_min(github_stars, appearance_rank) filter (where github_stars is not null) as github_stars,
        min(captured_on) as first_captured_on,
        max(captured_on) as last_captured_on,
        count(distinct dump_id) as appearances,
    from appearances
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
        merged.appearances,
        coalesce(code_links.has_code, false) as has_code,
        merged.arxiv_id,
        merged.upvotes,
        merged.github_stars,
    from merged
    left join code_links
        on merged.paper_id = code_links.paper_id

)

select * from final
