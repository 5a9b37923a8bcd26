"""Cursor Admin API: `POST /teams/daily-usage-data`, basic auth, paged by user, rate limited.

Rows exist for every seat holder each day (inactive days have `isActive: false` and zeros), as the
real team report does. Cursor reports no tokens; consumers estimate from accepted lines.
"""

from __future__ import annotations

import functools
import math
import random
import threading
from base64 import b64decode
from collections import deque
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ops_metrics.simulators.ai_tools._common import (
    ApiError,
    days,
    handles_errors,
    int_arg,
    midnight,
    now_utc,
)
from ops_metrics.simulators.ai_tools.org import get_org, last_complete_day
from ops_metrics.simulators.app import rate_limit_per_minute, rate_now
from ops_metrics.simulators.credentials import TOOL_KEYS
from ops_metrics.simulators.http import Request, Response, Router

if TYPE_CHECKING:
    from ops_metrics.simulators.app import SimulatorOptions

TOOL = "cursor"
DEFAULT_RATE_LIMIT_PER_MINUTE = 20
MAX_RANGE_MS = 30 * 86_400_000
_MODELS = ("claude-4.5-sonnet", "gpt-5", "auto", "claude-4.5-sonnet-thinking", "composer-1")


def _error(message: str, status: int = 400) -> Response:
    return Response.json({"error": message}, status)


def _user_row(
    user_id: str, email: str, day: date, level: float, rng: random.Random
) -> dict[str, Any]:
    active = level > 0
    shown = int(level * rng.uniform(60, 300)) if active else 0
    tabs = int(shown * rng.uniform(0.2, 0.45))
    added = int(level * rng.uniform(50, 500)) if active else 0
    accepted_added = int(added * rng.uniform(0.3, 0.8))
    applies = int(level * rng.uniform(2, 30)) if active else 0
    accepts = int(applies * rng.uniform(0.5, 0.9))
    composer, chat, agent = (int(level * rng.uniform(0, hi)) if active else 0 for hi in (8, 12, 20))
    requests = composer + chat + agent
    usage_based = int(requests * rng.uniform(0, 0.2))
    return {
        "userId": user_id,
        "day": day.isoformat(),
        "date": int(midnight(day).timestamp() * 1000),
        "email": email,
        "isActive": active,
        "totalLinesAdded": added,
        "totalLinesDeleted": int(added * rng.uniform(0.1, 0.5)),
        "acceptedLinesAdded": accepted_added,
        "acceptedLinesDeleted": int(accepted_added * rng.uniform(0.05, 0.3)),
        "totalApplies": applies,
        "totalAccepts": accepts,
        "totalRejects": applies - accepts,
        "totalTabsShown": shown,
        "totalTabsAccepted": tabs,
        "composerRequests": composer,
        "chatRequests": chat,
        "agentRequests": agent,
        "cmdkUsages": int(level * rng.uniform(0, 6)) if active else 0,
        "subscriptionIncludedReqs": requests - usage_based,
        "apiKeyReqs": 0,
        "usageBasedReqs": usage_based,
        "bugbotUsages": int(rng.random() < 0.1) if active else 0,
        "mostUsedModel": rng.choice(_MODELS) if requests else None,
    }


@functools.lru_cache(maxsize=256)
def day_rows(seed: int, day: date) -> dict[str, dict[str, Any]]:
    """Rows of `day` keyed by userId: one per seat holder, active or not (ground truth)."""
    org = get_org(seed)
    return {
        e.cursor_user_id: _user_row(
            e.cursor_user_id,
            e.email,
            day,
            org.intensity(TOOL, e, day),
            org.rng(TOOL, e.id, day, "row"),
        )
        for e in org.seat_holders(TOOL, day)
    }


class RateLimiter:
    """A sliding one-minute window per team, on the simulator clock (never wall time), so tests
    with a fixed clock see the limit deterministically."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._hits: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def retry_after(self, team: str, now: datetime) -> int | None:
        """Record a request; seconds to wait when it is over the limit (then it is not counted)."""
        with self._lock:
            hits = self._hits.setdefault(team, deque())
            while hits and hits[0] <= now - timedelta(minutes=1):
                hits.popleft()
            if len(hits) >= self.per_minute:
                wait = (hits[0] + timedelta(minutes=1) - now).total_seconds()
                return max(1, math.ceil(wait))
            hits.append(now)
            return None


def _team_key(request: Request) -> str | None:
    scheme, _, encoded = (request.header("authorization") or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, _password = b64decode(encoded).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return user


def register(router: Router, options: SimulatorOptions) -> None:
    limit = rate_limit_per_minute(
        options, "cursor_rate_limit_per_minute", DEFAULT_RATE_LIMIT_PER_MINUTE
    )
    limiter = RateLimiter(limit)

    @handles_errors
    def daily_usage(request: Request) -> Response:
        team = _team_key(request)
        if team != TOOL_KEYS[TOOL]:
            raise ApiError(_error("Unauthorized: invalid API key", 401))
        now = now_utc(options)
        wait = limiter.retry_after(team, rate_now(options))
        if wait is not None:
            body = {
                "error": "Too many requests",
                "message": f"Rate limit of {limit} requests per minute exceeded",
            }
            return Response.json(body, 429, {"Retry-After": str(wait)})
        try:
            body = request.json() or {}
            start_ms, end_ms = int(body["startDate"]), int(body["endDate"])
        except (ValueError, KeyError, TypeError):
            raise ApiError(
                _error("startDate and endDate (epoch milliseconds) are required")
            ) from None
        if end_ms < start_ms:
            raise ApiError(_error("endDate must not be before startDate"))
        if end_ms - start_ms > MAX_RANGE_MS:
            raise ApiError(_error("Date range cannot exceed 30 days"))
        page = int_arg(body.get("page"), 1, 1, 1_000_000, _error)
        size = int_arg(body.get("pageSize"), 100, 1, 1000, _error)
        # A day belongs to the window when its UTC midnight does; only finished days are reported.
        first = datetime.fromtimestamp(math.ceil(start_ms / 86_400_000) * 86_400, UTC).date()
        last = min(datetime.fromtimestamp(end_ms / 1000, UTC).date(), last_complete_day(now))
        per_day = [day_rows(options.seed, d) for d in days(first, last)] if first <= last else []
        users = sorted({uid for rows in per_day for uid in rows})
        chosen = users[(page - 1) * size : page * size]
        data = [rows[uid] for uid in chosen for rows in per_day if uid in rows]
        total_pages = math.ceil(len(users) / size)
        return Response.json(
            {
                "data": data,
                "period": {"startDate": start_ms, "endDate": end_ms},
                "pagination": {
                    "page": page,
                    "pageSize": size,
                    "totalUsers": len(users),
                    "totalPages": total_pages,
                    "hasNextPage": page < total_pages,
                },
            }
        )

    router.add("POST", "/teams/daily-usage-data", daily_usage)
