{#- Small generic tests for the SLO seeds (no dbt_utils dependency: the project installs no
    packages). Each fails on the offending rows; NULL passes, as in dbt's own tests. -#}

{% test positive(model, column_name) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} <= 0
{% endtest %}

{% test between_exclusive(model, column_name, lower, upper) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} <= {{ lower }} or {{ column_name }} >= {{ upper }}
{% endtest %}

{% test multiple_of(model, column_name, divisor) %}
select {{ column_name }}
from {{ model }}
where mod({{ column_name }}, {{ divisor }}) <> 0
{% endtest %}

{% test unique_combination(model, columns) %}
select {{ columns | join(', ') }}
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
