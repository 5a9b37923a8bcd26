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

{#- Warehouse for Snowflake mart builds: incremental runs use ETL_SMALL (the `snowflake_warehouse`
    config), full refreshes rebuild everything and get ETL_MEDIUM. Config values are fixed when dbt
    parses (and partial parsing reuses them), so the switch is a pre-hook: hooks render when the
    model runs, when flags.FULL_REFRESH is that run's flag. dbt-snowflake restores the session's
    warehouse after the model. The emulator has no warehouses, so it skips the statement. -#}
{% macro etl_warehouse() -%}
    {{ return('ETL_SMALL') }}
{%- endmacro %}

{% macro use_etl_warehouse() -%}
    {%- if target.type == 'snowflake' and target.name != 'emulator' and flags.FULL_REFRESH -%}
        use warehouse ETL_MEDIUM
    {%- endif -%}
{%- endmacro %}

{#- NULL instead of a negative duration: a negative TTD/TTR (retrospective incidents) is a data
    entry artefact, not a real duration; the warning test on the intermediate model counts them. -#}
{% macro null_if_negative(column) -%}
    case when {{ column }} >= 0 then {{ column }} end
{%- endmacro %}
