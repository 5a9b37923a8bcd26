-- Canonical daily usage for cursor; shape and PII handling live in the shared macro.
{{ stg_ai_tools_daily_usage('cursor') }}
