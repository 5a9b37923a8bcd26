{#- True on the local Snowflake emulator target (profiles.yml `emulator`). A macro of its own
    because dbt's materialization macros name a parameter `target` (the relation), which hides
    the global `target` inside them. -#}
{% macro on_emulator() -%}
    {{ return(target.name == 'emulator') }}
{%- endmacro %}
