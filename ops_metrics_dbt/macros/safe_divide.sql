{#- numerator / denominator, NULL (never an error, never 0) when the denominator is 0 or NULL. -#}
{% macro safe_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('safe_divide', 'ops_metrics')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__safe_divide(numerator, denominator) -%}
    case when ({{ denominator }}) = 0 then null
        else cast({{ numerator }} as {{ dbt.type_float() }}) / ({{ denominator }}) end
{%- endmacro %}

{% macro duckdb__safe_divide(numerator, denominator) -%}
    case when ({{ denominator }}) = 0 then null else ({{ numerator }}) / ({{ denominator }}) end
{%- endmacro %}

{% macro snowflake__safe_divide(numerator, denominator) -%}
    iff(({{ denominator }}) = 0, null, ({{ numerator }}) / ({{ denominator }}))
{%- endmacro %}
