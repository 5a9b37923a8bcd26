{#- One row per reported incident (mode standard or retrospective; not declined, merged or
    canceled). Incremental merge on the workspace-qualified incident_key with a lookback on
    updated_at, because incidents are edited days after resolution.
    The post-hook removes incidents that stopped being reportable (e.g. later merged or
    declined): merge cannot delete, and without it incremental and full refresh would differ. -#}
{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key='incident_key',
    on_schema_change='append_new_columns',
    post_hook="delete from {{ this }} where incident_key in (select incident_key from {{ ref('int_ops__incidents_unioned') }} where not is_reportable)"
) }}
{% if target.type == 'snowflake' %}
{#- Snowflake only: cluster for date-range scans; full refreshes get the bigger warehouse. -#}
{{ config(cluster_by=['incident_date'], snowflake_warehouse=etl_warehouse(), pre_hook="{{ use_etl_warehouse() }}") }}
{% endif %}

with

incidents as (

    select * from {{ ref('int_ops__incidents_unioned') }}
    {% if is_incremental() %}
    where {{ lookback_filter('updated_at') }}
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
        resolved_at is not null as is_resolved
    from reportable

)

select * from final
