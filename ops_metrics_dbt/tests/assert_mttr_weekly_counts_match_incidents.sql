{#- Two parents: Dagster shows this test as a check on the mart it verifies. -#}
{{ config(meta={'dagster': {'ref': {'name': 'fct_ops__mttr_weekly'}}}) }}
{#- Every reported incident lands in exactly one workspace x severity x week cell. -#}
with

weekly as (
    select coalesce(sum(incident_count), 0) as incidents from {{ ref('fct_ops__mttr_weekly') }}
),

incidents as (
    select count(*) as incidents from {{ ref('fct_ops__incidents') }}
)

select weekly.incidents as weekly_incidents, incidents.incidents as fact_incidents
from weekly
cross join incidents
where weekly.incidents != incidents.incidents
