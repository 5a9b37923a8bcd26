{#- Privacy: no shown (unsuppressed) group describes fewer than var('ai_min_group_engineers')
    engineers, and a suppressed group shows no measure. -#}
select *
from {{ ref('fct_ai_telemetry__weekly_adoption') }}
where (not is_suppressed and active_engineers < {{ var('ai_min_group_engineers') }})
    or (is_suppressed and (active_engineers is not null or tokens_total is not null))
