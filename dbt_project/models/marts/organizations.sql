-- One row per organisation (HF handle) that a paper is credited to (papers.organization_handle),
-- with its papers and when they were listed. Rebuilt whole, like authors and topics: a handle
-- gains papers from any dump.
with

papers as (

    select
        paper_id,
        organization_handle,
        has_code,
        upvotes,
        first_listed_on,
        last_listed_on,
    from {{ ref('int_papers_merged') }}
    where organization_handle is not null

),

named as (

    -- The display name each handle was last seen with (latest capture first, as the papers'
    -- facts are merged).
    select
        organisation_handle as organization_handle,
        first(
            organisation
            order by captured_on desc nulls last, dump_id desc, position asc
        ) as organization,
    from {{ ref('int_paper_appearances_ranked') }}
    where organisation_handle is not null
    group by organisation_handle

),

counted as (

    select
        organization_handle,
        -- paper_id is unique in int_papers_merged (tested): a row per paper.
        count(*) as papers,
        count(*) filter (where has_code) as papers_with_code,
        sum(upvotes) as upvotes,
        min(first_listed_on) as first_listed_on,
        max(last_listed_on) as last_listed_on,
    from papers
    group by organization_handle

),

final as (

    select
        cast(counted.organization_handle as varchar) as organization_handle,
        cast(named.organization as varchar) as organization,
        cast(counted.papers as integer) as papers,
        cast(counted.papers_with_code as integer) as papers_with_code,
        cast(counted.upvotes as integer) as upvotes,
        cast(counted.first_listed_on as date) as first_listed_on,
        cast(counted.last_listed_on as date) as last_listed_on,
    from counted
    left join named
        on counted.organization_handle = named.organization_handle

)

select * from final
