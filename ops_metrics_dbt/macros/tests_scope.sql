{#-
    Which rows a data test reads.

    The hourly and daily builds test only the rows they built: on a relation that carries
    `_dbt_built_at` (the incremental tables, and the views over them that pass it on) a data test
    reads the rows whose `_dbt_built_at` is this run's start. Whole-table tests on every run read
    all of history every hour, which made the hourly run's cost grow with history
    (docs/benchmarks.md). Every row is still tested when it is built, and the whole tables once a
    day: the `dbt_whole_table_tests_daily` job runs the build with var data_tests_scope = 'all',
    and so does a full refresh (every row is built then anyway).

    Generic tests go through dbt's get_where_subquery hook (overridden here, the same filter
    beside any `where` config a test sets); singular tests on such relations call
    built_this_run() in their own where clause.
-#}

{% macro data_tests_scoped() -%}
    {{ return(not flags.FULL_REFRESH and var('data_tests_scope', 'built') != 'all') }}
{%- endmacro %}

{#- A predicate: the row was built by this run (true when tests read whole tables). -#}
{% macro built_this_run(alias=none) -%}
    {%- if data_tests_scoped() -%}
        {{ (alias ~ '.') if alias else '' }}_dbt_built_at = {{ dbt_built_at() }}
    {%- else -%}
        1 = 1
    {%- endif -%}
{%- endmacro %}

{#- True when the model behind `relation` is built with a `_dbt_built_at` column: the incremental
    tables and the views that pass the column on (meta `has_dbt_built_at`). -#}
{% macro carries_dbt_built_at(relation) -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model'
            and (node.alias or node.name) | lower == relation.identifier | lower
            and (node.schema | lower) == (relation.schema | lower) -%}
            {{ return(
                node.config.materialized == 'incremental'
                or node.config.meta.get('has_dbt_built_at', false)
            ) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(false) }}
{%- endmacro %}

{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- set filters = [] -%}
    {%- if where -%}
        {%- do filters.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- if execute and relation.identifier is defined and data_tests_scoped()
        and carries_dbt_built_at(relation) -%}
        {%- do filters.append(built_this_run()) -%}
    {%- endif -%}
    {%- if filters -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ filters | join(' and ') }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- else -%}
        {{ return(relation) }}
    {%- endif -%}
{%- endmacro %}
