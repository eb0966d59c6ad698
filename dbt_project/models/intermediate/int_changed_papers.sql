-- The canonical paper_ids an incremental build recomputes: those of the changed title ids in
-- the previous build and in this one. Per-paper models delete these papers' rows and insert
-- them again (macros/incremental_papers.sql); publishing copies only these papers' rows.
with

changed as (

    select * from {{ ref('int_changed_title_ids') }}

),

identities as (

    select
        title_paper_id,
        paper_id,
    from {{ ref('int_paper_identities_resolved') }}

),

papers as (

    select previous_paper_id as paper_id
    from changed
    where previous_paper_id is not null

    union

    select identities.paper_id
    from identities
    inner join changed
        on identities.title_paper_id = changed.title_paper_id

)

select * from papers
