-- companyb: detected_at is Incident.io's "Identified at" timestamp, fixed_at its "Fixed at".
{{ stg_incident_io_incidents('companyb', detected_timestamp='Identified at', fixed_timestamp='Fixed at') }}
