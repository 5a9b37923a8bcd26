"""Cursor Admin API: `POST /teams/daily-usage-data` and `POST /teams/filtered-usage-events`,
basic auth, 20 requests a minute per team, in the shapes Cursor documents
(docs/vendors/cursor.md).

Daily usage: `{data, period}`, one record per seat holder per day keyed by `email` and `date`
(epoch ms), no paging, as the published example; inactive days have `isActive: false` and zeros,
as the real team report does. Asked for a `page` (later copies of the docs), it answers as those
do: records with a numeric `userId`, and a `pagination` object. Usage events: one per AI request,
paged (`page`/`pageSize`, `pagination.hasNextPage`); token-based calls carry `tokenUsage` (tokens
and `totalCents`), request-based calls do not.
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
from ops_metrics.simulators.credentials import TOOL_KEYS
from ops_metrics.simulators.http import Request, Response, Router
from ops_metrics.simulators.options import rate_limit_per_minute, rate_now

if TYPE_CHECKING:
    from ops_metrics.simulators.options import SimulatorOptions

TOOL = "cursor"
DEFAULT_RATE_LIMIT_PER_MINUTE = 20
MAX_RANGE_MS = 30 * 86_400_000
_MODELS = ("claude-4.5-sonnet", "gpt-5", "auto", "claude-4.5-sonnet-thinking", "composer-1")
_EXTENSIONS = (".ts", ".tsx", ".py", ".go", ".rs", ".java")
_VERSIONS = ("1.7.44", "2.0.34", "2.1.20")
# USD per 1M tokens (input, output, cache write, cache read) by model, for `totalCents`.
_PRICES = {
    "claude-4.5-sonnet": (3.0, 15.0, 3.75, 0.3),
    "claude-4.5-sonnet-thinking": (3.0, 15.0, 3.75, 0.3),
    "gpt-5": (1.25, 10.0, 0.0, 0.125),
    "auto": (1.25, 6.0, 0.0, 0.25),
    "composer-1": (1.25, 10.0, 0.0, 0.125),
}
# Daily-usage records per page when paged (later docs; no size is documented).
DAILY_PAGE_SIZE = 1000
MAX_EVENTS_PAGE_SIZE = 1000


def _error(message: str, status: int = 400) -> Response:
    return Response.json({"error": message}, status)


def _user_row(email: str, day: date, level: float, rng: random.Random) -> dict[str, Any]:
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
        "date": int(midnight(day).timestamp() * 1000),
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
        "applyMostUsedExtension": rng.choice(_EXTENSIONS) if applies else None,
        "tabMostUsedExtension": rng.choice(_EXTENSIONS) if tabs else None,
        "clientVersion": rng.choice(_VERSIONS) if active else None,
        "email": email,
    }


@functools.lru_cache(maxsize=256)
def day_rows(seed: int, day: date) -> dict[str, dict[str, Any]]:
    """Rows of `day` keyed by email: one per seat holder, active or not (ground truth)."""
    org = get_org(seed)
    return {
        e.email: _user_row(
            e.email, day, org.intensity(TOOL, e, day), org.rng(TOOL, e.id, day, "row")
        )
        for e in org.seat_holders(TOOL, day)
    }


@functools.lru_cache(maxsize=8)
def _user_ids(seed: int) -> dict[str, int]:
    """The later docs' numeric user id per email, stable per engineer (eng-0002 -> 10002)."""
    return {e.email: 10_000 + int(e.id.rsplit("-", 1)[1]) for e in get_org(seed).engineers}


def request_based(seed: int, eng_id: str) -> bool:
    """Whether a person's requests are billed per request (no tokenUsage on their events): a
    stable per-person setting, so some rows can only be estimated."""
    return random.Random(f"{seed}:cursor-request-based:{eng_id}").random() < 0.15


def _event(
    email: str, day: date, row: dict[str, Any], rng: random.Random, token_based: bool
) -> dict[str, Any]:
    hour = min(23.99, max(0.0, rng.gauss(14, 3)))
    at = midnight(day) + timedelta(seconds=hour * 3600)
    model = row["mostUsedModel"] if rng.random() < 0.7 else rng.choice(_MODELS)
    usage_based = rng.random() < 0.15
    event: dict[str, Any] = {
        "timestamp": str(int(at.timestamp() * 1000)),
        "model": model,
        "kind": "Usage-based" if usage_based else "Included in Business",
        "maxMode": rng.random() < 0.1,
        "requestsCosts": round(rng.choice((0.5, 1.0, 1.0, 1.4, 2.0)), 1),
        "isTokenBasedCall": token_based and rng.random() < 0.9,
        "isFreeBugbot": False,
        "userEmail": email,
    }
    if event["isTokenBasedCall"]:  # only token-based calls report tokens and cost
        tokens = (
            int(rng.lognormvariate(6.5, 1.0)),
            int(rng.lognormvariate(6.0, 0.8)),
            int(rng.lognormvariate(8.0, 1.0)),
            int(rng.lognormvariate(9.0, 1.0)),
        )
        cents = sum(n * p for n, p in zip(tokens, _PRICES[model], strict=True)) / 10_000
        event["tokenUsage"] = {
            "inputTokens": tokens[0],
            "outputTokens": tokens[1],
            "cacheWriteTokens": tokens[2],
            "cacheReadTokens": tokens[3],
            "totalCents": round(cents, 5),
        }
    return event


@functools.lru_cache(maxsize=256)
def day_events(seed: int, day: date) -> tuple[dict[str, Any], ...]:
    """Usage events of `day`, newest first as Cursor lists them: one per composer, chat or agent
    request of each active seat (ground truth)."""
    org = get_org(seed)
    out: list[dict[str, Any]] = []
    rows = day_rows(seed, day)
    for eng in org.seat_holders(TOOL, day):
        row = rows[eng.email]
        rng = org.rng(TOOL, eng.id, day, "events")
        count = row["composerRequests"] + row["chatRequests"] + row["agentRequests"]
        token_based = not request_based(seed, eng.id)
        out.extend(_event(eng.email, day, row, rng, token_based) for _ in range(count))
    out.sort(key=lambda e: (-int(e["timestamp"]), e["userEmail"]))
    return tuple(out)


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

    def admit(request: Request) -> Response | None:
        """Auth and the team's rate limit, shared by every Admin API endpoint."""
        team = _team_key(request)
        if team != TOOL_KEYS[TOOL]:
            raise ApiError(_error("Unauthorized: invalid API key", 401))
        wait = limiter.retry_after(team, rate_now(options))
        if wait is not None:
            body = {
                "error": "Too many requests",
                "message": f"Rate limit of {limit} requests per minute exceeded",
            }
            return Response.json(body, 429, {"Retry-After": str(wait)})
        return None

    def window(body: dict[str, Any]) -> tuple[int, int]:
        try:
            start_ms, end_ms = int(body["startDate"]), int(body["endDate"])
        except (ValueError, KeyError, TypeError):
            raise ApiError(
                _error("startDate and endDate (epoch milliseconds) are required")
            ) from None
        if end_ms < start_ms:
            raise ApiError(_error("endDate must not be before startDate"))
        if end_ms - start_ms > MAX_RANGE_MS:
            raise ApiError(_error("Date range cannot exceed 30 days"))
        return start_ms, end_ms

    def json_body(request: Request) -> dict[str, Any]:
        try:
            body = request.json() or {}
        except ValueError:
            raise ApiError(_error("the request body is not JSON")) from None
        if not isinstance(body, dict):
            raise ApiError(_error("the request body must be a JSON object"))
        return body

    @handles_errors
    def daily_usage(request: Request) -> Response:
        if (limited := admit(request)) is not None:
            return limited
        body = json_body(request)
        start_ms, end_ms = window(body)
        # A day belongs to the window when its UTC midnight does; only finished days are reported.
        first = datetime.fromtimestamp(math.ceil(start_ms / 86_400_000) * 86_400, UTC).date()
        last = min(
            datetime.fromtimestamp(end_ms / 1000, UTC).date(),
            last_complete_day(now_utc(options)),
        )
        data = [row for d in (days(first, last) if first <= last else []) for row in _rows_of(d)]
        period = {"startDate": start_ms, "endDate": end_ms}
        if "page" not in body:
            return Response.json({"data": data, "period": period})
        page = int_arg(body.get("page"), 1, 1, 1_000_000, _error)
        size = int_arg(body.get("pageSize"), DAILY_PAGE_SIZE, 1, DAILY_PAGE_SIZE, _error)
        pages = max(1, math.ceil(len(data) / size))
        ids = _user_ids(options.seed)
        return Response.json(
            {
                "data": [
                    {"userId": ids[r["email"]], **r} for r in data[(page - 1) * size : page * size]
                ],
                "period": period,
                "pagination": {
                    "page": page,
                    "pageSize": size,
                    "totalUsers": len({r["email"] for r in data}),
                    "totalPages": pages,
                    "hasNextPage": page < pages,
                },
            }
        )

    def _rows_of(day: date) -> list[dict[str, Any]]:
        return [row for _, row in sorted(day_rows(options.seed, day).items())]

    @handles_errors
    def usage_events(request: Request) -> Response:
        if (limited := admit(request)) is not None:
            return limited
        body = json_body(request)
        start_ms, end_ms = window(body)
        page = int_arg(body.get("page"), 1, 1, 1_000_000, _error)
        size = int_arg(body.get("pageSize"), 10, 1, MAX_EVENTS_PAGE_SIZE, _error)
        email = body.get("email")
        now_ms = int(now_utc(options).timestamp() * 1000)
        first = datetime.fromtimestamp(start_ms / 1000, UTC).date()
        last = datetime.fromtimestamp(min(end_ms, now_ms) / 1000, UTC).date()
        # Newest first across the whole window, as Cursor lists them.
        events = [
            e
            for d in reversed(days(first, last) if first <= last else [])
            for e in day_events(options.seed, d)
            if start_ms <= int(e["timestamp"]) <= min(end_ms, now_ms)
            and (not email or e["userEmail"] == email)
        ]
        pages = math.ceil(len(events) / size)
        return Response.json(
            {
                "totalUsageEventsCount": len(events),
                "pagination": {
                    "numPages": pages,
                    "currentPage": page,
                    "pageSize": size,
                    "hasNextPage": page < pages,
                    "hasPreviousPage": page > 1,
                },
                "usageEvents": events[(page - 1) * size : page * size],
                "period": {"startDate": start_ms, "endDate": end_ms},
            }
        )

    router.add("POST", "/teams/daily-usage-data", daily_usage)
    router.add("POST", "/teams/filtered-usage-events", usage_events)
