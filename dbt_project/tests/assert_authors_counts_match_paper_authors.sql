{{ config(meta={"dagster": {"ref": {"name": "authors"}}}) }}
-- authors.papers equals the number of distinct papers listing the author in paper_authors,
-- and every author has at least one paper.
with

authors as (

    select
        author,
        papers,
    from {{ ref('authors') }}

),

counted as (

    select
        author,
        count(distinct paper_id) as papers,
    from {{ ref('paper_authors') }}
    group by author

)

select
    authors.author,
    authors.papers,
    counted.papers as paper_authors_papers,
from authors
left join counted
    on authors.author = counted.author
where counted.papers is null
    or authors.papers != counted.papers
