{#- All workspaces in one relation. The instance list is var('incident_io_workspaces'): adding a
    workspace is one line there, never a change here. -#}
{%- set workspaces = var('incident_io_workspaces') -%}
{#- Passes staging's _dbt_built_at on, so data tests can read just the rows of this run. -#}
{{ config(meta={'has_dbt_built_at': true}) }}

with

{% for workspace in workspaces %}
{{ workspace }}_incidents as (

    select * from {{ ref('stg_incident_io__' ~ workspace ~ '__incidents') }}

),

{% endfor %}
unioned as (

    {% for workspace in workspaces %}
    select * from {{ workspace }}_incidents
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

enriched as (

    select
        -- Incident.io ids are unique per account only, so the key is workspace-qualified.
        workspace || ':' || incident_id as incident_key,
        incident_id,
        workspace,
        reference,
        incident_name,
        status,
        status_category,
        mode,
        visibility,
        severity,
        severity_rank,
        incident_type,
        affected_services,
        lead_hash,
        reporter_hash,
        created_at,
        updated_at,
        detected_at,
        fixed_at,
        resolved_at,
        closed_at,
        cast(created_at as date) as incident_date,

        -- Signed durations as ingestion computed them (incident_io/rows.py, their one owner;
        -- negative for some retrospective incidents); the mart turns negatives into NULL.
        ttd_sec,
        ttr_sec,
        tts_sec,

        -- Reported incidents: real modes only, and not declined / merged / canceled.
        (
            mode in ('standard', 'retrospective')
            and status_category not in ('declined', 'merged', 'canceled')
        ) as is_reportable,

        _loaded_at,
        _dbt_built_at

    from unioned

)

select * from enriched
