"""Anthropic Claude Code Analytics: `GET /v1/organizations/usage_report/claude_code`.

One row per actor per UTC day, one day per call, cursor paging. Two real-world quirks are kept on
purpose: `date` arrives either as a date or as a midnight timestamp, and some rows carry an empty
`model_breakdown` (the consumer then estimates tokens).
"""

from __future__ import annotations

import functools
import random
from datetime import date
from typing import TYPE_CHECKING, Any

from ops_metrics.simulators.ai_tools._common import (
    ApiError,
    decode_cursor,
    encode_cursor,
    handles_errors,
    int_arg,
    now_utc,
    parse_day,
)
from ops_metrics.simulators.ai_tools.org import get_org, last_complete_day, stable_uuid
from ops_metrics.simulators.credentials import TOOL_KEYS
from ops_metrics.simulators.http import Request, Response, Router

if TYPE_CHECKING:
    from ops_metrics.simulators.options import SimulatorOptions

TOOL = "claude_code"
API_VERSION = "2023-06-01"
# (model, USD per 1M tokens: input, output, cache read, cache creation)
_MODELS = (
    ("claude-sonnet-4-5-20250929", 3.0, 15.0, 0.30, 3.75),
    ("claude-opus-4-1-20250805", 15.0, 75.0, 1.50, 18.75),
    ("claude-haiku-4-5-20251001", 1.0, 5.0, 0.10, 1.25),
)
_TERMINALS = ("vscode", "iTerm.app", "cursor", "Apple_Terminal", "ghostty", "tmux")


def _error(status: int, kind: str, message: str) -> Response:
    return Response.json({"type": "error", "error": {"type": kind, "message": message}}, status)


def _bad(message: str) -> Response:
    return _error(400, "invalid_request_error", message)


def _row(
    org_id: str, day: date, actor: dict[str, str], level: float, rng: random.Random
) -> dict[str, Any]:
    sessions = max(1, round(level * rng.uniform(1.0, 3.0)))
    breakdown = []
    if rng.random() >= 0.08:  # ~8% of rows come without a model breakdown
        for model, p_in, p_out, p_read, p_write in rng.sample(_MODELS, rng.choice((1, 1, 2))):
            tokens = {
                "input": int(level * rng.uniform(15_000, 60_000)),
                "output": int(level * rng.uniform(5_000, 25_000)),
                "cache_read": int(level * rng.uniform(100_000, 600_000)),
                "cache_creation": int(level * rng.uniform(10_000, 80_000)),
            }
            usd = (
                tokens["input"] * p_in
                + tokens["output"] * p_out
                + tokens["cache_read"] * p_read
                + tokens["cache_creation"] * p_write
            ) / 1_000_000
            cost = {"currency": "USD", "amount": round(usd * 100, 2)}  # amount is in cents
            breakdown.append({"model": model, "tokens": tokens, "estimated_cost": cost})
    added = int(level * rng.uniform(40, 400))

    def actions() -> dict[str, int]:
        accepted = int(level * rng.uniform(0, 30))
        return {"accepted": accepted, "rejected": int(accepted * rng.uniform(0, 0.3))}

    # Both shapes of `date` are seen from the real API. (Drawn before the customer type, as
    # always: a seed keeps giving the same data set.)
    shown_day = day.isoformat() if rng.random() < 0.7 else f"{day.isoformat()}T00:00:00Z"
    customer_type = "api" if actor["type"] == "api_actor" or rng.random() < 0.3 else "subscription"
    return {
        "date": shown_day,
        "actor": actor,
        "organization_id": org_id,
        "customer_type": customer_type,
        # The plan of subscription customers (the documented example shows "enterprise").
        "subscription_type": "enterprise" if customer_type == "subscription" else None,
        "terminal_type": rng.choice(_TERMINALS),
        "core_metrics": {
            "num_sessions": sessions,
            "lines_of_code": {"added": added, "removed": int(added * rng.uniform(0.1, 0.6))},
            "commits_by_claude_code": int(level * rng.uniform(0, 3)),
            "pull_requests_by_claude_code": int(level * rng.uniform(0, 0.8)),
        },
        "tool_actions": {
            "edit_tool": actions(),
            "multi_edit_tool": actions(),
            "write_tool": actions(),
            "notebook_edit_tool": {"accepted": 0, "rejected": 0},
        },
        "model_breakdown": breakdown,
    }


@functools.lru_cache(maxsize=128)
def day_rows(seed: int, day: date) -> tuple[dict[str, Any], ...]:
    """Every row for `day` in the order the API pages them (ground truth for tests)."""
    org = get_org(seed)
    org_id = stable_uuid(random.Random(f"{seed}:anthropic-org"))
    rows = []
    for e in org.engineers:
        level = org.intensity(TOOL, e, day)
        if level > 0:
            actor = {"type": "user_actor", "email_address": e.email}
            rows.append(_row(org_id, day, actor, level, org.rng(TOOL, e.id, day, "row")))
    for a in org.api_actors:
        level = org.actor_intensity(TOOL, a, day)
        if level > 0:
            actor = {"type": "api_actor", "api_key_name": a.name}
            rows.append(_row(org_id, day, actor, level, org.rng(TOOL, a.name, day, "row")))
    return tuple(rows)


def register(router: Router, options: SimulatorOptions) -> None:
    @handles_errors
    def usage_report(request: Request) -> Response:
        if request.header("x-api-key") != TOOL_KEYS[TOOL]:
            raise ApiError(_error(401, "authentication_error", "invalid x-api-key"))
        if request.header("anthropic-version") is None:
            raise ApiError(_bad("anthropic-version: header is required"))
        if request.header("anthropic-version") != API_VERSION:
            raise ApiError(
                _bad(
                    f"anthropic-version: unsupported value {request.header('anthropic-version')!r}"
                )
            )
        day = parse_day(request.arg("starting_at"))
        if day is None:
            raise ApiError(_bad("starting_at: expected a date YYYY-MM-DD"))
        limit = int_arg(request.arg("limit"), 20, 1, 1000, _bad)
        offset = 0
        if request.arg("page"):
            state = decode_cursor(request.arg("page") or "")
            if not state or state.get("d") != day.isoformat():
                raise ApiError(_bad("page: invalid cursor"))
            offset = int(state["o"])
        # A day is reported once it is over; the current and future days are empty.
        rows = day_rows(options.seed, day) if day <= last_complete_day(now_utc(options)) else ()
        page = list(rows[offset : offset + limit])
        more = offset + limit < len(rows)
        nxt = encode_cursor({"d": day.isoformat(), "o": offset + limit}) if more else None
        return Response.json({"data": page, "has_more": more, "next_page": nxt})

    router.add("GET", "/v1/organizations/usage_report/claude_code", usage_report)
