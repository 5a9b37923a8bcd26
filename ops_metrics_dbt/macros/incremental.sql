{#- What an incremental model reads: every row LOADED since the newest `_loaded_at` already in the
    target (`this`), minus var('loaded_at_margin_minutes'). `_loaded_at` is the warehouse's time of
    the merge that inserted or changed the raw row (unchanged rows keep theirs), so a backfill of an
    old week, a late edit with an old updated_at, or a re-extracted old day is read on the next run
    whatever its source timestamps say. The margin covers loads that were still committing while
    the previous run read, and clock differences between warehouses; it only widens the re-read
    (every model here is idempotent on a re-read row). An empty target reads everything.
    Source time (updated_at, _extracted_at) no longer decides whether a row is ever seen. -#}
{% macro loaded_since_watermark(column='_loaded_at', relation=none) -%}
    {%- set relation = this if relation is none else relation -%}
    {%- set margin = var('loaded_at_margin_minutes', 60) | int -%}
    {%- if execute and model.resource_type == 'model' -%}
        {#- Read once, before the model (and its pre-hook) change anything, and written into the
            SQL as a constant: the warehouse prunes raw and staging by it (DuckDB's zone maps,
            Snowflake's micro-partitions), which a subquery in the predicate prevents. Unit tests
            keep the subquery, which reads their `this` fixture. -#}
        {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name')
            | map('lower') | list -%}
        {%- if '_loaded_at' in columns -%}
            {%- set newest = run_query('select max(_loaded_at) from ' ~ relation)
                .columns[0].values()[0] -%}
        {%- else -%}
            {#- A table built before it carried _loaded_at: read everything once; the merge adds
                the column (on_schema_change) and fills it. -#}
            {%- set newest = none -%}
        {%- endif -%}
        {%- if newest is none -%}
    1 = 1
        {%- else -%}
    {{ column }} >= {{ dbt.dateadd('minute', -1 * margin, "cast('" ~ newest ~ "' as timestamp)") }}
        {%- endif -%}
    {%- else -%}
    {{ column }} >= coalesce(
        (select {{ dbt.dateadd('minute', -1 * margin, 'max(_loaded_at)') }} from {{ relation }}),
        cast('1900-01-01' as timestamp)
    )
    {%- endif -%}
{%- endmacro %}

{#- dbt's own build time of a row (run_started_at, UTC), kept on incremental tables so the hourly
    run's data tests can read just the rows this run built (macros/tests_scope.sql). Not data: the
    incremental and full-refresh builds of the same raw data differ only there. -#}
{% macro dbt_built_at() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}

{#- fct_ops__incidents' pre-hook: delete the incidents loaded since the watermark that are no longer
    reportable. A hook renders when the model runs (a config string would be fixed at parse time,
    when is_incremental() is false), and runs before the merge, while `this` still holds the
    previous run's watermark: it reads exactly the loads the merge then reads. -#}
{% macro delete_unreportable_incidents() -%}
    {%- if is_incremental() -%}
    delete from {{ this }} where incident_key in (
        select incident_key from {{ ref('int_ops__incidents_unioned') }}
        where not is_reportable and {{ loaded_since_watermark() }}
    )
    {%- endif -%}
{%- endmacro %}

{#- bridge_ops__incident_service's pre-hook: delete the rows of every incident loaded since the
    watermark; the model then merges those incidents' current services (none, when an incident
    lost them all or stopped being reportable). Same watermark as the model's select (read before
    either runs). -#}
{% macro delete_reloaded_incident_services() -%}
    {%- if is_incremental() -%}
    delete from {{ this }} where incident_key in (
        select incident_key from {{ ref('int_ops__incidents_unioned') }}
        where {{ loaded_since_watermark() }}
    )
    {%- endif -%}
{%- endmacro %}

{#- Warehouse for Snowflake mart builds: incremental runs use ETL_SMALL (the `snowflake_warehouse`
    config), full refreshes rebuild everything and get ETL_MEDIUM. Config values are fixed when dbt
    parses (and partial parsing reuses them), so the switch is a pre-hook: hooks render when the
    model runs, when flags.FULL_REFRESH is that run's flag. dbt-snowflake restores the session's
    warehouse after the model. The emulator has no warehouses, so it skips the statement. -#}
{% macro etl_warehouse() -%}
    {{ return('ETL_SMALL') }}
{%- endmacro %}

{% macro use_etl_warehouse() -%}
    {%- if target.type == 'snowflake' and target.name != 'emulator' and flags.FULL_REFRESH -%}
        use warehouse ETL_MEDIUM
    {%- endif -%}
{%- endmacro %}

{#- NULL instead of a negative duration: a negative TTD/TTR (retrospective incidents) is a data
    entry artefact, not a real duration; the warning test on the intermediate model counts them. -#}
{% macro null_if_negative(column) -%}
    case when {{ column }} >= 0 then {{ column }} end
{%- endmacro %}
