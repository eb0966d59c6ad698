-- One row per author name (homonyms merge), with how many papers and when they were published.
with

paper_authors as (

    select
        paper_id,
        author,
    from {{ ref('int_paper_authors_listed') }}

),

papers as (

    select
        paper_id,
        published_on,
    from {{ ref('int_papers_merged') }}

),

final as (

    select
        cast(paper_authors.author as varchar) as author,
        cast(count(distinct paper_authors.paper_id) as integer) as papers,
        cast(min(papers.published_on) as date) as first_published_on,
        cast(max(papers.published_on) as date) as last_published_on,
    from paper_authors
    inner join papers
        on paper_authors.paper_id = papers.paper_id
    group by paper_authors.author

)

select * from final
