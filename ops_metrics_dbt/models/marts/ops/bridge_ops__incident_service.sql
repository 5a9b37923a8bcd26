{#- Incident <-> affected service (many-to-many) for reported incidents. hashdiff fingerprints
    the descriptive attributes so downstream loads (and reviewers) can tell a changed
    relationship from an unchanged one without comparing every column. -#}
with

incident_services as (

    select * from {{ ref('int_ops__incident_services') }}

),

incidents as (

    select incident_key, incident_date from {{ ref('fct_ops__incidents') }}

),

final as (

    select
        incident_services.incident_service_key,
        incident_services.incident_key,
        incident_services.workspace,
        incident_services.service_id,
        incident_services.service_name,
        incident_services.service_external_id,
        incidents.incident_date,
        {{ dbt.hash(dbt.concat([
            "coalesce(incident_services.service_name, '')",
            "'|'",
            "coalesce(incident_services.service_external_id, '')",
        ])) }} as hashdiff,
        incident_services.updated_at
    from incident_services
    inner join incidents
        on incident_services.incident_key = incidents.incident_key

)

select * from final
