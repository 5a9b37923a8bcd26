{#- A reported incident never resolves before it was created unless it is retrospective. -#}
select incident_key, created_at, resolved_at
from {{ ref('fct_ops__incidents') }}
where mode = 'standard'
    and resolved_at < created_at
    and {{ built_this_run() }}
