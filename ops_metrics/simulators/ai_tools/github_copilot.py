"""GitHub Copilot usage metrics: the users-1-day report is not paged but handed out as expiring
download links to NDJSON files, one record per user per day, people known only by login/id.

Links are stateless signed tokens (day, part, issue time), so they work across threads and
processes; a token older than LINK_TTL by the simulator clock answers 410.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import random
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from ops_metrics.simulators.ai_tools._common import decode_cursor, encode_cursor, now_utc, parse_day
from ops_metrics.simulators.ai_tools.org import get_org, last_complete_day
from ops_metrics.simulators.credentials import GITHUB_ORG, TOOL_KEYS
from ops_metrics.simulators.http import Request, Response, Router, bearer_token

if TYPE_CHECKING:
    from ops_metrics.simulators.app import SimulatorOptions

TOOL = "github_copilot"
LINK_TTL = timedelta(hours=1)
USERS_PER_FILE = 100
SUPPORTED_API_VERSIONS = ("2022-11-28", "2026-03-10")
_DOCS = "https://docs.github.com/rest/copilot/copilot-usage-metrics"
_IDES = ("vscode", "jetbrains", "visualstudio", "neovim")
_FEATURES = ("code_completion", "chat_panel_ask_mode", "chat_panel_agent_mode", "chat_inline")


_COUNT_KEYS = (
    "user_initiated_interaction_count",
    "code_generation_activity_count",
    "code_acceptance_activity_count",
    "loc_suggested_to_add_sum",
    "loc_added_sum",
    "loc_deleted_sum",
)


def _error(message: str, status: int) -> Response:
    return Response.json(
        {"message": message, "documentation_url": _DOCS, "status": str(status)}, status
    )


def _counts(level: float, rng: random.Random) -> dict[str, int]:
    suggested = int(level * rng.uniform(40, 400))
    added = int(suggested * rng.uniform(0.2, 0.5))
    return {
        "user_initiated_interaction_count": int(level * rng.uniform(2, 25)),
        "code_generation_activity_count": int(level * rng.uniform(20, 150)),
        "code_acceptance_activity_count": int(level * rng.uniform(5, 50)),
        "loc_suggested_to_add_sum": suggested,
        "loc_added_sum": added,
        "loc_deleted_sum": int(added * rng.uniform(0.05, 0.3)),
    }


def _record(
    day: date, login: str, user_id: int, level: float, rng: random.Random
) -> dict[str, Any]:
    ides = rng.sample(_IDES, 1 if rng.random() < 0.8 else 2)
    features = rng.sample(_FEATURES, rng.randint(1, len(_FEATURES)))
    by_ide = [{"ide": ide, **_counts(level / len(ides), rng)} for ide in ides]
    by_feature = [{"feature": f, **_counts(level / len(features), rng)} for f in features]
    totals = {k: sum(row[k] for row in by_ide) for k in _COUNT_KEYS}
    used_cli = rng.random() < 0.15
    record: dict[str, Any] = {
        "day": day.isoformat(),
        "user_id": user_id,
        "user_login": login,
        **totals,
        "used_agent": "chat_panel_agent_mode" in features,
        "used_chat": any(f.startswith("chat") for f in features),
        "used_cli": used_cli,
        "totals_by_ide": by_ide,
        "totals_by_feature": by_feature,
    }
    if used_cli:  # only CLI usage comes with token counts
        record["totals_by_cli"] = {
            "session_count": max(1, int(level * rng.uniform(0.5, 3))),
            "request_count": max(1, int(level * rng.uniform(3, 30))),
            "token_usage": {
                "prompt_tokens_sum": int(level * rng.uniform(5_000, 80_000)),
                "output_tokens_sum": int(level * rng.uniform(1_000, 20_000)),
            },
        }
    return record


@functools.lru_cache(maxsize=128)
def day_records(seed: int, day: date) -> tuple[dict[str, Any], ...]:
    """One record per active user of `day`, ordered by user id (ground truth)."""
    org = get_org(seed)
    records = [
        _record(
            day,
            e.github_login,
            e.github_user_id,
            org.intensity(TOOL, e, day),
            org.rng(TOOL, e.id, day, "rec"),
        )
        for e in org.active_engineers(TOOL, day)
    ]
    return tuple(sorted(records, key=lambda r: r["user_id"]))


def file_count(records: int) -> int:
    return max(2, math.ceil(records / USERS_PER_FILE))  # the report always spans 2+ files


def _sign(seed: int, payload: str) -> str:
    return hashlib.sha256(f"{seed}:{payload}".encode()).hexdigest()[:24]


def register(router: Router, options: SimulatorOptions) -> None:
    def report(request: Request) -> Response:
        if bearer_token(request) != TOOL_KEYS[TOOL]:
            return _error("Bad credentials", 401)
        version = request.header("x-github-api-version")
        if version is not None and version not in SUPPORTED_API_VERSIONS:
            return _error(f"Unsupported 'X-GitHub-Api-Version' header value: {version}", 400)
        if request.path_params["org"] != GITHUB_ORG:
            return _error("Not Found", 404)
        day = parse_day(request.arg("day"))
        if day is None:
            return _error("Invalid request: 'day' must be a date YYYY-MM-DD", 422)
        now = now_utc(options)
        if day > last_complete_day(now):
            return _error("Not Found: no report for this day yet", 404)
        parts = file_count(len(day_records(options.seed, day)))
        issued = int(now.timestamp())
        # Absolute links from the Host header work both in-process and over loopback.
        base = f"{request.header('x-forwarded-proto') or 'http'}://{request.header('host') or 'localhost'}"
        links = []
        for part in range(parts):
            payload = encode_cursor({"d": day.isoformat(), "p": part, "t": issued})
            links.append(
                f"{base}/_downloads/copilot/{payload}.{_sign(options.seed, payload)}.ndjson"
            )
        return Response.json({"download_links": links, "report_day": day.isoformat()})

    def download(request: Request) -> Response:
        payload, _, sig = request.path_params["token"].partition(".")
        state = decode_cursor(payload)
        if state is None or sig != _sign(options.seed, payload):
            return Response.text("BlobNotFound: The specified blob does not exist.", 404)
        if now_utc(options).timestamp() - int(state["t"]) > LINK_TTL.total_seconds():
            return Response.text("AuthenticationFailed: Signed expiry time has passed.", 410)
        records = day_records(options.seed, date.fromisoformat(state["d"]))
        parts = file_count(len(records))
        size = math.ceil(len(records) / parts)
        chunk = records[state["p"] * size : (state["p"] + 1) * size]
        body = "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in chunk)
        return Response.text(body, content_type="application/x-ndjson")

    router.add("GET", "/orgs/{org}/copilot/metrics/reports/users-1-day", report)
    router.add("GET", "/_downloads/copilot/{token}.ndjson", download)
