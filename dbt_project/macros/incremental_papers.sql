{#
    Incremental builds rebuild only the papers that new, changed or removed dumps touch
    (int_dump_changes -> int_changed_title_ids -> int_changed_papers). A per-paper model is
    `materialized='incremental'` with `pre_hook="{{ delete_changed_rows('paper_id') }}"`,
    keeps its other rows, and selects only the changed papers' rows (`where {{ changed_only('paper_id') }}`,
    or `from {{ changed_rows(ref(...)) }}` for an incremental model upstream).
    The pipeline runs `dbt build --full-refresh` after a change to the project or an
    interrupted build (landing/build_state.py); run it that way by hand too.
#}

{# Delete this model's rows of the changed papers (or title ids), before their new rows are
   inserted. Nothing on a full build. #}
{% macro delete_changed_rows(column, changes='int_changed_papers', changes_column='paper_id') -%}
    {%- if building_incrementally() -%}
        delete from {{ this }} where {{ changed_only(column, changes, changes_column) }}
    {%- endif -%}
{%- endmacro %}

{# A predicate: `<column> in (the changed papers)` on an incremental build, `true` on a full
   one. #}
{% macro changed_only(column, changes='int_changed_papers', changes_column='paper_id') -%}
    {%- if building_incrementally() -%}
        {{ column }} in (select {{ changes_column }} from {{ ref(changes) }})
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{# The changed papers' rows of an incremental model upstream (`relation`), as a FROM item; the
   whole relation on a full build. The rows are fetched by row id: this build inserted them
   last, so they lie together at the end of the table and DuckDB's row-id range skips the
   rest, whereas `where paper_id in (...)` reads the wide columns (abstracts) of every row
   (at 10,000 dumps: 0.03 s instead of 0.9 for the papers mart). For a view, or rows not
   written by this build, use changed_only. #}
{% macro changed_rows(relation, column='paper_id', changes='int_changed_papers', changes_column='paper_id') -%}
    {%- if building_incrementally() -%}
        (select * from {{ relation }} where rowid in (select rowid from {{ relation }} where {{ changed_only(column, changes, changes_column) }}))
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}

{# The table a model built last time, read before this build replaces it; none on a first
   build. The changes models read the previous identities and appearances this way, not by
   ref(), because they run before those are rebuilt. #}
{% macro previous_build_of(model_name) -%}
    {%- set schema = generate_schema_name('intermediate', none) -%}
    {{- return(adapter.get_relation(database=target.database, schema=schema, identifier=model_name)) -}}
{%- endmacro %}

{# What the marts were last built from, recorded by the pipeline after each completed build:
   bookkeeping in the raw schema, not a source of data. #}
{% macro built_dumps_relation() -%}
    {{- return(adapter.get_relation(database=target.database, schema='raw', identifier='built_dumps')) -}}
{%- endmacro %}

{# is_incremental(), and false in unit tests (no `this` there): they test a full build. #}
{% macro building_incrementally() -%}
    {{- return(this is not none and is_incremental()) -}}
{%- endmacro %}

{#
    dbt's hook for a data test's `where` (get_where_subquery): on an incremental build, the
    generic tests of an incremental model check the changed rows only: the papers of
    int_changed_papers, or for a model built before it (the identities) the title ids of
    int_changed_title_ids, whichever the model itself reads. The other rows are those the last
    build tested, and their keys (all of which include the paper or title id) cannot collide
    with the changed ones. Singular tests (tests/*.sql) still read every row.
#}
{% macro default__get_where_subquery(relation) -%}
    {%- set where = config.get('where', '') -%}
    {%- set model = incremental_model_of(relation) if not flags.FULL_REFRESH else none -%}
    {%- if not where and model is not none -%}
        {%- if 'model.' ~ model.package_name ~ '.int_changed_papers' in model.depends_on.nodes -%}
            {%- set column, changes = 'paper_id', 'int_changed_papers' -%}
        {%- else -%}
            {%- set column, changes = 'title_paper_id', 'int_changed_title_ids' -%}
        {%- endif -%}
        {%- set changed = api.Relation.create(
            database=relation.database,
            schema=generate_schema_name('intermediate', none),
            identifier=changes,
        ) -%}
        {%- set where = column ~ ' in (select ' ~ column ~ ' from ' ~ changed ~ ')' -%}
    {%- endif -%}
    {%- if where -%}
        {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
    {%- endif -%}
    {%- do return(relation) -%}
{%- endmacro %}

{# The incremental model (graph node) whose table `relation` is; none for anything else. #}
{% macro incremental_model_of(relation) -%}
    {%- set found = namespace(node=none) -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values() -%}
            {%- if node.resource_type == 'model' and node.alias == relation.identifier
                and node.schema == relation.schema
                and node.config.materialized == 'incremental' -%}
                {%- set found.node = node -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{- return(found.node) -}}
{%- endmacro %}
