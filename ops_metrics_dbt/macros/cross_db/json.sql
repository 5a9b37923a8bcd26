{#- JSON helpers. Raw JSON columns are DuckDB JSON and Snowflake VARIANT. -#}

{#- A string field of a JSON object. -#}
{% macro json_field(json_expression, key) -%}
    {{ return(adapter.dispatch('json_field', 'ops_metrics')(json_expression, key)) }}
{%- endmacro %}

{% macro default__json_field(json_expression, key) -%}
    json_extract_path_text({{ json_expression }}, '{{ key }}')
{%- endmacro %}

{% macro duckdb__json_field(json_expression, key) -%}
    ({{ json_expression }} ->> '{{ key }}')
{%- endmacro %}

{% macro snowflake__json_field(json_expression, key) -%}
    {{ json_expression }}:{{ key }}::varchar
{%- endmacro %}

{#- A FROM-clause fragment (start it right after the table) that yields one row per element of a
    JSON array as `<alias>.value`; NULL or empty arrays yield no rows. -#}
{% macro unnest_json_array(json_expression, alias) -%}
    {{ return(adapter.dispatch('unnest_json_array', 'ops_metrics')(json_expression, alias)) }}
{%- endmacro %}

{% macro default__unnest_json_array(json_expression, alias) -%}
    cross join lateral jsonb_array_elements({{ json_expression }}) as {{ alias }}(value)
{%- endmacro %}

{% macro duckdb__unnest_json_array(json_expression, alias) -%}
    cross join unnest(cast({{ json_expression }} as json[])) as {{ alias }}(value)
{%- endmacro %}

{% macro snowflake__unnest_json_array(json_expression, alias) -%}
    , lateral flatten(input => {{ json_expression }}) as {{ alias }}
{%- endmacro %}
