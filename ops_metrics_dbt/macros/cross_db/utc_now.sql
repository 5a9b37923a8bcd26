{#- The current instant as a TIMESTAMP without time zone holding UTC, the convention of every
    timestamp in this project (comparing with a zoned value would shift by the session zone). -#}
{% macro utc_now() -%}
    {{ return(adapter.dispatch('utc_now', 'ops_metrics')()) }}
{%- endmacro %}

{% macro default__utc_now() -%}
    cast({{ dbt.current_timestamp() }} as timestamp)
{%- endmacro %}

{% macro duckdb__utc_now() -%}
    cast(timezone('UTC', now()) as timestamp)
{%- endmacro %}

{% macro snowflake__utc_now() -%}
    cast(convert_timezone('UTC', current_timestamp()) as timestamp_ntz)
{%- endmacro %}
