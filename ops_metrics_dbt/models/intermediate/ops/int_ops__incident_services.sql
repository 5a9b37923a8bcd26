{#- Incident <-> affected service pairs, one row per service listed in the catalog-backed
    "Affected services" field (raw JSON array of {id, name, external_id}). Passes staging's
    _dbt_built_at on, so data tests can read just the rows of this run. -#}
{{ config(meta={'has_dbt_built_at': true}) }}
with

services as (

    -- The ref is read here, not in an import CTE: DuckDB materializes a CTE feeding an UNNEST
    -- join, which kept the bridge's watermark and the tests' scope from reaching the staging
    -- scans (every incident's services JSON was unnested on every run).

    select
        incidents.incident_key,
        incidents.workspace,
        incidents.updated_at,
        incidents._loaded_at,
        incidents._dbt_built_at,
        {{ json_field('service.value', 'id') }} as service_id,
        {{ json_field('service.value', 'name') }} as service_name,
        {{ json_field('service.value', 'external_id') }} as service_external_id
    from {{ ref('int_ops__incidents_unioned') }} as incidents
    {{ unnest_json_array('incidents.affected_services', 'service') }}

),

deduplicated as (

    -- The same service listed twice on one incident is one relationship. _loaded_at and
    -- _dbt_built_at are the incident's, so grouping by them changes nothing, and a filter on them
    -- (the bridge's watermark, the tests' scope) reaches the staging tables' scans.
    select
        incident_key,
        workspace,
        service_id,
        max(service_name) as service_name,
        max(service_external_id) as service_external_id,
        max(updated_at) as updated_at,
        _loaded_at,
        _dbt_built_at
    from services
    where service_id is not null
    group by incident_key, workspace, service_id, _loaded_at, _dbt_built_at

)

select
    incident_key || ':' || service_id as incident_service_key,
    *
from deduplicated
