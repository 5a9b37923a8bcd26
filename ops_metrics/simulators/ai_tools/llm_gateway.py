"""LiteLLM proxy: `GET /spend/logs/v2`, one row per request, page-number paging, in the shape of
LiteLLM's SpendLogsPayload (docs/vendors/llm_gateway.md).

Engineers call through their team's shared virtual key, passing their email as the OpenAI `user`
field: LiteLLM records that caller as `end_user`, and `user` is the key owner's user id (the same
for the whole team). Service keys pass no caller: `end_user` is empty and `user` is the service
account. `total` is capped at 10,000 with `total_is_capped`, as newer proxies do.

The gateway logs each request when it completes, so rows are visible once their `endTime` has
passed: today is served partially, growing as the clock moves.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import math
import random
from dataclasses import dataclass
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
from ops_metrics.simulators.ai_tools.org import get_org, stable_uuid
from ops_metrics.simulators.credentials import TOOL_KEYS
from ops_metrics.simulators.http import Request, Response, Router, bearer_token

if TYPE_CHECKING:
    from ops_metrics.simulators.options import SimulatorOptions

TOOL = "llm_gateway"
# LiteLLM's SPEND_LOGS_PAGINATION_COUNT_CAP: `total` stops counting here.
TOTAL_CAP = 10_000
MAX_PAGE_SIZE = 100
# A batch job for load tests (`llm_gateway_extra_requests_per_day` in the simulator options).
BATCH_ACTOR = "svc-batch-eval"
# (model_group, model, provider, USD per 1M input tokens, USD per 1M output tokens)
_MODELS = (
    ("claude-sonnet-4-5", "claude-sonnet-4-5-20250929", "anthropic", 3.0, 15.0),
    ("gpt-4.1", "gpt-4.1-2025-04-14", "openai", 2.0, 8.0),
    ("gemini-2.5-pro", "gemini-2.5-pro", "vertex_ai", 1.25, 10.0),
    ("claude-haiku-4-5", "claude-haiku-4-5-20251001", "anthropic", 1.0, 5.0),
)


@dataclass(frozen=True)
class LogRow:
    start: datetime
    end: datetime
    row: dict[str, Any]


def _error(message: str, status: int = 400) -> Response:
    # LiteLLM's ProxyException shape.
    kind = "auth_error" if status == 401 else "bad_request_error"
    body = {"error": {"message": message, "type": kind, "param": "None", "code": str(status)}}
    return Response.json(body, status)


def team_key_owner(seed: int, team: str) -> str:
    """The LiteLLM user id owning a team's shared virtual key (what `user` records)."""
    return stable_uuid(random.Random(f"{seed}:litellm-key-owner:{team}"))


def _payload_rest(
    seed: int, team: str, user: str, model: str, start: datetime, rng: random.Random
) -> dict[str, Any]:
    """The SpendLogsPayload fields the consumers do not read, filled as the proxy fills them
    (prompts and responses not stored: `{}`)."""
    return {
        "api_key": hashlib.sha256(f"{seed}:key:{team}:{user}".encode()).hexdigest(),
        "completionStartTime": (start + timedelta(milliseconds=rng.randint(200, 900))).isoformat(
            timespec="microseconds"
        ),
        "model_id": stable_uuid(random.Random(f"{seed}:model:{model}")),
        "api_base": "",
        "organization_id": "",
        "metadata": {
            "user_api_key_alias": user if user.startswith("svc-") else f"{team}-team",
            "user_api_key_team_id": team,
            "status": "success",
        },
        "cache_key": "Cache OFF",
        "request_tags": [],
        "requester_ip_address": "",
        "messages": {},
        "response": {},
        "proxy_server_request": {},
        "session_id": stable_uuid(rng),
        "mcp_namespaced_tool_name": None,
        "agent_id": None,
    }


@functools.lru_cache(maxsize=128)
def day_rows(seed: int, day: date, extra: int = 0) -> tuple[LogRow, ...]:
    """Every request of `day`, ordered by start time: the ground truth the endpoint pages.
    `extra` adds that many requests of a batch job spread over the day (load tests)."""
    org = get_org(seed)
    # (subject id, `user` (key owner), `end_user` (caller), intensity, team, is a bot)
    subjects: list[tuple[str, str, str, float, str, bool]] = [
        (e.id, team_key_owner(seed, e.team), e.email, org.intensity(TOOL, e, day), e.team, False)
        for e in org.engineers
    ]
    subjects += [
        (a.name, a.name, "", org.actor_intensity(TOOL, a, day), "platform-automation", True)
        for a in org.api_actors
    ]
    out: list[LogRow] = []
    for subject, user, end_user, level, team, bot in subjects:
        if level <= 0:
            continue
        rng = org.rng(TOOL, subject, day)
        favourite = rng.randrange(len(_MODELS))
        for n in range(max(1, round(level * 6))):
            group, model, provider, p_in, p_out = _MODELS[
                favourite if rng.random() < 0.75 else rng.randrange(len(_MODELS))
            ]
            # Work hours cluster mid-day UTC; bots spread over the whole day.
            hour = rng.uniform(0, 24) if bot else min(23.99, max(0.0, rng.gauss(14, 3)))
            start = midnight(day) + timedelta(seconds=hour * 3600)
            failed = rng.random() < 0.02
            prompt = 0 if failed else int(rng.lognormvariate(7.6, 0.9))
            completion = 0 if failed else int(rng.lognormvariate(6.0, 0.8))
            end = start + timedelta(milliseconds=int(300 + completion * rng.uniform(8, 20)))
            spend = (prompt * p_in + completion * p_out) / 1_000_000
            row = {
                "request_id": f"req-{day:%Y%m%d}-{subject}-{n:05d}",
                "call_type": "acompletion",
                "spend": round(spend, 8),
                "total_tokens": prompt + completion,
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "startTime": start.isoformat(timespec="microseconds"),
                "endTime": end.isoformat(timespec="microseconds"),
                "model": model,
                "model_group": group,
                "custom_llm_provider": provider,
                "user": user,
                "team_id": team,
                "end_user": end_user,
                # LiteLLM stores cache_hit as a string column.
                "cache_hit": "True" if rng.random() < 0.05 else "False",
                "status": "failure" if failed else "success",
                **_payload_rest(seed, team, user, model, start, rng),
            }
            out.append(LogRow(start, end, row))
    rng = random.Random(f"{seed}:{TOOL}:batch:{day}")
    for n in range(extra):
        start = midnight(day) + timedelta(microseconds=rng.randrange(86_400 * 10**6))
        end = start + timedelta(milliseconds=400)
        row = {
            "request_id": f"req-{day:%Y%m%d}-{BATCH_ACTOR}-{n:06d}",
            "call_type": "aembedding",
            "spend": 0.00001,
            "total_tokens": 250,
            "prompt_tokens": 250,
            "completion_tokens": 0,
            "startTime": start.isoformat(timespec="microseconds"),
            "endTime": end.isoformat(timespec="microseconds"),
            "model": "text-embedding-3-small",
            "model_group": "text-embedding-3-small",
            "custom_llm_provider": "openai",
            "user": BATCH_ACTOR,
            "team_id": "platform-automation",
            "end_user": "",
            "cache_hit": "False",
            "status": "success",
            **_payload_rest(seed, "platform-automation", BATCH_ACTOR, "emb", start, rng),
        }
        out.append(LogRow(start, end, row))
    out.sort(key=lambda r: (r.start, r.row["request_id"]))
    return tuple(out)


def _parse_time(value: str | None, name: str) -> datetime:
    if not value:
        raise ApiError(_error(f"{name} is required (format YYYY-MM-DD HH:MM:SS)"))
    for fmt in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise ApiError(_error(f"invalid {name} {value!r}: expected YYYY-MM-DD HH:MM:SS"))


def register(router: Router, options: SimulatorOptions) -> None:
    extra = int(options.extra.get("llm_gateway_extra_requests_per_day", 0))  # type: ignore[call-overload]

    @handles_errors
    def spend_logs(request: Request) -> Response:
        if bearer_token(request) != TOOL_KEYS[TOOL]:
            raise ApiError(_error("Authentication Error, Invalid proxy server token passed.", 401))
        start = _parse_time(request.arg("start_date"), "start_date")
        end = _parse_time(request.arg("end_date"), "end_date")
        page = int_arg(request.arg("page"), 1, 1, 1_000_000, _error)
        size = int_arg(request.arg("page_size"), 50, 1, MAX_PAGE_SIZE, _error)
        user = request.arg("user_id")
        now = now_utc(options)
        end = min(end, now)
        rows: list[dict[str, Any]] = []
        if start <= end:
            for day in days(start.date(), end.date()):
                logs = day_rows(options.seed, day, extra)  # sorted by start
                lo = bisect.bisect_left(logs, start, key=lambda r: r.start)
                hi = bisect.bisect_right(logs, end, key=lambda r: r.start)
                rows.extend(
                    r.row
                    for r in logs[lo:hi]
                    if r.end <= now and (not user or r.row["user"] == user)
                )
        # The count stops at the cap (the rows do not): total_pages then undercounts.
        total = min(len(rows), TOTAL_CAP)
        return Response.json(
            {
                "data": rows[(page - 1) * size : page * size],
                "total": total,
                "page": page,
                "page_size": size,
                "total_pages": math.ceil(total / size),
                "total_is_capped": len(rows) > TOTAL_CAP,
            }
        )

    router.add("GET", "/spend/logs/v2", spend_logs)
