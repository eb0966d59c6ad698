{#
    Fails for every combination of the given columns (or SQL expressions, e.g. 'lower(url)')
    that occurs on more than one row. A stand-in for dbt_utils.unique_combination_of_columns,
    as packages cannot be installed here.
#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

with

grouped as (

    select
        {% for column in combination_of_columns -%}
        {{ column }} as key_{{ loop.index }},
        {% endfor -%}
        count(*) as row_count,
    from {{ model }}
    group by all

)

select *
from grouped
where row_count > 1

{% endtest %}
