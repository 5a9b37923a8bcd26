{#- Incidents, MTTD and MTTR per ISO week of creation for every workspace and severity group and
    the rollups over them ('All workspaces', 'All severities'), on a gap-filled week spine: what
    the Engineering Health and MTTR pages show.

    Severity groups are the SLO severities (Critical, Major, Minor) and 'Other' for any other
    name or none. Means are pooled over the incidents of the group, never averaged over the
    groups below it: a workspace's weekly MTTR weighs every incident once, whatever its severity.

    Coverage gating (fct_ingestion__weekly_coverage, family incident_io): a count, mean or change
    of a week not loaded whole (the week in progress, a gap in the loads) reads as a trend that
    is not there, so `incidents`, `mttd_sec` and `mttr_sec` are NULL for it, and the
    week-over-week change needs this week and the one before loaded whole. `incidents_created`
    is the ungated count (what has been loaded so far), for knowing which groups exist.

    Rebuilt whole on every run: small (workspaces x 5 groups x weeks), and the gating moves with
    every load of the coverage marts. -#}
with

incidents as (

    select * from {{ ref('fct_ops__incidents') }}

),

weekly_coverage as (

    select * from {{ ref('fct_ingestion__weekly_coverage') }}
    where family = 'incident_io'

),

classified as (

    select
        workspace,
        case
            when severity in ('Critical', 'Major', 'Minor') then severity
            else 'Other'
        end as severity_group,
        {{ iso_week_start('incident_date') }} as week_start,
        ttd_sec,
        ttr_sec
    from incidents

),

rolled_up as (

    -- Every incident four times: under its workspace and group, and under each rollup.
    select workspace, severity_group, week_start, ttd_sec, ttr_sec
    from classified
    union all
    select workspace, 'All severities' as severity_group, week_start, ttd_sec, ttr_sec
    from classified
    union all
    select 'All workspaces' as workspace, severity_group, week_start, ttd_sec, ttr_sec
    from classified
    union all
    select
        'All workspaces' as workspace,
        'All severities' as severity_group,
        week_start,
        ttd_sec,
        ttr_sec
    from classified

),

weekly as (

    select
        workspace,
        severity_group,
        week_start,
        count(*) as incidents_created,
        avg(ttd_sec) as mttd_sec,
        avg(ttr_sec) as mttr_sec
    from rolled_up
    group by workspace, severity_group, week_start

),

known_weeks as (

    select week_start from weekly
    union all
    select week_start from weekly_coverage

),

weeks as (

    -- From the first week with an incident or a load to the last: every complete week is in it.
    {{ date_spine_filter(
        'week',
        '(select min(week_start) from known_weeks)',
        '(select max(week_start) from known_weeks)'
    ) }}

),

workspaces as (

    -- The registry's workspaces (a quiet one still gets its zero rows), any other with
    -- incidents, and the rollup.
    select 'All workspaces' as workspace
    {% for workspace in var('incident_io_workspaces') %}
    union
    select '{{ workspace }}' as workspace
    {% endfor %}
    union
    select distinct workspace from classified

),

severity_groups as (

    -- The groups that occur, each then gap-filled for every workspace and week.
    select distinct severity_group from classified
    union
    select 'All severities' as severity_group

),

filled as (

    select
        workspaces.workspace,
        severity_groups.severity_group,
        weeks.date_week as week_start,
        coalesce(weekly.incidents_created, 0) as incidents_created,
        weekly.mttd_sec,
        weekly.mttr_sec,
        coalesce(weekly_coverage.is_complete, false) as is_loaded_whole,
        coalesce(weekly_coverage.consecutive_complete_weeks, 0) >= 2 as is_change_loaded_whole
    from workspaces
    cross join severity_groups
    cross join weeks
    left join weekly
        on workspaces.workspace = weekly.workspace
        and severity_groups.severity_group = weekly.severity_group
        and weeks.date_week = weekly.week_start
    left join weekly_coverage
        on weeks.date_week = weekly_coverage.week_start

),

with_previous as (

    select
        *,
        lag(mttd_sec) over (
            partition by workspace, severity_group order by week_start
        ) as previous_mttd_sec,
        lag(mttr_sec) over (
            partition by workspace, severity_group order by week_start
        ) as previous_mttr_sec
    from filled

),

recent as (

    -- The 4 weeks ending with this one (28 days), counting only the ones loaded whole.
    select
        filled.workspace,
        filled.severity_group,
        filled.week_start,
        count(case when earlier.is_loaded_whole then 1 end) as recent_weeks_loaded_whole,
        sum(case when earlier.is_loaded_whole then earlier.incidents_created end)
            as recent_incidents
    from filled
    inner join filled as earlier
        on filled.workspace = earlier.workspace
        and filled.severity_group = earlier.severity_group
        and earlier.week_start <= filled.week_start
        and earlier.week_start > {{ dbt.dateadd('day', -28, 'filled.week_start') }}
    group by filled.workspace, filled.severity_group, filled.week_start

),

final as (

    select
        with_previous.workspace || ':' || with_previous.severity_group || ':'
            || cast(with_previous.week_start as varchar) as incidents_weekly_rollup_key,
        with_previous.workspace,
        with_previous.severity_group,
        with_previous.week_start,
        with_previous.workspace = 'All workspaces' as is_all_workspaces,
        with_previous.severity_group = 'All severities' as is_all_severities,
        with_previous.is_loaded_whole,
        with_previous.is_change_loaded_whole,
        with_previous.incidents_created,

        -- Only for a week loaded whole.
        case when with_previous.is_loaded_whole then with_previous.incidents_created end
            as incidents,
        case when with_previous.is_loaded_whole then with_previous.mttd_sec end as mttd_sec,
        case when with_previous.is_loaded_whole then with_previous.mttr_sec end as mttr_sec,

        -- Only when this week and the one before were loaded whole.
        case when with_previous.is_change_loaded_whole then {{ safe_divide(
            'with_previous.mttd_sec - with_previous.previous_mttd_sec',
            'with_previous.previous_mttd_sec'
        ) }} end as mttd_wow_change_pct,
        case when with_previous.is_change_loaded_whole then {{ safe_divide(
            'with_previous.mttr_sec - with_previous.previous_mttr_sec',
            'with_previous.previous_mttr_sec'
        ) }} end as mttr_wow_change_pct,

        -- The 4 weeks ending with this one, those loaded whole only.
        recent.recent_weeks_loaded_whole,
        recent.recent_incidents
    from with_previous
    inner join recent
        on with_previous.workspace = recent.workspace
        and with_previous.severity_group = recent.severity_group
        and with_previous.week_start = recent.week_start

)

select * from final
