-- Canonical daily usage for github_copilot; shape and PII handling live in the shared macro.
{{ stg_ai_tools_daily_usage('github_copilot') }}
