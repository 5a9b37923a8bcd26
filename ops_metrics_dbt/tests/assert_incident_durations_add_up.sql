{#- Time to resolve from creation is detection time plus repair time, whenever all three exist. -#}
select incident_key, ttd_sec, ttr_sec, tts_sec
from {{ ref('fct_ops__incidents') }}
where ttd_sec is not null
    and ttr_sec is not null
    and tts_sec is not null
    and abs(ttd_sec + ttr_sec - tts_sec) > 1
    and {{ built_this_run() }}
