"""OpenAI organization usage: completions usage in daily buckets, grouped as the caller asks,
the organization's costs in daily buckets (`/v1/organization/costs`, priced from the same usage),
plus the organization's users list (the vendor's own directory of user ids to emails).

Service traffic comes with `user_id: null` (API keys of no person), and users removed from the
organization (leavers) vanish from the users list while their past usage stays: consumers must
keep such identities rather than drop them.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ops_metrics.simulators.ai_tools._common import (
    ApiError,
    decode_cursor,
    encode_cursor,
    handles_errors,
    int_arg,
    midnight,
    now_utc,
)
from ops_metrics.simulators.ai_tools.org import get_org, last_complete_day
from ops_metrics.simulators.credentials import TOOL_KEYS
from ops_metrics.simulators.http import Request, Response, Router, bearer_token

if TYPE_CHECKING:
    from ops_metrics.simulators.options import SimulatorOptions

TOOL = "openai"
_MODELS = ("gpt-4.1-2025-04-14", "gpt-5-2025-08-07", "o3-2025-04-16", "gpt-4o-mini-2024-07-18")
_GROUPABLE = ("project_id", "user_id", "api_key_id", "model", "batch", "service_tier")
# USD per 1M tokens: (uncached input, cached input, output).
_PRICES = {
    "gpt-4.1-2025-04-14": (2.0, 0.5, 8.0),
    "gpt-5-2025-08-07": (1.25, 0.125, 10.0),
    "o3-2025-04-16": (2.0, 0.5, 8.0),
    "gpt-4o-mini-2024-07-18": (0.15, 0.075, 0.6),
}
_COST_GROUPABLE = ("project_id", "line_item")
_SUMMED = (
    "input_tokens",
    "output_tokens",
    "input_cached_tokens",
    "input_audio_tokens",
    "output_audio_tokens",
    "num_model_requests",
)
# People who administer the org but never call the API: present in the users list only.
_ADMINS = (("user-admin0000000000000000001", "Ops Admin", "ops.admin@example.com"),)


def _error(message: str, status: int = 400, code: str | None = None) -> Response:
    body = {
        "error": {"message": message, "type": "invalid_request_error", "param": None, "code": code}
    }
    return Response.json(body, status)


@functools.lru_cache(maxsize=256)
def day_results(seed: int, day: date) -> tuple[dict[str, Any], ...]:
    """The finest-grained results of `day` (per user, key, project, model): ground truth."""
    org = get_org(seed)
    subjects: list[tuple[str, str | None, str, str, float]] = [
        (
            e.id,
            e.openai_user_id,
            f"key_{e.openai_user_id[5:21]}",
            f"proj_{e.team}",
            org.intensity(TOOL, e, day),
        )
        for e in org.engineers
    ]
    subjects += [
        (a.name, None, a.key_id, "proj_automation", org.actor_intensity(TOOL, a, day))
        for a in org.api_actors
    ]
    out: list[dict[str, Any]] = []
    for subject, user_id, key_id, project, level in subjects:
        if level <= 0:
            continue
        rng = org.rng(TOOL, subject, day)
        for model in rng.sample(_MODELS, rng.choice((1, 1, 2, 3))):
            inp = int(level * rng.uniform(20_000, 300_000))
            out.append(
                {
                    "object": "organization.usage.completions.result",
                    "input_tokens": inp,
                    "output_tokens": int(inp * rng.uniform(0.05, 0.3)),
                    "input_cached_tokens": int(inp * rng.uniform(0, 0.5)),
                    "input_audio_tokens": 0,
                    "output_audio_tokens": 0,
                    "num_model_requests": max(1, int(level * rng.uniform(5, 80))),
                    "project_id": project,
                    "user_id": user_id,
                    "api_key_id": key_id,
                    "model": model,
                    "batch": False,
                    "service_tier": "default",
                }
            )
    return tuple(out)


def grouped(results: tuple[dict[str, Any], ...], group_by: list[str]) -> list[dict[str, Any]]:
    """Aggregate to the requested dimensions; the others come back null, as the API does."""
    sums: dict[tuple[Any, ...], dict[str, Any]] = defaultdict(dict)
    for r in results:
        key = tuple(r[g] for g in _GROUPABLE if g in group_by)
        acc = sums[key]
        if not acc:
            acc.update({"object": r["object"], **dict.fromkeys(_SUMMED, 0)})
            acc.update({g: (r[g] if g in group_by else None) for g in _GROUPABLE})
        for f in _SUMMED:
            acc[f] += r[f]
    return sorted(sums.values(), key=lambda a: tuple(str(a[g]) for g in _GROUPABLE))


def day_costs(seed: int, day: date, group_by: list[str]) -> list[dict[str, Any]]:
    """The day's cost results, priced from `day_results`, grouped as the caller asks. Line items
    are named "<model>, input" / "<model>, output" (OpenAI does not document their names)."""
    sums: dict[tuple[Any, ...], float] = defaultdict(float)
    for r in day_results(seed, day):
        p_in, p_cached, p_out = _PRICES[r["model"]]
        cached = r["input_cached_tokens"]
        parts = {
            "input": ((r["input_tokens"] - cached) * p_in + cached * p_cached) / 1_000_000,
            "output": r["output_tokens"] * p_out / 1_000_000,
        }
        for kind, usd in parts.items():
            key = (
                r["project_id"] if "project_id" in group_by else None,
                f"{r['model']}, {kind}" if "line_item" in group_by else None,
            )
            sums[key] += usd
    return [
        {
            "object": "organization.costs.result",
            "amount": {"value": round(value, 6), "currency": "usd"},
            "line_item": line_item,
            "project_id": project,
        }
        for (project, line_item), value in sorted(sums.items(), key=lambda kv: str(kv[0]))
    ]


def register(router: Router, options: SimulatorOptions) -> None:
    def authorised(request: Request) -> bool:
        return bearer_token(request) == TOOL_KEYS[TOOL]

    def buckets(
        request: Request,
        groupable: tuple[str, ...],
        max_limit: int,
        day_results_for: Callable[[date, list[str]], list[dict[str, Any]]],
    ) -> Response:
        """The bucketed page both usage and costs answer: one bucket per day from start_time
        (or the cursor) to end_time, `limit` buckets a page."""
        if not authorised(request):
            return _error("Incorrect API key provided.", 401, "invalid_api_key")
        try:
            start = int(request.arg("start_time") or "")
            end = int(request.arg("end_time") or 0) or None
        except ValueError:
            raise ApiError(_error("start_time is required and must be unix seconds")) from None
        if (request.arg("bucket_width") or "1d") != "1d":
            raise ApiError(_error("this endpoint simulates bucket_width=1d only"))
        group_by = request.args("group_by[]") + request.args("group_by")
        if bad := [g for g in group_by if g not in groupable]:
            raise ApiError(_error(f"invalid group_by value(s): {bad}"))
        limit = int_arg(request.arg("limit"), 7, 1, max_limit, _error)
        first = datetime.fromtimestamp(start, UTC).date()
        if request.arg("page"):
            state = decode_cursor(request.arg("page") or "")
            if not state or "d" not in state:
                raise ApiError(_error("invalid page cursor"))
            first = date.fromisoformat(state["d"])
        now = now_utc(options)
        end_at = min(end or int(now.timestamp()) + 1, int(now.timestamp()) + 1)
        out, day = [], first
        while int(midnight(day).timestamp()) < end_at and len(out) < limit:
            # The current day is not finalised yet: its bucket exists but is empty.
            results = day_results_for(day, group_by) if day <= last_complete_day(now) else []
            lo = int(midnight(day).timestamp())
            out.append(
                {"object": "bucket", "start_time": lo, "end_time": lo + 86_400, "results": results}
            )
            day += timedelta(days=1)
        more = int(midnight(day).timestamp()) < end_at
        nxt = encode_cursor({"d": day.isoformat()}) if more else None
        return Response.json({"object": "page", "data": out, "has_more": more, "next_page": nxt})

    @handles_errors
    def completions(request: Request) -> Response:
        return buckets(
            request,
            _GROUPABLE,
            31,
            lambda day, group_by: grouped(day_results(options.seed, day), group_by),
        )

    @handles_errors
    def costs(request: Request) -> Response:
        return buckets(
            request,
            _COST_GROUPABLE,
            180,
            lambda day, group_by: day_costs(options.seed, day, group_by),
        )

    @handles_errors
    def users(request: Request) -> Response:
        if not authorised(request):
            return _error("Incorrect API key provided.", 401, "invalid_api_key")
        limit = int_arg(request.arg("limit"), 20, 1, 100, _error)
        members = list_users(options.seed, now_utc(options).date())
        after = request.arg("after")
        start = next((i + 1 for i, u in enumerate(members) if u["id"] == after), 0) if after else 0
        page = members[start : start + limit]
        return Response.json(
            {
                "object": "list",
                "data": page,
                "first_id": page[0]["id"] if page else None,
                "last_id": page[-1]["id"] if page else None,
                "has_more": start + limit < len(members),
            }
        )

    router.add("GET", "/v1/organization/usage/completions", completions)
    router.add("GET", "/v1/organization/costs", costs)
    router.add("GET", "/v1/organization/users", users)


def list_users(seed: int, today: date) -> list[dict[str, Any]]:
    """Members on `today`: adopters not yet removed, minus the deliberately unresolvable ones."""
    org = get_org(seed)
    rows = [
        {
            "object": "organization.user",
            "id": uid,
            "name": name,
            "email": email,
            "role": "owner",
            "added_at": 1735689600,
        }
        for uid, name, email in _ADMINS
    ]
    for e in org.engineers:
        added = e.adoption.get(TOOL)
        if added is None or added > today or not org.identity_resolvable(TOOL, e):
            continue
        if e.left_on is not None and e.left_on < today:
            continue
        when = int(midnight(added).timestamp())
        rows.append(
            {
                "object": "organization.user",
                "id": e.openai_user_id,
                "name": e.name,
                "email": e.email,
                "role": "reader",
                "added_at": when,
            }
        )
    return sorted(rows, key=lambda r: r["id"])
