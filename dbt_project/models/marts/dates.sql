-- A calendar spine: one row per day from the earliest to the latest published_on (of the
-- merged papers) or captured_on (of the loaded dumps), with activity counts per day.
with

papers as (

    select
        paper_id,
        published_on,
    from {{ ref('int_papers_merged') }}

),

appearances as (

    select
        paper_id,
        captured_on,
    from {{ ref('int_paper_appearances_ranked') }}

),

all_dates as (

    select published_on as activity_on from papers
    union all
    select captured_on as activity_on from appearances

),

bounds as (

    select
        min(activity_on) as first_day,
        max(activity_on) as last_day,
    from all_dates

),

spine as (

    select
        cast(unnest(generate_series(first_day, last_day, interval 1 day)) as date) as date_day,
    from bounds
    where first_day is not null

),

published as (

    select
        published_on as date_day,
        count(distinct paper_id) as papers_published,
    from papers
    where published_on is not null
    group by published_on

),

captured as (

    select
        captured_on as date_day,
        count(distinct paper_id) as papers_captured,
    from appearances
    where captured_on is not null
    group by captured_on

),

final as (

    select
        spine.date_day,
        cast(year(spine.date_day) as integer) as year,
        cast(quarter(spine.date_day) as integer) as quarter,
        cast(month(spine.date_day) as integer) as month,
        cast(week(spine.date_day) as integer) as iso_week,
        cast(isodow(spine.date_day) as integer) as day_of_week,
        cast(coalesce(published.papers_published, 0) as integer) as papers_published,
        cast(coalesce(captured.papers_captured, 0) as integer) as papers_captured,
    from spine
    left join published
        on spine.date_day = published.date_day
    left join captured
        on spine.date_day = captured.date_day

)

select * from final
