"""The internal Slack chat assistant: an in-house API, so its shape is ours (offset/limit paging).

Sessions are logged as they start, so today is served partially up to the clock. Token counts
were only logged for part of the sessions and the email only when the bot could look it up; the
users endpoint maps Slack ids to emails (minus a few deliberately unresolvable people).
"""

from __future__ import annotations

import functools
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ops_metrics.simulators.ai_tools._common import (
    ApiError,
    handles_errors,
    int_arg,
    iso_z,
    midnight,
    now_utc,
    parse_day,
)
from ops_metrics.simulators.ai_tools.org import get_org
from ops_metrics.simulators.credentials import TOOL_KEYS
from ops_metrics.simulators.http import Request, Response, Router, bearer_token

if TYPE_CHECKING:
    from ops_metrics.simulators.options import SimulatorOptions

TOOL = "chat_assistant"
MAX_LIMIT = 500


def _error(message: str, status: int = 400) -> Response:
    return Response.json({"error": {"code": status, "message": message}}, status)


@functools.lru_cache(maxsize=256)
def day_sessions(seed: int, day: date) -> tuple[tuple[datetime, dict[str, Any]], ...]:
    """All sessions that start on `day` with their start time, ordered by start (ground truth)."""
    org = get_org(seed)
    out: list[tuple[datetime, dict[str, Any]]] = []
    for e in org.engineers:
        level = org.intensity(TOOL, e, day)
        if level <= 0:
            continue
        rng = org.rng(TOOL, e.id, day, "sessions")
        for n in range(max(1, round(level * rng.uniform(1, 4)))):
            started = midnight(day) + timedelta(
                seconds=int(min(86_399, max(0, rng.gauss(14, 3) * 3600)))
            )
            messages = rng.randint(1, 24)
            item: dict[str, Any] = {
                "session_id": f"ses_{day:%Y%m%d}_{e.id[4:]}_{n:03d}",
                "slack_user_id": e.slack_user_id,
                "channel_type": rng.choice(("im", "im", "channel", "thread")),
                "started_at": iso_z(started),
                "messages": messages,
            }
            if org.identity_resolvable(TOOL, e) and rng.random() < 0.5:
                item["user_email"] = e.email
            if rng.random() < 0.65:  # token logging was only enabled for some workspaces
                item["input_tokens"] = messages * rng.randint(300, 1500)
                item["output_tokens"] = messages * rng.randint(100, 600)
            out.append((started, item))
    out.sort(key=lambda pair: (pair[0], pair[1]["session_id"]))
    return tuple(out)


def directory(seed: int, today: date) -> list[dict[str, Any]]:
    """Slack members who had joined by `today` (leavers flagged deleted), ordered by Slack id."""
    org = get_org(seed)
    rows = [
        {
            "slack_user_id": e.slack_user_id,
            "email": e.email,
            "display_name": e.name,
            "deleted": e.left_on is not None and e.left_on < today,
        }
        for e in org.engineers
        if e.joined_on <= today and org.identity_resolvable(TOOL, e)
    ]
    return sorted(rows, key=lambda r: r["slack_user_id"])


def _paging(request: Request) -> tuple[int, int]:
    offset = int_arg(request.arg("offset"), 0, 0, 10_000_000, _error)
    return offset, int_arg(request.arg("limit"), 100, 1, MAX_LIMIT, _error)


def register(router: Router, options: SimulatorOptions) -> None:
    def check_auth(request: Request) -> None:
        if bearer_token(request) != TOOL_KEYS[TOOL]:
            raise ApiError(_error("invalid or missing bearer token", 401))

    @handles_errors
    def sessions(request: Request) -> Response:
        check_auth(request)
        day = parse_day(request.arg("date"))
        if day is None:
            raise ApiError(_error("date is required (YYYY-MM-DD)"))
        offset, limit = _paging(request)
        now = now_utc(options)
        items = [item for started, item in day_sessions(options.seed, day) if started <= now]
        page = items[offset : offset + limit]
        return Response.json({"items": page, "offset": offset, "limit": limit, "total": len(items)})

    @handles_errors
    def users(request: Request) -> Response:
        check_auth(request)
        offset, limit = _paging(request)
        rows = directory(options.seed, now_utc(options).date())
        return Response.json(
            {
                "items": rows[offset : offset + limit],
                "offset": offset,
                "limit": limit,
                "total": len(rows),
            }
        )

    router.add("GET", "/api/v1/usage/sessions", sessions)
    router.add("GET", "/api/v1/users", users)
