{{ config(meta={"dagster": {"ref": {"name": "dates"}}}) }}
-- The dates spine has no gap and runs exactly from the earliest to the latest published_on /
-- captured_on found in the marts.
with

spine as (

    select
        min(date_day) as first_day,
        max(date_day) as last_day,
        count(*) as days,
    from {{ ref('dates') }}

),

activity as (

    select
        min(activity_on) as first_day,
        max(activity_on) as last_day,
    from (
        select published_on as activity_on from {{ ref('papers') }}
        union all
        select captured_on as activity_on from {{ ref('paper_appearances') }}
    )

)

select
    spine.first_day as spine_first_day,
    spine.last_day as spine_last_day,
    spine.days,
    activity.first_day as activity_first_day,
    activity.last_day as activity_last_day,
from spine
cross join activity
where spine.first_day is distinct from activity.first_day
    or spine.last_day is distinct from activity.last_day
    or spine.days != coalesce(datediff('day', spine.first_day, spine.last_day) + 1, 0)
