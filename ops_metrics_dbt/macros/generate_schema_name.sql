{#-
    Production writes the plain layer schemas (staging, intermediate, marts); a developer writes
    sandbox_<user>_<schema>, so dev never overwrites production.

    Local targets (duckdb, emulator) are single-user files, so they always behave like prod.
    On Snowflake the environment is OPS_METRICS_DBT_ENV: `prod` in the production deployment,
    anything else (default `dev`) means a sandbox. <user> is DBT_USER, else USER.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- set base = custom_schema_name | trim if custom_schema_name else target.schema -%}
    {%- set is_prod = target.type != 'snowflake' or target.name == 'emulator'
        or env_var('OPS_METRICS_DBT_ENV', 'dev') | lower == 'prod' -%}
    {%- if is_prod -%}
        {{ base }}
    {%- else -%}
        {%- set user = env_var('DBT_USER', env_var('USER', 'dev')) | lower -%}
        sandbox_{{ modules.re.sub('[^a-z0-9_]', '_', user) }}_{{ base }}
    {%- endif -%}
{%- endmacro %}
