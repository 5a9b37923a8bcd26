"""Sourcegraph Amp: OAuth2 client credentials at `/oauth2/token` (Amp's auth host serves it at
`https://auth.ampcode.com/oauth2/token`) with the endpoint's scope, then a daily-usage window (no
paging), in the shape of Amp's OpenAPI (docs/vendors/amp.md).

Users are identified by `user.id`; `user.email` needs the `amp.api:workspace.members:view` scope,
and even then only people whose profile shares it have one, so consumers fall back to the org
directory (and some ids are in neither on purpose). Access tokens are stateless signed values
carrying their scopes, and expire by the simulator clock.
"""

from __future__ import annotations

import functools
import hashlib
import random
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from ops_metrics.simulators.ai_tools._common import (
    ApiError,
    days,
    decode_cursor,
    encode_cursor,
    handles_errors,
    int_arg,
    now_utc,
    parse_day,
)
from ops_metrics.simulators.ai_tools.org import Engineer, get_org, last_complete_day
from ops_metrics.simulators.credentials import AMP_CLIENT_ID, AMP_CLIENT_SECRET
from ops_metrics.simulators.http import Request, Response, Router, bearer_token

if TYPE_CHECKING:
    from ops_metrics.simulators.options import SimulatorOptions

TOOL = "amp"
TOKEN_TTL = timedelta(hours=1)
TOKEN_PATH = "/oauth2/token"
ANALYTICS_SCOPE = "amp.api:workspace.analytics:view"
MEMBERS_SCOPE = "amp.api:workspace.members:view"
SCOPES = (
    "amp.api:workspace.threads.meta:view",
    "amp.api:workspace.threads.contents:view",
    "amp.api:workspace.threads:manage",
    ANALYTICS_SCOPE,
    MEMBERS_SCOPE,
)
# (model, USD per 1M input tokens, USD per 1M output tokens)
_MODELS = (("claude-sonnet-4-5", 3.0, 15.0), ("gpt-5", 1.25, 10.0), ("claude-haiku-4-5", 1.0, 5.0))


def _error(error: str, message: str, status: int) -> Response:
    return Response.json({"error": error, "error_description": message}, status)


def _bad(message: str) -> Response:
    return _error("invalid_request", message, 400)


def shares_email(seed: int, eng: Engineer) -> bool:
    """Whether Amp reports this person's email (a stable per-person profile setting)."""
    if "amp" in eng.unresolvable:
        return False
    return random.Random(f"{seed}:amp-email:{eng.id}").random() < 0.6


def _user(seed: int, eng: Engineer, day: date, level: float, rng: random.Random) -> dict[str, Any]:
    models: dict[str, dict[str, Any]] = {}
    usd = 0.0
    for model, p_in, p_out in rng.sample(_MODELS, rng.choice((1, 1, 2))):
        inp = int(level * rng.uniform(5_000, 40_000))  # uncached input only
        cache_read = int(level * rng.uniform(40_000, 350_000))
        cache_write = int(level * rng.uniform(2_000, 30_000))
        out = int(level * rng.uniform(5_000, 40_000))
        requests = max(1, int(level * rng.uniform(10, 60)))
        cost = (
            (inp + 1.25 * cache_write) * p_in + 0.1 * cache_read * p_in + out * p_out
        ) / 1_000_000
        models[model] = {
            "requests": requests,
            "inputTokens": inp,
            "outputTokens": out,
            "cacheReadInputTokens": cache_read,
            "cacheCreationInputTokens": cache_write,
            "totalTokens": inp + out + cache_read + cache_write,
            "usage": round(cost, 4),
        }
        usd += cost
    user: dict[str, str] = {"id": eng.amp_user_id}
    if shares_email(seed, eng):
        user["email"] = eng.email
    added = int(level * rng.uniform(30, 400))
    return {
        "user": user,
        "metrics": {
            "linesAdded": added,
            "linesDeleted": int(added * rng.uniform(0.1, 0.5)),
            "linesModified": int(added * rng.uniform(0.05, 0.3)),
            "usage": round(usd, 4),
        },
        "models": models,
    }


@functools.lru_cache(maxsize=512)
def day_users(seed: int, day: date) -> tuple[dict[str, Any], ...]:
    """The users entries of `day`, ordered by user id (ground truth)."""
    org = get_org(seed)
    users = [
        _user(seed, e, day, org.intensity(TOOL, e, day), org.rng(TOOL, e.id, day, "user"))
        for e in org.active_engineers(TOOL, day)
    ]
    return tuple(sorted(users, key=lambda u: u["user"]["id"]))


def _sign(seed: int, payload: str) -> str:
    return hashlib.sha256(f"{seed}:amp:{payload}".encode()).hexdigest()[:32]


def register(router: Router, options: SimulatorOptions) -> None:
    def token(request: Request) -> Response:
        form = dict(parse_qsl(request.body.decode(errors="replace")))
        if form.get("grant_type") != "client_credentials":
            return _error("unsupported_grant_type", "grant_type must be client_credentials", 400)
        if form.get("client_id") != AMP_CLIENT_ID or form.get("client_secret") != AMP_CLIENT_SECRET:
            return _error("invalid_client", "Client authentication failed", 401)
        scopes = form.get("scope", "").split()
        if not scopes or any(s not in SCOPES for s in scopes):
            return _error("invalid_scope", f"unknown or missing scope: {form.get('scope')!r}", 400)
        payload = encode_cursor({"t": int(now_utc(options).timestamp()), "s": scopes})
        return Response.json(
            {
                "access_token": f"amp_{payload}.{_sign(options.seed, payload)}",
                "token_type": "Bearer",
                "expires_in": int(TOKEN_TTL.total_seconds()),
                "scope": " ".join(scopes),
            }
        )

    def token_scopes(request: Request) -> list[str] | None:
        """The scopes of a valid, unexpired token; None when it is not one."""
        payload, _, sig = (bearer_token(request) or "").removeprefix("amp_").partition(".")
        state = decode_cursor(payload) if payload else None
        if state is None or sig != _sign(options.seed, payload):
            return None
        age = now_utc(options).timestamp() - int(state.get("t", 0))
        return list(state.get("s", [])) if 0 <= age < TOKEN_TTL.total_seconds() else None

    @handles_errors
    def daily_usage(request: Request) -> Response:
        scopes = token_scopes(request)
        if scopes is None:
            return _error("invalid_token", "The access token is missing, invalid or expired", 401)
        if ANALYTICS_SCOPE not in scopes:
            return _error("insufficient_scope", f"this endpoint needs {ANALYTICS_SCOPE}", 403)
        end = parse_day(request.arg("endDate"))
        if end is None:
            raise ApiError(_bad("endDate is required (YYYY-MM-DD)"))
        lookback = int_arg(request.arg("lookbackDays"), 30, 1, 365, _bad)
        start = end - timedelta(days=lookback - 1)
        shown = days(start, min(end, last_complete_day(now_utc(options))))
        members = MEMBERS_SCOPE in scopes  # emails need the members scope
        data = [
            {
                "date": d.isoformat(),
                "users": [_visible(u, members) for u in day_users(options.seed, d)],
            }
            for d in shown
        ]
        people = {u["user"]["id"] for entry in data for u in entry["users"]}
        metadata = {
            "startDate": start.isoformat(),
            "endDate": end.isoformat(),
            "activeUsers": len(people),
            "totalUsers": len(people),
            "totalUsage": round(
                sum(u["metrics"]["usage"] for entry in data for u in entry["users"]), 4
            ),
        }
        return Response.json({"metadata": metadata, "data": data})

    router.add("POST", TOKEN_PATH, token)
    router.add("GET", "/api/v2/workspace/analytics/daily-usage", daily_usage)


def _visible(user: dict[str, Any], members: bool) -> dict[str, Any]:
    if members or "email" not in user["user"]:
        return user
    return {**user, "user": {"id": user["user"]["id"]}}
