{#- AI tool usage per engineer, tool and UTC day. Incremental merge with a lookback on
    _extracted_at: vendors revise recent days, and a re-extracted day must replace the old one. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key='tool_daily_key',
    on_schema_change='append_new_columns'
) }}
{% if target.type == 'snowflake' %}
{#- Snowflake only: cluster for date-range scans; full refreshes get the bigger warehouse. -#}
{{ config(cluster_by=['usage_date'], snowflake_warehouse=etl_warehouse(), pre_hook="{{ use_etl_warehouse() }}") }}
{% endif %}

with

tool_daily as (

    select * from {{ ref('int_ai_telemetry__tool_daily_metrics') }}
    {% if is_incremental() %}
    where {{ lookback_filter('_extracted_at') }}
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
        _extracted_at
    from tool_daily

)

select * from final
