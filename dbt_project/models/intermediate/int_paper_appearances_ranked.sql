-- Every appearance of a paper in a loaded dump, ranked per paper latest capture first:
-- captured_on desc (undated dumps last), then dump_id desc, then position.
-- appearance_rank = 1 is the appearance whose facts win when appearances are merged.
with

entries as (

    select * from {{ ref('stg_raw__entries') }}

),

ranked as (

    select
        dump_id,
        position,
        paper_id,
        title,
        abstract,
        authors_count,
        published_on,
        comments_count,
        captured_on,
        source_format,
        row_number() over (
            partition by paper_id
            order by captured_on desc nulls last, dump_id desc, position asc
        ) as appearance_rank,
    from entries

)

select * from ranked
