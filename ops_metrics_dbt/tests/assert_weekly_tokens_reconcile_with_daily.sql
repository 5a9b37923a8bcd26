{#- Two parents: Dagster shows this test as a check on the mart it verifies. -#}
{{ config(meta={'dagster': {'ref': {'name': 'fct_ai_telemetry__weekly_eng_ai_tokens'}}}) }}
{#- Gap-filling and percentiles must not create or lose tokens. -#}
with

daily as (
    select coalesce(sum(tokens_total), 0) as tokens
    from {{ ref('fct_ai_telemetry__tool_daily_metrics') }}
),

weekly as (
    select coalesce(sum(weekly_tokens), 0) as tokens
    from {{ ref('fct_ai_telemetry__weekly_eng_ai_tokens') }}
)

select daily.tokens as daily_tokens, weekly.tokens as weekly_tokens
from daily
cross join weekly
where daily.tokens != weekly.tokens
