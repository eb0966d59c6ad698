-- Loaded dumps added, changed (reloaded: new bytes, parser or load time) or removed (no longer
-- loaded) since the marts were last built, against raw.built_dumps, which the pipeline records
-- after each completed dbt build. An incremental build rebuilds only the papers these touch.
{% set built = built_dumps_relation() %}
with

loaded as (

    select
        dump_id,
        sha256,
        parser_version,
        loaded_at,
    from {{ ref('stg_raw__dumps') }}
    where is_loaded

),

built as (

    {% if built is not none %}
    select
        dump_id,
        sha256,
        parser_version,
        loaded_at,
    from {{ built }}
    {% else %}
    select * from loaded where false
    {% endif %}

),

changes as (

    select
        coalesce(loaded.dump_id, built.dump_id) as dump_id,
        case
            when built.dump_id is null then 'added'
            when loaded.dump_id is null then 'removed'
            else 'changed'
        end as change,
    from loaded
    full outer join built
        on loaded.dump_id = built.dump_id
    where built.dump_id is null
        or loaded.dump_id is null
        or loaded.sha256 != built.sha256
        or loaded.parser_version != built.parser_version
        or loaded.loaded_at != built.loaded_at

)

select * from changes
