{#- Every token is either reported by the vendor or estimated, never both or neither. -#}
select tool_daily_key
from {{ ref('fct_ai_telemetry__tool_daily_metrics') }}
where coalesce(tokens_total, 0) != coalesce(reported_tokens, 0) + coalesce(estimated_tokens, 0)
    and {{ built_this_run() }}
