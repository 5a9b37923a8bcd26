-- Canonical daily usage for claude_code; shape and PII handling live in the shared macro.
{{ stg_ai_tools_daily_usage('claude_code') }}
