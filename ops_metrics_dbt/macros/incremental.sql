{#- The lookback predicate of incremental marts: re-read every row whose version column is within
    `days` (var lookback_days, 7) of the newest row already in the target. Incidents are edited
    days after resolution and can be loaded late, so "newer than max" alone would miss them.
    An empty target reads everything. -#}
{% macro lookback_filter(column, days=none) -%}
    {%- set days = var('lookback_days', 7) if days is none else days -%}
    {{ column }} >= coalesce(
        (select {{ dbt.dateadd('day', -1 * (days | int), 'max(' ~ column ~ ')') }} from {{ this }}),
        cast('1900-01-01' as timestamp)
    )
{%- endmacro %}

{#- Warehouse for Snowflake mart builds: full refreshes rebuild everything, so they get the
    bigger one. flags.FULL_REFRESH is read when the model is parsed; Dagster runs parse afresh in
    a new target path per run, so the flag of that run applies. -#}
{% macro etl_warehouse() -%}
    {{ return('ETL_MEDIUM' if flags.FULL_REFRESH else 'ETL_SMALL') }}
{%- endmacro %}

{#- NULL instead of a negative duration: a negative TTD/TTR (retrospective incidents) is a data
    entry artefact, not a real duration; the warning test on the intermediate model counts them. -#}
{% macro null_if_negative(column) -%}
    case when {{ column }} >= 0 then {{ column }} end
{%- endmacro %}
