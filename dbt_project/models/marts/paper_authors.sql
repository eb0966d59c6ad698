with

paper_authors as (

    select * from {{ ref('int_paper_authors_listed') }}

),

final as (

    select
        cast(paper_id as varchar) as paper_id,
        cast(author as varchar) as author,
        cast(position as integer) as position,
    from paper_authors

)

select * from final
