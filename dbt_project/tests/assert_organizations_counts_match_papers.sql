{{ config(meta={"dagster": {"ref": {"name": "organizations"}}}) }}
-- organizations.papers equals the number of papers credited to the handle in papers, every
-- handle of papers has its row, and papers_with_code never exceeds papers.
with

organizations as (

    select * from {{ ref('organizations') }}

),

counted as (

    select
        organization_handle,
        count(*) as papers,
    from {{ ref('papers') }}
    where organization_handle is not null
    group by organization_handle

)

select
    coalesce(organizations.organization_handle, counted.organization_handle) as organization_handle,
    organizations.papers,
    organizations.papers_with_code,
    counted.papers as papers_rows,
from organizations
full outer join counted
    on organizations.organization_handle = counted.organization_handle
where organizations.papers is distinct from counted.papers
    or organizations.papers_with_code > organizations.papers
