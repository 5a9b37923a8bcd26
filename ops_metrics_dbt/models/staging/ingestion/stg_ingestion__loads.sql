{#- The load log, typed. A warehouse whose raw tables were loaded before the log existed has no
    table yet: then nothing counts as loaded (an empty relation of the same shape) instead of
    the build failing; the next load of each source starts its coverage. -#}
{#- Every ingestion source is a parent too (never read): in Dagster the coverage models then
    rebuild after any load, like the other models after theirs. -#}
{%- for workspace in var('incident_io_workspaces') %}
-- depends_on: {{ source('incident_io__' ~ workspace, 'incidents') }}
{%- endfor %}
{%- for tool in var('ai_tools') %}
-- depends_on: {{ source('ai_tools__' ~ tool, 'daily_usage') }}
{%- endfor %}
{%- set log = source('ingestion', 'loads') -%}
{%- set log_exists = (load_relation(log) is not none) if execute else true -%}

{% if log_exists %}

with

loads as (

    select * from {{ log }}

),

final as (

    select
        source,
        family,
        cast(window_start as timestamp) as window_start,
        cast(window_end as timestamp) as window_end,
        rows_staged,
        cast(loaded_at as timestamp) as loaded_at,
        _run_id as run_id
    from loads
    where window_end > window_start

)

select * from final

{% else %}

select
    cast(null as varchar) as source,
    cast(null as varchar) as family,
    cast(null as timestamp) as window_start,
    cast(null as timestamp) as window_end,
    cast(null as bigint) as rows_staged,
    cast(null as timestamp) as loaded_at,
    cast(null as varchar) as run_id
where 1 = 0

{% endif %}
