{#-
    A gap-free series of `datepart` steps (column date_<datepart>) from start_date to end_date,
    both SQL expressions (scalar subqueries are fine). Time-series facts left join to it so empty
    periods appear as rows instead of silently missing (week-over-week lags need that).

    Snowflake's generator needs a constant row count, so it generates a fixed-size series and
    filters it to the bounds (hence the name); DuckDB builds the exact series natively.
-#}
{% macro date_spine_filter(datepart, start_date, end_date) -%}
    {{ return(adapter.dispatch('date_spine_filter', 'ops_metrics')(datepart, start_date, end_date)) }}
{%- endmacro %}

{% macro default__date_spine_filter(datepart, start_date, end_date) -%}
    {{ dbt.date_spine(datepart, start_date, end_date) }}
{%- endmacro %}

{% macro duckdb__date_spine_filter(datepart, start_date, end_date) -%}
    select cast(unnest(generate_series(
        cast({{ start_date }} as timestamp),
        cast({{ end_date }} as timestamp),
        interval 1 {{ datepart }}
    )) as date) as date_{{ datepart }}
{%- endmacro %}

{% macro snowflake__date_spine_filter(datepart, start_date, end_date, max_steps=10000) -%}
    select date_{{ datepart }}
    from (
        select cast(dateadd(
            {{ datepart }},
            row_number() over (order by seq4()) - 1,
            cast({{ start_date }} as date)
        ) as date) as date_{{ datepart }}
        from table(generator(rowcount => {{ max_steps }}))
    )
    where date_{{ datepart }} <= cast({{ end_date }} as date)
{%- endmacro %}
