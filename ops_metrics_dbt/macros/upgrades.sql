{#- on-run-start (dbt_project.yml): bring a warehouse built by older code to what a full refresh
    of this code builds, with nothing for the operator to do. Every upgrade here is a schema check
    that drops the incremental tables the old code left in a shape this code cannot merge into
    correctly; dbt then builds them whole (a table that does not exist is built exactly as a full
    refresh builds it). It costs one column lookup per checked table, only in runs that build
    what it checks. -#}
{% macro upgrade_incremental_tables() -%}
    {%- if execute -%}
        {%- do rebuild_incidents_staged_without_durations() -%}
    {%- endif -%}
{%- endmacro %}

{#- Issue 18: TTD/TTR/TTS have one owner, ingestion (ops_metrics/incident_io/rows.py, raw
    ttd_sec / ttr_sec / tts_sec); staging now carries them and int_ops__incidents_unioned no longer
    recomputes them from the timestamps. A staging table built before that lacks the columns, and
    an incremental merge would only add them (on_schema_change) to the rows it re-stages, leaving
    NULL durations in every older row. fct_ops__incidents holds the old SQL values (DuckDB's epoch
    arithmetic is ~1e-7 s off; Snowflake's datediff stopped at milliseconds) in rows an incremental
    run never re-reads. So, when a run builds an incident staging model whose table lacks the
    columns, every incident staging table without them and fct_ops__incidents are dropped and
    built whole in this run (or, for one outside a hand-picked selection, in the next run that
    selects it). -#}
{% macro rebuild_incidents_staged_without_durations() -%}
    {%- set nodes = [] -%}
    {%- for workspace in var('incident_io_workspaces') -%}
        {%- do nodes.append(graph.nodes.get(
            'model.ops_metrics.stg_incident_io__' ~ workspace ~ '__incidents')) -%}
    {%- endfor -%}
    {#- Nothing to look at in a run that builds no incident staging (unit tests, AI-only runs). -#}
    {%- if not (nodes | select | map(attribute='unique_id') | select('in', selected_resources)
        | list) -%}
        {{ return('') }}
    {%- endif -%}
    {%- set stale = [] -%}
    {%- for node in nodes | select -%}
        {%- set relation = _built_relation(node) -%}
        {%- if relation is not none -%}
            {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name')
                | map('lower') | list -%}
            {%- if 'ttd_sec' not in columns -%}
                {%- do stale.append(relation) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if stale -%}
        {%- set mart = _built_relation(graph.nodes.get('model.ops_metrics.fct_ops__incidents')) -%}
        {%- if mart is not none -%}
            {%- do stale.append(mart) -%}
        {%- endif -%}
        {%- do log('upgrade (issue 18): incident staging predates raw TTD/TTR/TTS; rebuilding '
            ~ stale | join(', ') ~ ' whole', info=true) -%}
        {%- for relation in stale -%}
            {%- do adapter.drop_relation(relation) -%}
        {%- endfor -%}
        {#- on-run-start runs outside dbt's transactions; the drops opened one. -#}
        {%- do adapter.commit() -%}
    {%- endif -%}
{%- endmacro %}

{#- The warehouse relation a model node was built as, or none when it has not been built. -#}
{% macro _built_relation(node) -%}
    {%- if node is none -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(adapter.get_relation(database=node.database, schema=node.schema,
        identifier=node.alias)) }}
{%- endmacro %}
