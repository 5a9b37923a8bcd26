{#- AI tool usage per engineer, tool and UTC day. Incremental: every (tool, day) with a usage row
    loaded since the table's watermark (macros/incremental.sql: load time, so a backfilled month or
    a re-extracted old day is read on the next run) is recomputed whole and replaces that day
    (delete+insert on tool and usage_date). A day, not a row: when a re-extraction resolves an
    identity, its engineer_key changes, and the old key's row must go, which a merge on
    tool_daily_key would leave behind. -#}
{%- set tools = var('ai_tools') -%}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['tool', 'usage_date'],
    on_schema_change='append_new_columns'
) }}
{% if target.type == 'snowflake' %}
{#- Snowflake only: cluster for date-range scans; full refreshes get the bigger warehouse. -#}
{{ config(cluster_by=['usage_date'], snowflake_warehouse=etl_warehouse(), pre_hook="{{ use_etl_warehouse() }}") }}
{% endif %}
{#- Parsing renders only the full-build branch; declare the staging refs of the incremental one. -#}
{% for tool in tools %}
-- depends_on: {{ ref('stg_ai_tools__' ~ tool ~ '__daily_usage') }}
{% endfor %}

with

{% if is_incremental() %}
touched_days as (

    -- From staging, where _loaded_at is a row's own: the intermediate model aggregates it.
    {% for tool in tools %}
    select tool, usage_date
    from {{ ref('stg_ai_tools__' ~ tool ~ '__daily_usage') }}
    where {{ loaded_since_watermark() }}
    {% if not loop.last %}union{% endif %}
    {% endfor %}

),

{% endif %}
tool_daily as (

    select * from {{ ref('int_ai_telemetry__tool_daily_metrics') }}
    {% if is_incremental() %}
    where (tool, usage_date) in (select tool, usage_date from touched_days)
    {% endif %}

),

final as (

    select
        tool_daily_key,
        tool,
        usage_date,
        engineer_key,
        engineer_email_hash,
        identity_resolved,
        actor_type,
        identity_count,
        requests,
        sessions,
        accepted_lines,
        input_tokens,
        output_tokens,
        tokens_total,
        reported_tokens,
        estimated_tokens,
        tokens_estimated,
        estimation_rule,
        cost_usd,
        {{ safe_divide('tokens_total', 'requests') }} as tokens_per_request,
        _extracted_at,
        _loaded_at,
        {{ dbt_built_at() }} as _dbt_built_at
    from tool_daily

)

select * from final
