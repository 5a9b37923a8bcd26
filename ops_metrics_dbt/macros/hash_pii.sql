{#- SHA-256 hex of the trimmed, lower-cased value: the same address always hashes the same way on
    every backend, so hashes join across sources while raw PII never leaves staging. -#}
{% macro hash_pii(column) -%}
    {{ return(adapter.dispatch('hash_pii', 'ops_metrics')(column)) }}
{%- endmacro %}

{% macro default__hash_pii(column) -%}
    sha2(lower(trim({{ column }})), 256)
{%- endmacro %}

{% macro duckdb__hash_pii(column) -%}
    sha256(lower(trim({{ column }})))
{%- endmacro %}

{% macro snowflake__hash_pii(column) -%}
    sha2(lower(trim({{ column }})), 256)
{%- endmacro %}
