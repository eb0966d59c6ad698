-- The title-based ids whose papers an incremental build recomputes, with the canonical
-- paper_id each had in the previous build (null for a new id). Runs before the identities and
-- appearances are rebuilt, and reads their previous tables.
-- Starting from the title ids of the changed dumps' entries, as landed now and as built before,
-- it adds every title id of the papers they belonged to, then every title id linked to those
-- through shared arXiv ids, transitively, as the dumps stand now. The set is closed: each
-- paper, before and after, lies wholly inside or wholly outside it, and outside it nothing
-- changed. On a full build (--full-refresh, or no previous build) every title id is in it.
-- depends_on: {{ ref('int_dump_changes') }}
{% set previous_identities = previous_build_of('int_paper_identities_resolved') %}
{% set previous_appearances = previous_build_of('int_paper_appearances_ranked') %}
{% set full_build = flags.FULL_REFRESH or previous_identities is none or previous_appearances is none %}
{% if full_build %}
select distinct
    paper_id as title_paper_id,
    cast(null as varchar) as previous_paper_id,
from {{ ref('stg_raw__entries') }}
{% else %}
with recursive

entries as (

    select
        dump_id,
        paper_id as title_paper_id,
        arxiv_id,
    from {{ ref('stg_raw__entries') }}

),

changed_dumps as (

    select dump_id from {{ ref('int_dump_changes') }}

),

touched as (

    select title_paper_id from entries
    where dump_id in (select dump_id from changed_dumps)

    union

    select title_paper_id from {{ previous_appearances }}
    where dump_id in (select dump_id from changed_dumps)

),

-- Every title id of the papers the touched ids belonged to in the previous build.
seeds as (

    select title_paper_id from touched

    union

    select members.title_paper_id
    from {{ previous_identities }} as members
    inner join {{ previous_identities }} as touched_ids
        on members.paper_id = touched_ids.paper_id
    where touched_ids.title_paper_id in (select title_paper_id from touched)

),

sightings as (

    select distinct
        title_paper_id,
        arxiv_id,
    from entries
    where arxiv_id is not null

),

reachable (title_paper_id) as (

    select title_paper_id from seeds

    union

    select linked.title_paper_id
    from reachable
    inner join sightings as own
        on reachable.title_paper_id = own.title_paper_id
    inner join sightings as linked
        on own.arxiv_id = linked.arxiv_id

),

final as (

    select
        reachable.title_paper_id,
        previous_identities.paper_id as previous_paper_id,
    from reachable
    left join {{ previous_identities }} as previous_identities
        on reachable.title_paper_id = previous_identities.title_paper_id

)

select * from final
{% endif %}
