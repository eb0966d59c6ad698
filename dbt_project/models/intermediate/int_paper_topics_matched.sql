-- Papers matched against every topic of the taxonomy seed: a paper gets a topic when the
-- topic's pattern (case-insensitive regular expression) matches its title or its abstract.
-- matched_on says which: 'title' wins when both match.
-- One select per topic, each with its pattern as a constant (see macros/topic_patterns.sql).
-- depends_on: {{ ref('topic_taxonomy') }}
{{ config(materialized='table') }}

{% set patterns = topic_patterns() %}

with

papers as (

    select
        paper_id,
        title,
        abstract,
    from {{ ref('int_papers_merged') }}

),

evaluated as (

    {% for topic, pattern in patterns %}
    select
        paper_id,
        {{ sql_string(topic) }} as topic,
        coalesce(regexp_matches(title, {{ sql_string(pattern) }}, 'i'), false) as matches_title,
        coalesce(regexp_matches(abstract, {{ sql_string(pattern) }}, 'i'), false) as matches_abstract,
    from papers
    {% if not loop.last %}union all{% endif %}
    {% else %}
    select
        null::varchar as paper_id,
        null::varchar as topic,
        false as matches_title,
        false as matches_abstract,
    where false
    {% endfor %}

),

matched as (

    select
        paper_id,
        topic,
        case when matches_title then 'title' else 'abstract' end as matched_on,
    from evaluated
    where matches_title or matches_abstract

)

select * from matched
