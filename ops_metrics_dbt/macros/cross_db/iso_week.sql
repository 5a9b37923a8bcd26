{#- ISO weeks start on Monday whatever the session's WEEK_START setting is. -#}
{% macro iso_week_start(date_expression) -%}
    {{ return(adapter.dispatch('iso_week_start', 'ops_metrics')(date_expression)) }}
{%- endmacro %}

{% macro default__iso_week_start(date_expression) -%}
    cast({{ dbt.date_trunc('week', date_expression) }} as date)
{%- endmacro %}

{% macro snowflake__iso_week_start(date_expression) -%}
    dateadd(day, 1 - dayofweekiso({{ date_expression }}), cast({{ date_expression }} as date))
{%- endmacro %}

{% macro iso_year(date_expression) -%}
    {{ return(adapter.dispatch('iso_year', 'ops_metrics')(date_expression)) }}
{%- endmacro %}

{% macro default__iso_year(date_expression) -%}
    extract(isoyear from {{ date_expression }})
{%- endmacro %}

{% macro duckdb__iso_year(date_expression) -%}
    isoyear({{ date_expression }})
{%- endmacro %}

{% macro snowflake__iso_year(date_expression) -%}
    yearofweekiso({{ date_expression }})
{%- endmacro %}

{% macro iso_week(date_expression) -%}
    {{ return(adapter.dispatch('iso_week', 'ops_metrics')(date_expression)) }}
{%- endmacro %}

{% macro default__iso_week(date_expression) -%}
    extract(week from {{ date_expression }})
{%- endmacro %}

{% macro duckdb__iso_week(date_expression) -%}
    weekofyear({{ date_expression }})
{%- endmacro %}

{% macro snowflake__iso_week(date_expression) -%}
    weekiso({{ date_expression }})
{%- endmacro %}
