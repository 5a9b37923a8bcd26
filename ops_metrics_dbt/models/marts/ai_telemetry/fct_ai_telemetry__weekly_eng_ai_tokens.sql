{#- Tokens per engineer per ISO week, all tools together. Two distributions:
    - daily_tokens_p50/p75/p95: the engineer's own days in that week, gap-filled with zero-usage
      days (a quiet day is a data point, not a missing one);
    - cohort_weekly_tokens_p50/p75/p95: that week's weekly totals across all engineers, so each
      row can be read against its peers.
    Rebuilt whole, on the daily AI job only (not the hourly run): it reads the AI daily fact
    (exact, incremental on load time); a week's cohort percentiles depend on every engineer of
    the week. Not measured at three years. -#}
with

daily as (

    select * from {{ ref('fct_ai_telemetry__tool_daily_metrics') }}

),

engineer_days as (

    select
        engineer_key,
        usage_date,
        sum(tokens_total) as tokens_total,
        sum(estimated_tokens) as estimated_tokens,
        sum(reported_tokens) as reported_tokens
    from daily
    group by engineer_key, usage_date

),

engineer_weeks as (

    select
        engineer_key,
        {{ iso_week_start('usage_date') }} as week_start,
        {{ dbt.bool_or('identity_resolved') }} as identity_resolved,
        count(distinct tool) as tools_used
    from daily
    group by 1, 2

),

calendar as (

    {{ date_spine_filter(
        'day',
        '(select min(usage_date) from engineer_days)',
        '(select max(usage_date) from engineer_days)'
    ) }}

),

engineer_calendar as (

    select
        engineer_weeks.engineer_key,
        engineer_weeks.week_start,
        calendar.date_day
    from engineer_weeks
    inner join calendar
        on {{ iso_week_start('calendar.date_day') }} = engineer_weeks.week_start

),

filled as (

    select
        engineer_calendar.engineer_key,
        engineer_calendar.week_start,
        engineer_calendar.date_day,
        coalesce(engineer_days.tokens_total, 0) as tokens_total,
        coalesce(engineer_days.estimated_tokens, 0) as estimated_tokens,
        coalesce(engineer_days.reported_tokens, 0) as reported_tokens
    from engineer_calendar
    left join engineer_days
        on engineer_calendar.engineer_key = engineer_days.engineer_key
        and engineer_calendar.date_day = engineer_days.usage_date

),

per_engineer_week as (

    select
        engineer_key,
        week_start,
        sum(tokens_total) as weekly_tokens,
        sum(estimated_tokens) as weekly_estimated_tokens,
        sum(reported_tokens) as weekly_reported_tokens,
        count(case when tokens_total > 0 then 1 end) as active_days,
        count(*) as calendar_days,
        {{ percentile_cont('tokens_total', 0.5) }} as daily_tokens_p50,
        {{ percentile_cont('tokens_total', 0.75) }} as daily_tokens_p75,
        {{ percentile_cont('tokens_total', 0.95) }} as daily_tokens_p95
    from filled
    group by engineer_key, week_start

),

cohort as (

    select
        week_start,
        count(*) as cohort_engineers,
        {{ percentile_cont('weekly_tokens', 0.5) }} as cohort_weekly_tokens_p50,
        {{ percentile_cont('weekly_tokens', 0.75) }} as cohort_weekly_tokens_p75,
        {{ percentile_cont('weekly_tokens', 0.95) }} as cohort_weekly_tokens_p95
    from per_engineer_week
    group by week_start

),

final as (

    select
        per_engineer_week.engineer_key || ':' || cast(per_engineer_week.week_start as varchar)
            as engineer_week_key,
        per_engineer_week.engineer_key,
        per_engineer_week.week_start,
        {{ iso_year('per_engineer_week.week_start') }} as iso_year,
        {{ iso_week('per_engineer_week.week_start') }} as iso_week,
        engineer_weeks.identity_resolved,
        engineer_weeks.tools_used,
        per_engineer_week.weekly_tokens,
        per_engineer_week.weekly_estimated_tokens,
        per_engineer_week.weekly_reported_tokens,
        {{ safe_divide('per_engineer_week.weekly_estimated_tokens', 'per_engineer_week.weekly_tokens') }}
            as estimated_share,
        per_engineer_week.active_days,
        per_engineer_week.calendar_days,
        per_engineer_week.daily_tokens_p50,
        per_engineer_week.daily_tokens_p75,
        per_engineer_week.daily_tokens_p95,
        cohort.cohort_engineers,
        cohort.cohort_weekly_tokens_p50,
        cohort.cohort_weekly_tokens_p75,
        cohort.cohort_weekly_tokens_p95
    from per_engineer_week
    inner join engineer_weeks
        on per_engineer_week.engineer_key = engineer_weeks.engineer_key
        and per_engineer_week.week_start = engineer_weeks.week_start
    inner join cohort
        on per_engineer_week.week_start = cohort.week_start

)

select * from final
