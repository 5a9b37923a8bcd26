-- Canonical daily usage for llm_gateway; shape and PII handling live in the shared macro.
{{ stg_ai_tools_daily_usage('llm_gateway') }}
