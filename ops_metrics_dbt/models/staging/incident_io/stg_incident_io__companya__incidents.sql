-- companya: detected_at is Incident.io's "Impact start" timestamp, fixed_at its "Fixed at".
{{ stg_incident_io_incidents('companya', detected_timestamp='Impact start', fixed_timestamp='Fixed at') }}
