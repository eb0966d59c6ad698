-- The authors of each paper (canonical id), one row per name: the names of the paper's
-- best-ranked appearance (latest capture first) that names any author, trimmed, in the
-- source's order. Blank names are dropped; position is 1-based and contiguous.
-- Incremental: the changed papers' rows are listed again, the others kept.
{{ config(
    materialized='incremental',
    on_schema_change='fail',
    pre_hook="{{ delete_changed_rows('paper_id') }}",
) }}
-- depends_on: {{ ref('int_changed_papers') }}
with

appearances as (

    select
        paper_id,
        author_names,
        appearance_rank,
    from {{ changed_rows(ref('int_paper_appearances_ranked')) }}
    where len(author_names) > 0

),

latest_named as (

    select
        paper_id,
        arg_min(author_names, appearance_rank) as author_names,
    from appearances
    group by paper_id

),

unnested as (

    select
        paper_id,
        trim(unnest(author_names)) as author,
        unnest(generate_series(1, len(author_names))) as source_index,
    from latest_named

),

listed as (

    select
        paper_id,
        author,
        cast(row_number() over (partition by paper_id order by source_index) as integer) as position,
    from unnested
    where author != ''

)

select * from listed
