{#- Rolling SLO attainment pooled over severities, per workspace and over all workspaces ('All
    workspaces'), per ISO week of fct_ops__slo_attainment's spine: the Engineering Health page's
    attainment chart and headline.

    Pooled over the incidents, never averaged over the SLOs: rolling_attainment = the SLOs'
    incidents within target / their incidents, so an SLO with many incidents weighs more than
    one with few. Only SLO rows whose whole rolling window was loaded (is_window_loaded) take
    part: a week with none has every figure NULL (no data is no verdict). slos_missing_objective
    counts those SLOs whose rolling attainment is below their objective. -#}
with

slo_attainment as (

    select * from {{ ref('fct_ops__slo_attainment') }}

),

rollups as (

    select false as is_all_workspaces
    union all
    select true as is_all_workspaces

),

rolled_up as (

    -- Every SLO row twice: under its workspace, and under All workspaces.
    select
        case
            when rollups.is_all_workspaces then 'All workspaces'
            else slo_attainment.workspace
        end as workspace,
        slo_attainment.week_start,
        slo_attainment.is_window_loaded,
        slo_attainment.rolling_incidents,
        slo_attainment.rolling_incidents_within_target,
        slo_attainment.is_meeting_objective
    from slo_attainment
    cross join rollups

),

pooled as (

    select
        workspace,
        week_start,
        count(case when is_window_loaded then 1 end) as slos_window_loaded,
        sum(case when is_window_loaded then coalesce(rolling_incidents, 0) else 0 end)
            as rolling_incidents,
        sum(case when is_window_loaded then coalesce(rolling_incidents_within_target, 0) else 0 end)
            as rolling_incidents_within_target,
        count(case when is_window_loaded and not is_meeting_objective then 1 end)
            as slos_missing_objective
    from rolled_up
    group by workspace, week_start

),

final as (

    select
        workspace || ':' || cast(week_start as varchar) as slo_pooled_weekly_key,
        workspace,
        week_start,
        workspace = 'All workspaces' as is_all_workspaces,
        slos_window_loaded,
        rolling_incidents,
        rolling_incidents_within_target,
        {{ safe_divide('rolling_incidents_within_target', 'rolling_incidents') }}
            as rolling_attainment,
        case when slos_window_loaded > 0 then slos_missing_objective end
            as slos_missing_objective
    from pooled

)

select * from final
