-- Papers matched against every topic of the taxonomy seed: a paper gets a topic when the
-- topic's pattern (case-insensitive regular expression) matches its title or its abstract.
-- matched_on says which: 'title' wins when both match.
with

papers as (

    select
        paper_id,
        title,
        abstract,
    from {{ ref('int_papers_merged') }}

),

taxonomy as (

    select
        topic,
        pattern,
    from {{ ref('topic_taxonomy') }}

),

evaluated as (

    select
        papers.paper_id,
        taxonomy.topic,
        coalesce(regexp_matches(papers.title, taxonomy.pattern, 'i'), false) as matches_title,
        coalesce(regexp_matches(papers.abstract, taxonomy.pattern, 'i'), false) as matches_abstract,
    from papers
    cross join taxonomy

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
