{#- Week over week on a gap-filled week spine (one row per series and week_start, no gaps): the
    value of `column` in the week before within its series, and the relative change against it
    (NULL without a previous value, or when it is 0). -#}
{% macro previous_week(column, partition_by) -%}
    lag({{ column }}) over (partition by {{ partition_by }} order by week_start)
{%- endmacro %}

{% macro wow_change_pct(column, previous_column) -%}
    {{ safe_divide(column ~ ' - ' ~ previous_column, previous_column) }}
{%- endmacro %}
