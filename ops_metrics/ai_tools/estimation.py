"""Token estimation for tools that do not report tokens: the constants, in one place.

Every row records whether its tokens were reported or estimated, and by which rule, so a mart
can always separate measured from modelled usage. A row whose tokens are partly estimated counts
as estimated (`tokens_estimated` true) and names a rule of its own.

Conventions shared by every tool:
- `input_tokens` / `output_tokens` hold reported counts only (NULL when nothing was reported);
  `tokens_total` is reported plus estimated tokens.
- Input tokens include cached prompt tokens (cache reads and writes), as OpenAI and LiteLLM
  count them, so vendors are comparable.
"""

from __future__ import annotations

from typing import Final

# Claude Code reports no request count: a "request" here is a Claude Code session
# (`core_metrics.num_sessions`), the finest unit the Analytics API counts. Applied only to rows
# that come without a `model_breakdown` (the API omits it for some rows).
CLAUDE_CODE_TOKENS_PER_REQUEST: Final = 7_500
# IDE completions (Cursor `acceptedLinesAdded`, Copilot `loc_added_sum` outside the CLI).
TOKENS_PER_ACCEPTED_LINE: Final = 15
# Chat sessions whose tokens were not logged: tokens per message of the session. 1,250 is the
# mean of the sessions that do log tokens (~900 input + ~350 output per message); revisit it
# when the logged share changes.
CHAT_TOKENS_PER_MESSAGE: Final = 1_250

REPORTED: Final = "reported"
RULE_CLAUDE_CODE_PER_REQUEST: Final = "claude_code_7500_per_request"
RULE_CLAUDE_CODE_PARTIAL: Final = "claude_code_reported_plus_7500_per_request"
RULE_ACCEPTED_LINES: Final = "ide_15_per_accepted_line"
RULE_COPILOT_CLI_PLUS_IDE: Final = "copilot_cli_reported_plus_ide_estimate"
RULE_CHAT_PER_MESSAGE: Final = "chat_1250_per_message"
RULE_CHAT_PARTIAL: Final = "chat_reported_where_logged"

ESTIMATION_RULES: Final = {
    REPORTED: "tokens as reported by the vendor",
    RULE_CLAUDE_CODE_PER_REQUEST: (
        f"{CLAUDE_CODE_TOKENS_PER_REQUEST:,} tokens per Claude Code request, a request being a "
        "session (core_metrics.num_sessions); rows without a model_breakdown"
    ),
    RULE_CLAUDE_CODE_PARTIAL: (
        "Claude Code: reported model_breakdown tokens where present, "
        f"{CLAUDE_CODE_TOKENS_PER_REQUEST:,} per session for rows without one"
    ),
    RULE_ACCEPTED_LINES: f"{TOKENS_PER_ACCEPTED_LINE} tokens per accepted line (IDE completions)",
    RULE_COPILOT_CLI_PLUS_IDE: (
        "Copilot: CLI tokens as reported (totals_by_cli.token_usage) plus "
        f"{TOKENS_PER_ACCEPTED_LINE} tokens per accepted IDE line"
    ),
    RULE_CHAT_PER_MESSAGE: (
        f"chat sessions without logged tokens: {CHAT_TOKENS_PER_MESSAGE:,} tokens per message"
    ),
    RULE_CHAT_PARTIAL: (
        "chat sessions: reported tokens where logged, "
        f"{CHAT_TOKENS_PER_MESSAGE:,} tokens per message elsewhere"
    ),
}


def claude_code_tokens(requests: int) -> int:
    return requests * CLAUDE_CODE_TOKENS_PER_REQUEST


def accepted_line_tokens(accepted_lines: int) -> int:
    return accepted_lines * TOKENS_PER_ACCEPTED_LINE


def chat_message_tokens(messages: int) -> int:
    return messages * CHAT_TOKENS_PER_MESSAGE


def rule_for(reported: bool, estimated: bool, estimated_rule: str, mixed_rule: str) -> str:
    """The rule of a row from which parts of its tokens were reported and which estimated."""
    if estimated and reported:
        return mixed_rule
    return estimated_rule if estimated else REPORTED
