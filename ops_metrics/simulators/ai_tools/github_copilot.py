"""GitHub Copilot usage metrics: the users-1-day report is not paged but handed out as expiring
download links to NDJSON files, one record per user per day, people known only by login/id, in
the shape of GitHub's published example schema (docs/vendors/github_copilot.md). Reports exist
from 2025-10-10 and at most one year back; other days answer 404.

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

from ops_metrics.simulators.ai_tools._common import (
    decode_cursor,
    encode_cursor,
    midnight,
    now_utc,
    parse_day,
)
from ops_metrics.simulators.ai_tools.org import get_org, last_complete_day
from ops_metrics.simulators.credentials import GITHUB_ORG, TOOL_KEYS
from ops_metrics.simulators.http import Request, Response, Router, bearer_token

if TYPE_CHECKING:
    from ops_metrics.simulators.options import SimulatorOptions

TOOL = "github_copilot"
FIRST_REPORT_DAY = date(2025, 10, 10)
MAX_DAYS_BACK = 365
LINK_TTL = timedelta(hours=1)
USERS_PER_FILE = 100
ENTERPRISE_ID = "4711"
SUPPORTED_API_VERSIONS = ("2022-11-28", "2026-03-10")
_DOCS = "https://docs.github.com/rest/copilot/copilot-usage-metrics"
_IDES = ("vscode", "jetbrains", "visualstudio", "neovim")
_FEATURES = ("code_completion", "chat_panel_ask_mode", "chat_panel_agent_mode", "chat_inline")


_LANGUAGES = ("python", "typescript", "go", "java", "rust")
_CHAT_MODELS = ("gpt-4.1", "claude-sonnet-4.5", "gpt-5-mini")
_COUNT_KEYS = (
    "user_initiated_interaction_count",
    "code_generation_activity_count",
    "code_acceptance_activity_count",
    "loc_suggested_to_add_sum",
    "loc_suggested_to_delete_sum",
    "loc_added_sum",
    "loc_deleted_sum",
)
# The language breakdowns carry every count but user-initiated interactions.
_LANGUAGE_KEYS = tuple(k for k in _COUNT_KEYS if k != "user_initiated_interaction_count")


def _error(message: str, status: int) -> Response:
    return Response.json(
        {"message": message, "documentation_url": _DOCS, "status": str(status)}, status
    )


def _counts(level: float, rng: random.Random) -> dict[str, int]:
    suggested = int(level * rng.uniform(40, 400))
    added = int(suggested * rng.uniform(0.2, 0.5))
    deleted = int(added * rng.uniform(0.05, 0.3))
    return {
        "user_initiated_interaction_count": int(level * rng.uniform(2, 25)),
        "code_generation_activity_count": int(level * rng.uniform(20, 150)),
        "code_acceptance_activity_count": int(level * rng.uniform(5, 50)),
        "loc_suggested_to_add_sum": suggested,
        "loc_suggested_to_delete_sum": int(deleted * rng.uniform(1.0, 1.5)),
        "loc_added_sum": added,
        "loc_deleted_sum": deleted,
    }


def _sampled(day: date, rng: random.Random) -> str:
    at = midnight(day) + timedelta(seconds=rng.randrange(86_400))
    return at.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _record(
    day: date, login: str, user_id: int, level: float, rng: random.Random
) -> dict[str, Any]:
    ides = rng.sample(_IDES, 1 if rng.random() < 0.8 else 2)
    features = rng.sample(_FEATURES, rng.randint(1, len(_FEATURES)))
    languages = rng.sample(_LANGUAGES, rng.randint(1, 2))
    by_ide = [
        {
            "ide": ide,
            **_counts(level / len(ides), rng),
            "last_known_ide_version": {
                "ide_version": rng.choice(("1.104.2", "1.105.0", "2025.2.3")),
                "sampled_at": _sampled(day, rng),
            },
            "last_known_plugin_version": {
                "plugin": "copilot-chat",
                "plugin_version": rng.choice(("0.31.5", "0.32.1")),
                "sampled_at": _sampled(day, rng),
            },
        }
        for ide in ides
    ]
    by_feature = [{"feature": f, **_counts(level / len(features), rng)} for f in features]
    totals = {k: sum(row[k] for row in by_ide) for k in _COUNT_KEYS}

    def language_counts() -> dict[str, int]:
        counts = _counts(level / (len(languages) * len(features)), rng)
        return {k: counts[k] for k in _LANGUAGE_KEYS}

    by_language_feature = [
        {"feature": f, "language": lang, **language_counts()}
        for lang in languages
        for f in features
    ]
    models = rng.sample(_CHAT_MODELS, rng.randint(1, 2))
    by_language_model = [
        {"language": lang, "model": m, **language_counts()} for lang in languages for m in models
    ]
    by_model_feature = [
        {"feature": f, "model": m, **_counts(level / (len(models) * len(features)), rng)}
        for m in models
        for f in features
    ]
    used_cli = rng.random() < 0.15
    record: dict[str, Any] = {
        "day": day.isoformat(),
        "enterprise_id": ENTERPRISE_ID,
        **totals,
        "totals_by_feature": by_feature,
        "totals_by_ide": by_ide,
        "totals_by_language_feature": by_language_feature,
        "totals_by_language_model": by_language_model,
        "totals_by_model_feature": by_model_feature,
        "used_agent": "chat_panel_agent_mode" in features,
        "used_chat": any(f.startswith("chat") for f in features),
        "used_cli": used_cli,
        "user_id": user_id,
        "user_login": login,
    }
    if used_cli:  # only CLI usage comes with token counts
        requests = max(1, int(level * rng.uniform(3, 30)))
        prompt = int(level * rng.uniform(5_000, 80_000))
        output = int(level * rng.uniform(1_000, 20_000))
        record["totals_by_cli"] = {
            "last_known_cli_version": {
                "cli_version": rng.choice(("0.0.339", "0.0.345")),
                "sampled_at": _sampled(day, rng),
            },
            "prompt_count": max(1, requests // 2),
            "request_count": requests,
            "session_count": max(1, int(level * rng.uniform(0.5, 3))),
            "token_usage": {
                "avg_tokens_per_request": round((prompt + output) / requests, 1),
                "output_tokens_sum": output,
                "prompt_tokens_sum": prompt,
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
        if day < FIRST_REPORT_DAY or day < now.date() - timedelta(days=MAX_DAYS_BACK):
            return _error(
                f"Not Found: reports exist from {FIRST_REPORT_DAY} and at most "
                f"{MAX_DAYS_BACK} days back",
                404,
            )
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
