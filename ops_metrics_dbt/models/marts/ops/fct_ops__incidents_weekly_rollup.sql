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

    select workspace, severity, incident_date, ttd_sec, ttr_sec
    from {{ ref('fct_ops__incidents') }}

),

weekly_coverage as (

    select family, week_start, is_complete, consecutive_complete_weeks
    from {{ ref('fct_ingestion__weekly_coverage') }}

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
    where family = 'incident_io'

),

week_spine as (

    -- From the first week with an incident or a load to the last: every complete week is in it.
    {{ date_spine_filter(
        'week',
        '(select min(week_start) from known_weeks)',
        '(select max(week_start) from known_weeks)'
    ) }}

),

weeks as (

    select
        week_spine.date_week as week_start,
        coalesce(weekly_coverage.is_complete, false) as is_loaded_whole,
        coalesce(weekly_coverage.consecutive_complete_weeks, 0) >= 2 as is_change_loaded_whole
    from week_spine
    left join weekly_coverage
        on week_spine.date_week = weekly_coverage.week_start
        and weekly_coverage.family = 'incident_io'

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
        weeks.week_start,
        weeks.is_loaded_whole,
        weeks.is_change_loaded_whole,
        coalesce(weekly.incidents_created, 0) as incidents_created,
        weekly.mttd_sec,
        weekly.mttr_sec
    from workspaces
    cross join severity_groups
    cross join weeks
    left join weekly using (workspace, severity_group, week_start)

),

measured as (

    -- The spine has every week of every series, so the 3 rows before are the 3 weeks before.
    select
        *,
        {{ previous_week('mttd_sec', 'workspace, severity_group') }} as previous_mttd_sec,
        {{ previous_week('mttr_sec', 'workspace, severity_group') }} as previous_mttr_sec,
        count(case when is_loaded_whole then 1 end) over (
            partition by workspace, severity_group
            order by week_start rows between 3 preceding and current row
        ) as recent_weeks_loaded_whole,
        sum(case when is_loaded_whole then incidents_created end) over (
            partition by workspace, severity_group
            order by week_start rows between 3 preceding and current row
        ) as recent_incidents
    from filled

),

final as (

    select
        workspace || ':' || severity_group || ':' || cast(week_start as varchar)
            as incidents_weekly_rollup_key,
        workspace,
        severity_group,
        week_start,
        workspace = 'All workspaces' as is_all_workspaces,
        severity_group = 'All severities' as is_all_severities,
        is_loaded_whole,
        is_change_loaded_whole,
        incidents_created,

        -- Only for a week loaded whole.
        case when is_loaded_whole then incidents_created end as incidents,
        case when is_loaded_whole then mttd_sec end as mttd_sec,
        case when is_loaded_whole then mttr_sec end as mttr_sec,

        -- Only when this week and the one before were loaded whole.
        case when is_change_loaded_whole
            then {{ wow_change_pct('mttd_sec', 'previous_mttd_sec') }}
        end as mttd_wow_change_pct,
        case when is_change_loaded_whole
            then {{ wow_change_pct('mttr_sec', 'previous_mttr_sec') }}
        end as mttr_wow_change_pct,

        -- The 4 weeks ending with this one (28 days), those loaded whole only.
        recent_weeks_loaded_whole,
        recent_incidents
    from measured

)

select * from final
