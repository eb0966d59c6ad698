-- Every paper's topics: the matches of the changed papers (int_changed_paper_topics, every
-- paper on a full build) replace their rows; the other papers keep theirs.
{{ config(
    materialized='incremental',
    on_schema_change='fail',
    pre_hook="{{ delete_changed_rows('paper_id') }}",
) }}
-- depends_on: {{ ref('int_changed_papers') }}
with

matches as (

    select
        paper_id,
        topic,
        matched_on,
    from {{ ref('int_changed_paper_topics') }}

)

select * from matches
