{#
  The taxonomy's (topic, pattern) rows, read when the model runs, so that each pattern enters
  the SQL as a constant: DuckDB compiles a constant regular expression once, but a pattern
  taken from a joined column is compiled again for every row (33 s instead of 1 s on 6,600
  papers). Unit tests override this macro with their own rows.
#}
{% macro topic_patterns() %}
    {% if execute %}
        {% set result = run_query("select topic, pattern from " ~ ref('topic_taxonomy') ~ " order by topic") %}
        {{ return(result.rows | map('list') | list) }}
    {% endif %}
    {{ return([]) }}
{% endmacro %}

{% macro sql_string(value) %}'{{ value | replace("'", "''") }}'{% endmacro %}
