{#-
    The one staging shape for an AI tool's raw daily usage table.

    engineer_identifier (an email, login or key name) and engineer_email are PII: both are hashed
    and dropped, as is the vendor payload. engineer_key is the hashed email when the identity was
    resolved, else a hash of tool + identifier, so unresolved identities stay separate per tool
    instead of collapsing into one NULL engineer.

    An incremental table, not a view, so a run's cost follows what was loaded, not the history:
    each run re-stages the raw keys (day, identifier) with a row loaded since the table's
    watermark (macros/incremental.sql), from all of their raw rows.
-#}
{% macro stg_ai_tools_daily_usage(tool) %}
{{ config(
    materialized='incremental',
    incremental_strategy='merge',
    unique_key='daily_usage_id',
    on_schema_change='append_new_columns'
) }}
with

source as (

    select * from {{ source('ai_tools__' ~ tool, 'daily_usage') }}
    {% if is_incremental() %}
    where (usage_date, engineer_identifier) in (
        select usage_date, engineer_identifier
        from {{ source('ai_tools__' ~ tool, 'daily_usage') }}
        where {{ loaded_since_watermark() }}
    )
    {% endif %}

),

deduplicated as (

    select *
    from source
    qualify row_number() over (
        partition by tool, usage_date, engineer_identifier
        order by _extracted_at desc, _loaded_at desc
    ) = 1

),

renamed as (

    select
        -- ids
        cast('{{ tool }}' as varchar) as tool,
        cast(usage_date as date) as usage_date,
        {{ hash_pii('engineer_identifier') }} as engineer_identifier_hash,
        {{ hash_pii('engineer_email') }} as engineer_email_hash,
        coalesce(
            {{ hash_pii('engineer_email') }},
            {{ hash_pii("'" ~ tool ~ ":' || engineer_identifier") }}
        ) as engineer_key,

        -- identity
        coalesce(cast(identity_resolved as boolean), false) as identity_resolved,
        lower(cast(actor_type as varchar)) as actor_type,

        -- measures (NULL where the tool has no such measure)
        cast(requests as bigint) as requests,
        cast(sessions as bigint) as sessions,
        cast(accepted_lines as bigint) as accepted_lines,
        cast(input_tokens as bigint) as input_tokens,
        cast(output_tokens as bigint) as output_tokens,
        cast(tokens_total as bigint) as tokens_total,
        coalesce(cast(tokens_estimated as boolean), false) as tokens_estimated,
        cast(estimation_rule as varchar) as estimation_rule,
        cast(cost_usd as {{ dbt.type_float() }}) as cost_usd,

        -- versions
        cast(_extracted_at as timestamp) as _extracted_at,
        cast(_loaded_at as timestamp) as _loaded_at,
        {{ dbt_built_at() }} as _dbt_built_at

    from deduplicated

)

select
    tool || ':' || cast(usage_date as varchar) || ':' || engineer_identifier_hash as daily_usage_id,
    *
from renamed
{% endmacro %}
