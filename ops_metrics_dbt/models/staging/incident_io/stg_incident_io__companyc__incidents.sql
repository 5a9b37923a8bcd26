-- companyc: detected_at is Incident.io's "Detected at" timestamp; the workspace has no fix timestamp.
{{ stg_incident_io_incidents('companyc', detected_timestamp='Detected at', fixed_timestamp=none) }}
