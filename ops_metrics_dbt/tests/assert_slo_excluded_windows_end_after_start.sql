{#- An excluded window must have a positive length, or it silently excludes nothing. -#}
select *
from {{ ref('slo_excluded_windows') }}
where window_end <= window_start
