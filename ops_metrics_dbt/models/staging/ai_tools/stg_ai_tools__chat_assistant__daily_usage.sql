-- Canonical daily usage for chat_assistant; shape and PII handling live in the shared macro.
{{ stg_ai_tools_daily_usage('chat_assistant') }}
