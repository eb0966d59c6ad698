-- Maps every title-based id (raw.entries.paper_id) to its canonical paper_id.
-- Title-based ids linked by a shared arXiv id are one paper, transitively (a title id seen with
-- two arXiv ids joins both groups). A group's canonical id is the title-based id of its earliest
-- appearance: captured_on asc (undated dumps last), then dump_id, then position. An id never
-- seen with an arXiv id maps to itself.
-- Incremental: only the changed title ids (int_changed_title_ids, a set closed under these
-- links) are resolved again; the others keep their rows.
{{ config(
    materialized='incremental',
    on_schema_change='fail',
    pre_hook="{{ delete_changed_rows('title_paper_id', 'int_changed_title_ids', 'title_paper_id') }}",
) }}
-- depends_on: {{ ref('int_changed_title_ids') }}
with recursive

entries as (

    select
        dump_id,
        position,
        paper_id as title_paper_id,
        arxiv_id,
        captured_on,
    from {{ ref('stg_raw__entries') }}
    where {{ changed_only('paper_id', 'int_changed_title_ids', 'title_paper_id') }}

),

ordered as (

    select
        *,
        row_number() over (
            order by captured_on asc nulls last, dump_id asc, position asc
        ) as first_seen_order,
        row_number() over (
            order by captured_on desc nulls last, dump_id desc, position asc
        ) as latest_seen_order,
    from entries

),

title_ids as (

    select
        title_paper_id,
        min(first_seen_order) as first_seen_order,
    from ordered
    group by title_paper_id

),

arxiv_sightings as (

    select
        title_paper_id,
        arxiv_id,
        min(latest_seen_order) as latest_seen_order,
    from ordered
    where arxiv_id is not null
    group by title_paper_id, arxiv_id

),

edges as (

    select distinct
        from_ids.title_paper_id as from_id,
        to_ids.title_paper_id as to_id,
    from arxiv_sightings as from_ids
    inner join arxiv_sightings as to_ids
        on from_ids.arxiv_id = to_ids.arxiv_id
        and from_ids.title_paper_id != to_ids.title_paper_id

),

-- Every title id reachable from each title id (itself included); union stops on cycles.
reachable (title_paper_id, linked_id) as (

    select
        title_paper_id,
        title_paper_id,
    from title_ids

    union

    select
        reachable.title_paper_id,
        edges.to_id,
    from reachable
    inner join edges
        on reachable.linked_id = edges.from_id

),

canonical as (

    select
        reachable.title_paper_id,
        arg_min(reachable.linked_id, title_ids.first_seen_order) as paper_id,
    from reachable
    inner join title_ids
        on reachable.linked_id = title_ids.title_paper_id
    group by reachable.title_paper_id

),

-- The arXiv id that links each title id to its paper: preferably one the canonical id was
-- seen with too, latest observed first.
linking_arxiv as (

    select
        canonical.title_paper_id,
        first(
            own.arxiv_id
            order by (shared.arxiv_id is null) asc, own.latest_seen_order asc
        ) as arxiv_id,
        bool_or(shared.arxiv_id is not null) as shares_arxiv_id,
    from canonical
    inner join arxiv_sightings as own
        on canonical.title_paper_id = own.title_paper_id
    left join arxiv_sightings as shared
        on canonical.paper_id = shared.title_paper_id
        and own.arxiv_id = shared.arxiv_id
    group by canonical.title_paper_id

),

resolved as (

    select
        canonical.title_paper_id,
        canonical.paper_id,
        linking_arxiv.arxiv_id,
        case
            when canonical.title_paper_id = canonical.paper_id then null
            when linking_arxiv.shares_arxiv_id then 'same_arxiv_id'
            else 'linked_arxiv_ids'
        end as reason,
    from canonical
    left join linking_arxiv
        on canonical.title_paper_id = linking_arxiv.title_paper_id

)

select * from resolved
