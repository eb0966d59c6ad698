{#
    Use a model's custom schema (+schema in dbt_project.yml) as is, so the marts land in
    `marts` rather than dbt's default `<target schema>_marts`. Without a custom schema a
    node falls back to the target schema (`main`).
#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
