-- Every appearance of a paper in a loaded dump, under its canonical paper_id, ranked per paper
-- latest capture first: captured_on desc (undated dumps last), then dump_id desc, then position.
-- appearance_rank = 1 is the appearance whose facts win when appearances are merged.
with

entries as (

    select * from {{ ref('stg_raw__entries') }}

),

identities as (

    select
        title_paper_id,
        paper_id,
    from {{ ref('int_paper_identities_resolved') }}

),

resolved as (

    select
        entries.*,
        entries.paper_id as title_paper_id,
        identities.paper_id as canonical_paper_id,
    from entries
    inner join identities
        on entries.paper_id = identities.title_paper_id

),

ranked as (

    select
        dump_id,
        position,
        canonical_paper_id as paper_id,
        title_paper_id,
        title,
        abstract,
        arxiv_id,
        authors_count,
        author_names,
        published_on,
        listed_on,
        comments_count,
        upvotes,
        github_stars,
        captured_on,
        source_format,
        row_number() over (
            partition by canonical_paper_id
            order by captured_on desc nulls last, dump_id desc, position asc
        ) as appearance_rank,
    from resolved

)

select * from ranked
