with

paper_topics as (

    select * from {{ ref('int_paper_topics_matched') }}

),

final as (

    select
        cast(paper_id as varchar) as paper_id,
        cast(topic as varchar) as topic,
        cast(matched_on as varchar) as matched_on,
    from paper_topics

)

select * from final
