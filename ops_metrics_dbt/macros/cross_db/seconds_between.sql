{#- Signed seconds from start to end (fractional where the backend keeps sub-second precision);
    NULL when either end is NULL. Negative values are kept here; marts decide what they mean. -#}
{% macro seconds_between(start_ts, end_ts) -%}
    {{ return(adapter.dispatch('seconds_between', 'ops_metrics')(start_ts, end_ts)) }}
{%- endmacro %}

{% macro default__seconds_between(start_ts, end_ts) -%}
    {{ dbt.datediff(start_ts, end_ts, 'second') }}
{%- endmacro %}

{% macro duckdb__seconds_between(start_ts, end_ts) -%}
    cast(epoch({{ end_ts }}) - epoch({{ start_ts }}) as double)
{%- endmacro %}

{% macro snowflake__seconds_between(start_ts, end_ts) -%}
    datediff('millisecond', {{ start_ts }}, {{ end_ts }}) / 1000.0
{%- endmacro %}
