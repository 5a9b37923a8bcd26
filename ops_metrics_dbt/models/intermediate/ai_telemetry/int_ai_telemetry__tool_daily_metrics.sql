{#- All tools in one relation, one row per tool, day and engineer. The instance list is
    var('ai_tools'): adding a tool is one line there, never a change here.
    Several vendor identities can resolve to the same engineer on one day (a login and an email),
    so usage is summed per engineer_key. Passes staging's _dbt_built_at on, so data tests can read
    just the rows of this run. -#}
{{ config(meta={'has_dbt_built_at': true}) }}
{%- set tools = var('ai_tools') -%}

with

{% for tool in tools %}
{{ tool }}_usage as (

    select * from {{ ref('stg_ai_tools__' ~ tool ~ '__daily_usage') }}

),

{% endfor %}
unioned as (

    {% for tool in tools %}
    select * from {{ tool }}_usage
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

aggregated as (

    select
        tool,
        usage_date,
        engineer_key,
        max(engineer_email_hash) as engineer_email_hash,
        {{ dbt.bool_or('identity_resolved') }} as identity_resolved,
        -- 'user' wins over 'api' when both kinds of identity map to one engineer.
        max(actor_type) as actor_type,
        count(*) as identity_count,
        sum(requests) as requests,
        sum(sessions) as sessions,
        sum(accepted_lines) as accepted_lines,
        sum(input_tokens) as input_tokens,
        sum(output_tokens) as output_tokens,
        sum(tokens_total) as tokens_total,
        sum(case when tokens_estimated then 0 else tokens_total end) as reported_tokens,
        sum(case when tokens_estimated then tokens_total else 0 end) as estimated_tokens,
        {{ dbt.bool_or('tokens_estimated') }} as tokens_estimated,
        min(estimation_rule) as estimation_rule,
        sum(cost_usd) as cost_usd,
        max(_extracted_at) as _extracted_at,
        max(_loaded_at) as _loaded_at,
        max(_dbt_built_at) as _dbt_built_at
    from unioned
    group by tool, usage_date, engineer_key

)

select
    tool || ':' || cast(usage_date as varchar) || ':' || engineer_key as tool_daily_key,
    *
from aggregated
