{#- Which ISO weeks each source family has fully loaded: a day is complete for a family when
    every one of its sources (the registry's lists, vars incident_io_workspaces and ai_tools)
    covers the whole UTC day; a week is complete when its 7 days are. A source that never
    loaded leaves every week incomplete, so a failed source can never pass for a quiet one.
    consecutive_complete_weeks (this week and the complete ones right before it) is what a
    figure over several weeks needs: a 28-day SLO window 4, a week-over-week change 2. -#}
{%- set expected = [] -%}
{%- for workspace in var('incident_io_workspaces') -%}
    {%- do expected.append(('incident_io', 'incident_io/' ~ workspace ~ '/incidents')) -%}
{%- endfor -%}
{%- for tool in var('ai_tools') -%}
    {%- do expected.append(('ai_tools', 'ai_tools/' ~ tool ~ '/daily_usage')) -%}
{%- endfor -%}
with

coverage as (

    select * from {{ ref('fct_ingestion__source_coverage') }}

),

expected_sources as (

    {% for family, source in expected %}
    select '{{ family }}' as family, '{{ source }}' as source
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

families as (

    select family, count(*) as sources_expected
    from expected_sources
    group by family

),

days as (

    -- Whole ISO weeks from the first loaded one to the last.
    {{ date_spine_filter(
        'day',
        iso_week_start('(select min(covered_from) from coverage)'),
        dbt.dateadd('day', 6, iso_week_start('(select max(covered_until) from coverage)'))
    ) }}

),

source_days as (

    select
        expected_sources.family,
        expected_sources.source,
        days.date_day
    from days
    inner join coverage
        on coverage.covered_from <= cast(days.date_day as timestamp)
        and coverage.covered_until >= cast({{ dbt.dateadd('day', 1, 'days.date_day') }} as timestamp)
    inner join expected_sources
        on coverage.source = expected_sources.source

),

family_days as (

    select
        families.family,
        families.sources_expected,
        days.date_day,
        count(distinct source_days.source) as sources_loaded
    from families
    cross join days
    left join source_days
        on families.family = source_days.family
        and days.date_day = source_days.date_day
    group by families.family, families.sources_expected, days.date_day

),

weekly as (

    select
        family,
        {{ iso_week_start('date_day') }} as week_start,
        max(sources_expected) as sources_expected,
        min(sources_loaded) as sources_loaded_every_day,
        count(case when sources_loaded >= sources_expected then 1 end) as days_complete
    from family_days
    group by family, {{ iso_week_start('date_day') }}

),

flagged as (

    select
        *,
        days_complete = 7 as is_complete,
        sum(case when days_complete = 7 then 0 else 1 end) over (
            partition by family order by week_start rows between unbounded preceding and current row
        ) as incomplete_so_far
    from weekly

),

final as (

    select
        family || ':' || cast(week_start as varchar) as weekly_coverage_key,
        family,
        week_start,
        sources_expected,
        sources_loaded_every_day,
        days_complete,
        is_complete,
        -- Within a run of complete weeks, the incomplete week that opened it is row 1.
        case
            when not is_complete then 0
            else row_number() over (
                partition by family, incomplete_so_far order by week_start
            ) - case when incomplete_so_far > 0 then 1 else 0 end
        end as consecutive_complete_weeks
    from flagged

)

select * from final
