{#- One row per reported incident (mode standard or retrospective; not declined, merged or
    canceled). Incremental merge on the workspace-qualified incident_key of every incident loaded
    since the table's watermark (macros/incremental.sql: load time, so a backfilled week or a late
    edit with an old updated_at is read on the next run).
    The pre-hook (macros/incremental.sql) first removes the incidents of those same loads that
    stopped being reportable (later merged, declined, canceled, or test): merge cannot delete, and
    without it incremental and full refresh would differ. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key='incident_key',
    on_schema_change='append_new_columns',
    pre_hook="{{ delete_unreportable_incidents() }}"
) }}
{% if target.type == 'snowflake' %}
{#- Snowflake only: cluster for date-range scans; full refreshes get the bigger warehouse. -#}
{{ config(cluster_by=['incident_date'], snowflake_warehouse=etl_warehouse(), pre_hook="{{ use_etl_warehouse() }}") }}
{% endif %}

with

incidents as (

    select * from {{ ref('int_ops__incidents_unioned') }}
    {% if is_incremental() %}
    where {{ loaded_since_watermark() }}
    {% endif %}

),

reportable as (

    select * from incidents
    where is_reportable

),

final as (

    select
        incident_key,
        incident_id,
        workspace,
        reference,
        incident_name,
        status,
        status_category,
        mode,
        severity,
        severity_rank,
        incident_type,
        lead_hash,
        reporter_hash,
        created_at,
        detected_at,
        fixed_at,
        resolved_at,
        closed_at,
        updated_at,
        incident_date,
        {{ null_if_negative('ttd_sec') }} as ttd_sec,
        {{ null_if_negative('ttr_sec') }} as ttr_sec,
        {{ null_if_negative('tts_sec') }} as tts_sec,
        resolved_at is not null as is_resolved,
        _loaded_at,
        {{ dbt_built_at() }} as _dbt_built_at
    from reportable

)

select * from final
