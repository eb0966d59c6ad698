with

source as (

    select * from {{ source('raw', 'dumps') }}

),

renamed as (

    select
        dump_id,
        file_name,
        sha256,
        size_bytes,
        modified_at,
        status,
        status = 'loaded' as is_loaded,
        reject_reason,
        source_format,
        layout,
        page_type,
        data_source,
        date_selector,
        list_date,
        list_date_rule,
        search_query,
        capture_year,
        captured_on,
        capture_rule,
        max_printed_year,
        problems,
        entries_parsed,
        entries_loaded,
        entries_rejected,
        parser_version,
        loaded_at,
    from source

)

select * from renamed
