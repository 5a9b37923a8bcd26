{#-
    EMULATOR SHIM (fakesnow 0.12): changes SQL only on the emulator target (on_emulator()).

    fakesnow cannot run dbt-snowflake's incremental MERGE: it rewrites MERGE into a
    `merge_candidates` table whose SELECT lists dbt's quoted columns unqualified ("Ambiguous
    reference to column name ... DBT_INTERNAL_DEST or DBT_INTERNAL_SOURCE"), and it cannot run a
    MERGE inside dbt's explicit BEGIN ... COMMIT at all (DuckDB refuses writes to two attached
    databases in one transaction; see ops_metrics.warehouse.snowflake._emulated_merge). On the
    emulator a merge with a unique_key becomes dbt-snowflake's own delete+insert (same result:
    the unique keys of the new rows are replaced), from a table rather than a view so the
    load-time watermark (which reads the target) is evaluated once, before the delete, as dbt
    requires for delete+insert.

    For every other target both macros return dbt-snowflake's own result unchanged.
-#}

{% macro snowflake__get_merge_sql(target, source_sql, unique_key, dest_columns, incremental_predicates) -%}
    {%- if on_emulator() and unique_key is not none -%}
        /* emulator shim: delete+insert instead of MERGE */
        {{ snowflake__get_delete_insert_merge_sql(target, source_sql, unique_key, dest_columns, incremental_predicates) }}
    {%- else -%}
        {{ dbt.snowflake__get_merge_sql(target, source_sql, unique_key, dest_columns, incremental_predicates) }}
    {%- endif -%}
{%- endmacro %}

{% macro dbt_snowflake_get_tmp_relation_type(strategy, unique_key, language) -%}
    {%- if on_emulator() and strategy == 'merge' and unique_key is not none -%}
        {{ return('table') }}
    {%- endif -%}
    {{ return(dbt.dbt_snowflake_get_tmp_relation_type(strategy, unique_key, language)) }}
{%- endmacro %}
