{#- Percentiles are monotonic and bounded by the week's total. -#}
select engineer_week_key
from {{ ref('fct_ai_telemetry__weekly_eng_ai_tokens') }}
where daily_tokens_p50 > daily_tokens_p75
    or daily_tokens_p75 > daily_tokens_p95
    or daily_tokens_p95 > weekly_tokens
    or cohort_weekly_tokens_p50 > cohort_weekly_tokens_p75
    or cohort_weekly_tokens_p75 > cohort_weekly_tokens_p95
