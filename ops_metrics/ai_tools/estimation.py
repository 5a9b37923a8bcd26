"""Token estimation for tools that do not report tokens: the seed's constants, in one place.

Every row records whether its tokens were reported or estimated, and by which rule, so a mart
can always separate measured from modelled usage.
"""

from __future__ import annotations

from typing import Final

CLAUDE_CODE_TOKENS_PER_REQUEST: Final = 7_500
TOKENS_PER_ACCEPTED_LINE: Final = 15

REPORTED: Final = "reported"
RULE_CLAUDE_CODE_PER_REQUEST: Final = "claude_code_7500_per_request"
RULE_ACCEPTED_LINES: Final = "ide_15_per_accepted_line"
RULE_CHAT_PARTIAL: Final = "chat_reported_where_logged"

ESTIMATION_RULES: Final = {
    REPORTED: "tokens as reported by the vendor",
    RULE_CLAUDE_CODE_PER_REQUEST: f"{CLAUDE_CODE_TOKENS_PER_REQUEST:,} tokens per Claude Code request",
    RULE_ACCEPTED_LINES: f"{TOKENS_PER_ACCEPTED_LINE} tokens per accepted line (IDE completions)",
    RULE_CHAT_PARTIAL: "chat sessions: reported tokens where logged, accepted-line rule elsewhere",
}


def claude_code_tokens(requests: int) -> int:
    return requests * CLAUDE_CODE_TOKENS_PER_REQUEST


def accepted_line_tokens(accepted_lines: int) -> int:
    return accepted_lines * TOKENS_PER_ACCEPTED_LINE
