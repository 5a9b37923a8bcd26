{#-
    The one staging shape for an Incident.io workspace's raw incidents table.

    Each workspace names its timestamps differently (registry.Workspace: companya "Impact start",
    companyb "Identified at", companyc "Detected at" and no fix timestamp). Ingestion has already
    mapped them onto raw detected_at / fixed_at; each staging model passes the workspace's names
    here so the quirk is explicit in code and recorded in *_source_field columns, and a workspace
    without a fix timestamp (fixed_timestamp=none) gets an explicit NULL fixed_at instead of
    whatever the raw column holds.

    Also: casts, lower-cased enums, PII hashed (raw emails and the payload are dropped), and one
    row per id (latest updated_at, then latest load). TTD/TTR/TTS pass through as ingestion
    computed them (incident_io/rows.py is their one owner); dbt never recomputes them.

    An incremental table, not a view: a view re-derives every raw row each hour, so every run's
    cost grew with history. Each run re-stages the ids with a raw row loaded since the table's
    watermark (macros/incremental.sql), all of their raw rows, so the one-row-per-id choice is
    the same as a full refresh's.
-#}
{% macro stg_incident_io_incidents(workspace, detected_timestamp, fixed_timestamp=none) %}
{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key='incident_id',
    on_schema_change='append_new_columns'
) }}
with

source as (

    select * from {{ source('incident_io__' ~ workspace, 'incidents') }}
    {% if is_incremental() %}
    where id in (
        select id from {{ source('incident_io__' ~ workspace, 'incidents') }}
        where {{ loaded_since_watermark() }}
    )
    {% endif %}

),

deduplicated as (

    select *
    from source
    qualify row_number() over (
        partition by id
        order by updated_at desc, _loaded_at desc
    ) = 1

),

renamed as (

    select
        -- ids
        cast(id as varchar) as incident_id,
        cast('{{ workspace }}' as varchar) as workspace,
        cast(reference as varchar) as reference,

        -- descriptors
        cast(name as varchar) as incident_name,
        cast(status as varchar) as status,
        lower(cast(status_category as varchar)) as status_category,
        lower(cast(mode as varchar)) as mode,
        cast(visibility as varchar) as visibility,
        cast(severity as varchar) as severity,
        cast(severity_rank as bigint) as severity_rank,
        cast(incident_type as varchar) as incident_type,
        affected_services,

        -- people (hashed; the raw columns stop here)
        {{ hash_pii('lead_email') }} as lead_hash,
        {{ hash_pii('reporter_email') }} as reporter_hash,

        -- timestamps (UTC, no time zone)
        cast(created_at as timestamp) as created_at,
        cast(updated_at as timestamp) as updated_at,
        cast(detected_at as timestamp) as detected_at,
        {% if fixed_timestamp -%}
        cast(fixed_at as timestamp) as fixed_at,
        {%- else -%}
        cast(null as timestamp) as fixed_at,
        {%- endif %}
        cast(resolved_at as timestamp) as resolved_at,
        cast(closed_at as timestamp) as closed_at,

        -- durations in seconds, computed once at ingestion (ops_metrics/incident_io/rows.py) from
        -- the same timestamps; NULL when an end is missing, negative kept (marts decide)
        cast(ttd_sec as double) as ttd_sec,
        cast(ttr_sec as double) as ttr_sec,
        cast(tts_sec as double) as tts_sec,

        -- which vendor timestamp fed detected_at / fixed_at in this workspace
        cast('{{ detected_timestamp }}' as varchar) as detected_at_source_field,
        {% if fixed_timestamp -%}
        cast('{{ fixed_timestamp }}' as varchar) as fixed_at_source_field,
        {%- else -%}
        cast(null as varchar) as fixed_at_source_field,
        {%- endif %}

        cast(_loaded_at as timestamp) as _loaded_at,
        {{ dbt_built_at() }} as _dbt_built_at

    from deduplicated

)

select * from renamed
{% endmacro %}
