{#- What each source has actually loaded: its load windows merged into islands of continuous
    coverage (overlapping or touching windows join; a gap starts a new island). One row per
    source and island. The dashboards read coverage from here, never from the rows present: an
    incident table also holds older incidents that were merely updated inside the window. -#}
with

loads as (

    select * from {{ ref('stg_ingestion__loads') }}

),

ordered as (

    select
        source,
        family,
        window_start,
        window_end,
        loaded_at,
        max(window_end) over (
            partition by source
            order by window_start, window_end
            rows between unbounded preceding and 1 preceding
        ) as covered_before
    from loads

),

numbered as (

    select
        *,
        sum(case when covered_before is null or window_start > covered_before then 1 else 0 end)
            over (
                partition by source
                order by window_start, window_end
                rows between unbounded preceding and current row
            ) as island
    from ordered

),

final as (

    select
        source || ':' || cast(min(window_start) as varchar) as coverage_key,
        source,
        family,
        min(window_start) as covered_from,
        max(window_end) as covered_until,
        count(*) as loads,
        -- When the period was last loaded: load time, named like every load-time column.
        max(loaded_at) as _loaded_at
    from numbered
    group by source, family, island

)

select * from final
