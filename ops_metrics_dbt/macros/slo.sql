{#- SLO arithmetic, defined once for the weekly and the rolling columns of fct_ops__slo_attainment.
    `incidents` counts only incidents with a verdict (met + missed). Every ratio is NULL when
    there is no incident (no data, no verdict) and rounded to 6 places so float noise
    (1 - 0.95 = 0.0500000000000000444) never shows up in a report or a comparison. -#}

{#- Share of incidents resolved within target. -#}
{% macro slo_attainment(within, incidents) -%}
    round({{ safe_divide(within, incidents) }}, 6)
{%- endmacro %}

{#- 1 - misses / allowed misses, allowed = (1 - objective) x incidents. 1 = untouched, 0 = spent,
    negative = overspent. -#}
{% macro slo_error_budget_remaining(missed, incidents, objective) -%}
    round(1 - {{ safe_divide(missed, '(1 - ' ~ objective ~ ') * ' ~ incidents) }}, 6)
{%- endmacro %}

{#- Miss rate / (1 - objective): 1 spends the budget exactly over the window, 2 twice as fast. -#}
{% macro slo_burn_rate(missed, incidents, objective) -%}
    round({{ safe_divide(safe_divide(missed, incidents), '1 - ' ~ objective) }}, 6)
{%- endmacro %}
