-- Entries of loaded dumps only, with the capture date and source format of their dump.
-- List columns are never null here: an entry that names nobody has an empty list.
with

entries as (

    select * from {{ source('raw', 'entries') }}

),

loaded_dumps as (

    select
        dump_id,
        captured_on,
        source_format,
    from {{ ref('stg_raw__dumps') }}
    where is_loaded

),

joined as (

    select
        entries.dump_id,
        entries.position,
        entries.paper_id,
        entries.title_key,
        entries.title,
        entries.abstract,
        entries.arxiv_id,
        entries.authors_count,
        coalesce(entries.author_names, []::varchar[]) as author_names,
        entries.organisation,
        entries.organisation_handle,
        entries.submitter,
        entries.published_on,
        entries.published_on_text,
        entries.published_year_rule,
        entries.listed_on,
        entries.comments_count,
        entries.upvotes,
        entries.github_repo,
        entries.github_stars,
        entries.project_page,
        coalesce(entries.ai_keywords, []::varchar[]) as ai_keywords,
        entries.ai_summary,
        entries.daily_rank,
        entries.has_metadata,
        loaded_dumps.captured_on,
        loaded_dumps.source_format,
    from entries
    inner join loaded_dumps
        on entries.dump_id = loaded_dumps.dump_id

)

select * from joined
