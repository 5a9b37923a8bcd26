{#- AI adoption per ISO week and tool group: weekly active engineers, adoption cohorts, tokens per
    engineer P50/P75/P95, estimated vs reported tokens and cost where known.

    Engineers only: API actors (service keys) are not people and are left out. Active = at least
    one token (reported or estimated) in the week. Cohorts by the engineer's tokens in the group
    that week, thresholds in var('ai_adoption_cohort_min_tokens'); `none` = engineers active on
    any tool in the rolling 28 days ending with the week who used no token of this group.

    Privacy (GitHub's rule for Copilot team metrics): no group of fewer than
    var('ai_min_group_engineers') active engineers is shown. A tool below it is rolled up into
    'Other tools'. A suppressed Other tools could be recovered as All tools minus the shown tools,
    so while it has fewer engineers than the minimum the smallest shown tool joins it too
    (complementary suppression; a shown tool meets the minimum on its own, so one is enough). A
    group still below it (only when no tool meets it: All tools in a tiny org) keeps its row with
    every measure NULL and is_suppressed true. There is no team dimension: the raw rows
    carry none, and a team directory would need raw emails (PII) in the repository.

    Rebuilt whole, on the daily AI job only (not the hourly run): it reads the AI daily fact
    (exact, incremental on load time), and the 28-day population window plus the per-week
    privacy roll-up make a week depend on its neighbours; not measured at three years.

    Coverage (fct_ingestion__weekly_coverage, family ai_tools): is_loaded_whole when every tool
    loaded the whole week (a week with one day loaded reads as a collapse), and
    is_window_loaded_whole when the 28 days behind `engineers_none` were (this week and the 3
    before it); the dashboards show a week's figures only where these hold. -#}
{%- set cohort_min = var('ai_adoption_cohort_min_tokens') -%}
{%- set min_engineers = var('ai_min_group_engineers') -%}

with

daily as (

    select * from {{ ref('fct_ai_telemetry__tool_daily_metrics') }}

),

weekly_coverage as (

    select * from {{ ref('fct_ingestion__weekly_coverage') }}
    where family = 'ai_tools'

),

engineer_tool_weeks as (

    select
        {{ iso_week_start('usage_date') }} as week_start,
        tool,
        engineer_key,
        sum(tokens_total) as tokens_total,
        sum(reported_tokens) as reported_tokens,
        sum(estimated_tokens) as estimated_tokens,
        sum(cost_usd) as cost_usd,
        sum(case when cost_usd is not null then tokens_total else 0 end) as tokens_with_known_cost,
        max(_extracted_at) as _extracted_at
    from daily
    where coalesce(actor_type, 'user') <> 'api'
    group by 1, 2, 3

),

tool_weeks as (

    select
        week_start,
        tool,
        count(distinct case when tokens_total > 0 then engineer_key end) as active_engineers
    from engineer_tool_weeks
    group by week_start, tool

),

small_tool_weeks as (

    -- The engineers of the tools below the minimum: Other tools before any tool joins it.
    select
        engineer_tool_weeks.week_start,
        count(distinct case
            when engineer_tool_weeks.tokens_total > 0 then engineer_tool_weeks.engineer_key
        end) as rolled_up_engineers
    from engineer_tool_weeks
    inner join tool_weeks
        on engineer_tool_weeks.week_start = tool_weeks.week_start
        and engineer_tool_weeks.tool = tool_weeks.tool
    where tool_weeks.active_engineers < {{ min_engineers }}
    group by engineer_tool_weeks.week_start

),

ranked_tools as (

    -- Tools meeting the minimum, smallest first (ties by name).
    select
        tool_weeks.week_start,
        tool_weeks.tool,
        coalesce(small_tool_weeks.rolled_up_engineers, 0) as rolled_up_engineers,
        row_number() over (
            partition by tool_weeks.week_start
            order by tool_weeks.active_engineers, tool_weeks.tool
        ) as size_rank
    from tool_weeks
    left join small_tool_weeks
        on tool_weeks.week_start = small_tool_weeks.week_start
    where tool_weeks.active_engineers >= {{ min_engineers }}

),

shown_tools as (

    -- All of them, except the smallest in a week whose rolled-up engineers are too few to show.
    select week_start, tool
    from ranked_tools
    where not (
        rolled_up_engineers between 1 and {{ min_engineers - 1 }}
        and size_rank = 1
    )

),

grouped as (

    -- Every engineer-tool-week twice: under its (possibly rolled-up) tool, and under All tools.
    select
        engineer_tool_weeks.*,
        case
            when shown_tools.tool is not null then engineer_tool_weeks.tool
            else 'Other tools'
        end as tool_group
    from engineer_tool_weeks
    left join shown_tools
        on engineer_tool_weeks.week_start = shown_tools.week_start
        and engineer_tool_weeks.tool = shown_tools.tool
    union all
    select
        engineer_tool_weeks.*,
        'All tools' as tool_group
    from engineer_tool_weeks

),

group_tools as (

    select distinct week_start, tool_group, tool
    from grouped

),

group_tool_lists as (

    select
        week_start,
        tool_group,
        count(*) as tools_in_group,
        {{ dbt.listagg('tool', "', '", 'order by tool') }} as tools
    from group_tools
    group by week_start, tool_group

),

engineer_group_weeks as (

    select
        week_start,
        tool_group,
        engineer_key,
        sum(tokens_total) as tokens_total,
        sum(reported_tokens) as reported_tokens,
        sum(estimated_tokens) as estimated_tokens,
        sum(cost_usd) as cost_usd,
        sum(tokens_with_known_cost) as tokens_with_known_cost,
        max(_extracted_at) as _extracted_at
    from grouped
    group by week_start, tool_group, engineer_key

),

weeks as (

    select distinct week_start from engineer_tool_weeks

),

population as (

    -- Engineers active on any tool in the 28 days ending with the week: the base of `none`.
    select
        weeks.week_start,
        count(distinct engineer_tool_weeks.engineer_key) as population_engineers
    from weeks
    inner join engineer_tool_weeks
        on engineer_tool_weeks.week_start <= weeks.week_start
        and engineer_tool_weeks.week_start > {{ dbt.dateadd('day', -28, 'weeks.week_start') }}
        and engineer_tool_weeks.tokens_total > 0
    group by weeks.week_start

),

group_weeks as (

    select
        week_start,
        tool_group,
        count(case when tokens_total > 0 then 1 end) as active_engineers,
        count(case when tokens_total >= {{ cohort_min.light }}
            and tokens_total < {{ cohort_min.moderate }} then 1 end) as engineers_light,
        count(case when tokens_total >= {{ cohort_min.moderate }}
            and tokens_total < {{ cohort_min.heavy }} then 1 end) as engineers_moderate,
        count(case when tokens_total >= {{ cohort_min.heavy }} then 1 end) as engineers_heavy,
        sum(tokens_total) as tokens_total,
        sum(reported_tokens) as reported_tokens,
        sum(estimated_tokens) as estimated_tokens,
        sum(cost_usd) as cost_usd_known,
        sum(tokens_with_known_cost) as tokens_with_known_cost,
        {{ percentile_cont('case when tokens_total > 0 then tokens_total end', 0.5) }}
            as tokens_per_engineer_p50,
        {{ percentile_cont('case when tokens_total > 0 then tokens_total end', 0.75) }}
            as tokens_per_engineer_p75,
        {{ percentile_cont('case when tokens_total > 0 then tokens_total end', 0.95) }}
            as tokens_per_engineer_p95,
        max(_extracted_at) as data_as_of
    from engineer_group_weeks
    group by week_start, tool_group

),

measured as (

    select
        group_weeks.*,
        group_tool_lists.tools_in_group,
        group_tool_lists.tools,
        population.population_engineers,
        group_weeks.active_engineers < {{ min_engineers }} as is_suppressed,
        coalesce(weekly_coverage.is_complete, false) as is_loaded_whole,
        coalesce(weekly_coverage.consecutive_complete_weeks, 0) >= 4 as is_window_loaded_whole
    from group_weeks
    inner join group_tool_lists
        on group_weeks.week_start = group_tool_lists.week_start
        and group_weeks.tool_group = group_tool_lists.tool_group
    left join population
        on group_weeks.week_start = population.week_start
    left join weekly_coverage
        on group_weeks.week_start = weekly_coverage.week_start

),

final as (

    select
        tool_group || ':' || cast(week_start as varchar) as adoption_weekly_key,
        week_start,
        {{ iso_year('week_start') }} as iso_year,
        {{ iso_week('week_start') }} as iso_week,
        tool_group,
        tool_group = 'Other tools' as is_rolled_up,
        tools_in_group,
        tools,
        is_suppressed,
        is_loaded_whole,
        is_window_loaded_whole,
        data_as_of,
        -- Everything below is NULL for a suppressed group.
        case when not is_suppressed then active_engineers end as active_engineers,
        case when not is_suppressed then population_engineers end as population_engineers,
        case when not is_suppressed
            then population_engineers - active_engineers end as engineers_none,
        case when not is_suppressed then engineers_light end as engineers_light,
        case when not is_suppressed then engineers_moderate end as engineers_moderate,
        case when not is_suppressed then engineers_heavy end as engineers_heavy,
        case when not is_suppressed then tokens_total end as tokens_total,
        case when not is_suppressed then reported_tokens end as reported_tokens,
        case when not is_suppressed then estimated_tokens end as estimated_tokens,
        case when not is_suppressed
            then round({{ safe_divide('estimated_tokens', 'tokens_total') }}, 6)
        end as estimated_share,
        case when not is_suppressed then cost_usd_known end as cost_usd_known,
        case when not is_suppressed
            then round({{ safe_divide('tokens_with_known_cost', 'tokens_total') }}, 6)
        end as cost_known_share,
        case when not is_suppressed then tokens_per_engineer_p50 end as tokens_per_engineer_p50,
        case when not is_suppressed then tokens_per_engineer_p75 end as tokens_per_engineer_p75,
        case when not is_suppressed then tokens_per_engineer_p95 end as tokens_per_engineer_p95
    from measured

)

select * from final
