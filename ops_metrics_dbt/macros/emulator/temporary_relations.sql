{#-
    EMULATOR SHIM (fakesnow 0.12): changes SQL only on the emulator target (on_emulator()).

    dbt-snowflake creates fully qualified temporary relations: a temporary view
    `ANALYTICS.marts.<model>__dbt_tmp` on every incremental run of a merge model, and a temporary
    table of that shape in every unit test. fakesnow hands the statement to DuckDB, whose
    temporary objects must live in its `temp` catalog ("TEMPORARY table names can *only* use the
    \"temp\" catalog"), so both fail. (Naming them unqualified gets past CREATE, but fakesnow's
    DESCRIBE then looks for them in the session's database and finds no columns.) On the
    emulator they are created as ordinary relations under the same name instead; dbt drops them
    right after use either way (drop_relation_if_exists / adapter.drop_relation).

    Root project macros take precedence over dbt-snowflake's of the same name, even for its
    materializations' direct calls. For every other target these return the adapter's own
    macro's output unchanged (called as dbt.<name>), so the `snowflake` target compiles to
    standard dbt-snowflake SQL: ops_metrics_tests/snowflake/test_snowflake_compile.py checks it.
-#}

{% macro snowflake__create_view_as_with_temp_flag(relation, sql, is_temporary=False) -%}
    {%- if on_emulator() and is_temporary -%}
        /* emulator shim: fakesnow cannot create a qualified temporary view */
        {{ dbt.snowflake__create_view_as_with_temp_flag(relation, sql, False) }}
    {%- else -%}
        {{ dbt.snowflake__create_view_as_with_temp_flag(relation, sql, is_temporary) }}
    {%- endif -%}
{%- endmacro %}

{% macro snowflake__create_table_temporary_sql(relation, compiled_code) -%}
    {%- set standard = dbt.snowflake__create_table_temporary_sql(relation, compiled_code) -%}
    {%- if on_emulator() -%}
        /* emulator shim: fakesnow cannot create a qualified temporary table */
        {{ standard | replace('create or replace temporary table', 'create or replace table') }}
    {%- else -%}
        {{ standard }}
    {%- endif -%}
{%- endmacro %}
