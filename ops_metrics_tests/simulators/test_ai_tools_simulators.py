"""The AI-tool simulators behave like the vendors' APIs: auth, paging, time, limits and links.

Everything runs against the real WSGI app (in-process, and once over loopback HTTP); ground truth
comes from the shared org model, never from the code under test's responses alone.
"""

from __future__ import annotations

import base64
import json
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from ops_metrics.registry import TOOLS
from ops_metrics.simulators import ai_tools
from ops_metrics.simulators.ai_tools import (
    amp,
    chat_assistant,
    claude_code,
    cursor,
    github_copilot,
    llm_gateway,
    openai,
)
from ops_metrics.simulators.ai_tools.org import get_org, is_holiday
from ops_metrics.simulators.app import SimulatorOptions, serve
from ops_metrics.simulators.credentials import (
    AMP_CLIENT_ID,
    AMP_CLIENT_SECRET,
    GITHUB_ORG,
    TOOL_KEYS,
)
from ops_metrics.simulators.http import Router

SEED = 20250101
NOW = datetime(2025, 10, 15, 12, 0, tzinfo=UTC)  # a Wednesday, mid-day
DAY = date(2025, 10, 8)  # a finished weekday
# Copilot's reports exist from 2025-10-10 on: its finished weekday.
COPILOT_DAY = date(2025, 10, 14)
TODAY = NOW.date()


class MovableClock:
    """A clock tests can move forward without sleeping."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def make_client(
    clock: Callable[[], datetime] = lambda: NOW, seed: int = SEED, **extra: object
) -> httpx.Client:
    router = Router()
    ai_tools.register(router, SimulatorOptions(seed=seed, clock=clock, extra=dict(extra)))
    return httpx.Client(transport=httpx.WSGITransport(app=router), base_url="http://sim")


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with make_client() as c:
        yield c


def ms(d: date) -> int:
    return int(datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp() * 1000)


def basic(user: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:".encode()).decode()}


def amp_token(client: httpx.Client) -> str:
    form = {
        "grant_type": "client_credentials",
        "client_id": AMP_CLIENT_ID,
        "client_secret": AMP_CLIENT_SECRET,
        "scope": "amp.api:workspace.analytics:view amp.api:workspace.members:view",
    }
    response = client.post("/oauth2/token", data=form)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] > 0
    return body["access_token"]


# One authenticated request per tool, parameterised by the credential it sends.
def _call(tool: str, client: httpx.Client, key: str) -> httpx.Response:
    bearer = {"Authorization": f"Bearer {key}"}
    if tool == "llm_gateway":
        params = {"start_date": "2025-10-08 00:00:00", "end_date": "2025-10-08 23:59:59"}
        return client.get("/spend/logs/v2", params=params, headers=bearer)
    if tool == "claude_code":
        headers = {"x-api-key": key, "anthropic-version": "2023-06-01"}
        return client.get(
            "/v1/organizations/usage_report/claude_code",
            params={"starting_at": "2025-10-08"},
            headers=headers,
        )
    if tool == "cursor":
        body = {"startDate": ms(DAY), "endDate": ms(DAY)}
        return client.post("/teams/daily-usage-data", json=body, headers=basic(key))
    if tool == "github_copilot":
        headers = {**bearer, "X-GitHub-Api-Version": "2022-11-28"}
        url = f"/orgs/{GITHUB_ORG}/copilot/metrics/reports/users-1-day"
        return client.get(url, params={"day": COPILOT_DAY.isoformat()}, headers=headers)
    if tool == "amp":
        token = amp_token(client) if key == "good" else key
        return client.get(
            "/api/v2/workspace/analytics/daily-usage",
            params={"endDate": "2025-10-08", "lookbackDays": 1},
            headers={"Authorization": f"Bearer {token}"},
        )
    if tool == "openai":
        start = int(ms(DAY) / 1000)
        params = {"start_time": start, "end_time": start + 86_400, "bucket_width": "1d"}
        return client.get("/v1/organization/usage/completions", params=params, headers=bearer)
    assert tool == "chat_assistant"
    return client.get("/api/v1/usage/sessions", params={"date": "2025-10-08"}, headers=bearer)


@pytest.mark.parametrize("tool", [t.name for t in TOOLS])
def test_each_tool_accepts_its_key_and_rejects_others(client: httpx.Client, tool: str) -> None:
    good = "good" if tool == "amp" else TOOL_KEYS[tool]
    assert _call(tool, client, good).status_code == 200
    bad = _call(tool, client, "sim-wrong")
    assert bad.status_code == 401
    assert bad.json()  # a vendor-shaped JSON error, not an empty body


def test_claude_code_requires_the_version_header(client: httpx.Client) -> None:
    response = client.get(
        "/v1/organizations/usage_report/claude_code",
        params={"starting_at": "2025-10-08"},
        headers={"x-api-key": TOOL_KEYS["claude_code"]},
    )
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_amp_token_flow(client: httpx.Client) -> None:
    wrong = {"grant_type": "client_credentials", "client_id": AMP_CLIENT_ID, "client_secret": "x"}
    assert client.post("/oauth2/token", data=wrong).json()["error"] == "invalid_client"
    grant = {**wrong, "grant_type": "password", "client_secret": AMP_CLIENT_SECRET}
    assert client.post("/oauth2/token", data=grant).status_code == 400

    clock = MovableClock(NOW)
    with make_client(clock) as c:
        token = amp_token(c)
        params = {"endDate": "2025-10-08", "lookbackDays": 7}
        headers = {"Authorization": f"Bearer {token}"}
        body = c.get(
            "/api/v2/workspace/analytics/daily-usage", params=params, headers=headers
        ).json()
        assert [d["date"] for d in body["data"]] == [f"2025-10-0{i}" for i in range(2, 9)]
        clock.at = NOW + timedelta(hours=2)  # past expires_in
        expired = c.get("/api/v2/workspace/analytics/daily-usage", params=params, headers=headers)
        assert expired.status_code == 401
        assert expired.json()["error"] == "invalid_token"


def test_llm_gateway_pages_each_request_once(client: httpx.Client) -> None:
    headers = {"Authorization": f"Bearer {TOOL_KEYS['llm_gateway']}"}
    params = {"start_date": "2025-10-07 00:00:00", "end_date": "2025-10-08 23:59:59"}
    seen: list[str] = []
    page, total_pages = 1, 1
    while page <= total_pages:
        body = client.get(
            "/spend/logs/v2", params={**params, "page": page, "page_size": 100}, headers=headers
        ).json()
        seen += [row["request_id"] for row in body["data"]]
        total_pages = body["total_pages"]
        page += 1
    expected = [
        r.row["request_id"] for d in (7, 8) for r in llm_gateway.day_rows(SEED, date(2025, 10, d))
    ]
    assert len(seen) == len(set(seen)) == body["total"] == len(expected)
    assert set(seen) == set(expected)
    # Engineers appear by email as the caller (`end_user`) of their team's shared key (`user` is
    # the key owner), and service keys as their own users with no caller.
    logs = [r.row for r in llm_gateway.day_rows(SEED, DAY)]
    callers = {r["end_user"] for r in logs if r["end_user"]}
    active = {e.email for e in get_org(SEED).active_engineers("llm_gateway", DAY)}
    assert active == callers
    assert not any("@" in r["user"] for r in logs)
    assert {r["user"] for r in logs if not r["end_user"]} == {
        a.name for a in get_org(SEED).api_actors if "llm_gateway" in a.tools
    }
    assert body["total_is_capped"] is False


def test_claude_code_cursor_walk_and_quirks(client: httpx.Client) -> None:
    headers = {"x-api-key": TOOL_KEYS["claude_code"], "anthropic-version": "2023-06-01"}
    url = "/v1/organizations/usage_report/claude_code"
    rows: list[dict[str, Any]] = []
    params: dict[str, Any] = {"starting_at": "2025-10-08", "limit": 7}
    while True:
        body = client.get(url, params=params, headers=headers).json()
        rows += body["data"]
        if not body["has_more"]:
            break
        params["page"] = body["next_page"]
    actors = [r["actor"].get("email_address") or r["actor"]["api_key_name"] for r in rows]
    assert len(actors) == len(set(actors))
    emails = {r["actor"]["email_address"] for r in rows if r["actor"]["type"] == "user_actor"}
    assert emails == {e.email for e in get_org(SEED).active_engineers("claude_code", DAY)}
    assert any(r["actor"]["type"] == "api_actor" for r in rows)
    assert (
        client.get(
            url, params={"starting_at": "2025-10-08", "limit": 1001}, headers=headers
        ).status_code
        == 400
    )
    # Across a month both date shapes and empty model breakdowns show up.
    month = [r for d in range(1, 29) for r in claude_code.day_rows(SEED, date(2025, 9, d))]
    assert {len(r["date"]) for r in month} == {10, 20}
    assert any(not r["model_breakdown"] for r in month)
    assert all(
        m["estimated_cost"]["currency"] == "USD" for r in month for m in r["model_breakdown"]
    )


def test_cursor_daily_usage_is_one_window_keyed_by_email_and_date(client: httpx.Client) -> None:
    first, last = date(2025, 10, 1), date(2025, 10, 7)
    body = {"startDate": ms(first), "endDate": ms(last)}
    answer = client.post(
        "/teams/daily-usage-data", json=body, headers=basic(TOOL_KEYS["cursor"])
    ).json()
    # The documented answer: the records and the period asked for, no paging.
    assert set(answer) == {"data", "period"}
    assert answer["period"] == body
    rows = answer["data"]
    keys = [(r["email"], r["date"]) for r in rows]
    assert len(keys) == len(set(keys))
    expected = sum(len(cursor.day_rows(SEED, first + timedelta(days=i))) for i in range(7))
    assert len(rows) == expected
    on_day = {r["email"] for r in rows if r["date"] == ms(last) and r["isActive"]}
    assert on_day == {e.email for e in get_org(SEED).active_engineers("cursor", last)}
    too_long = {"startDate": ms(date(2025, 8, 1)), "endDate": ms(date(2025, 9, 15))}
    response = client.post(
        "/teams/daily-usage-data", json=too_long, headers=basic(TOOL_KEYS["cursor"])
    )
    assert response.status_code == 400


def test_cursor_usage_events_page_each_event_once(client: httpx.Client) -> None:
    body = {"startDate": ms(DAY), "endDate": ms(DAY + timedelta(days=1)) - 1, "pageSize": 1000}
    seen: list[dict[str, Any]] = []
    page = 1
    while True:
        answer = client.post(
            "/teams/filtered-usage-events",
            json={**body, "page": page},
            headers=basic(TOOL_KEYS["cursor"]),
        ).json()
        assert answer["pagination"]["currentPage"] == page
        seen += answer["usageEvents"]
        if not answer["pagination"]["hasNextPage"]:
            break
        page += 1
    assert page > 1  # the day really pages
    truth = cursor.day_events(SEED, DAY)
    assert len(seen) == answer["totalUsageEventsCount"] == len(truth) and seen == list(truth)
    stamps = [int(e["timestamp"]) for e in seen]
    assert stamps == sorted(stamps, reverse=True)  # newest first
    requests = sum(
        r["composerRequests"] + r["chatRequests"] + r["agentRequests"]
        for r in cursor.day_rows(SEED, DAY).values()
    )
    assert len(truth) == requests


def test_cursor_rate_limit_default_and_lifted() -> None:
    """Cursor's documented pacing (20/min) unless the simulator's rate limits are lifted."""
    body = {"startDate": ms(DAY), "endDate": ms(DAY), "pageSize": 1}
    for rate_limits, expected in ((True, {200: 20, 429: 5}), (False, {200: 25})):
        router = Router()
        options = SimulatorOptions(seed=SEED, clock=lambda: NOW, rate_limits=rate_limits)
        ai_tools.register(router, options)
        with httpx.Client(transport=httpx.WSGITransport(app=router), base_url="http://sim") as c:
            codes = Counter(
                c.post(
                    "/teams/daily-usage-data", json=body, headers=basic(TOOL_KEYS["cursor"])
                ).status_code
                for _ in range(25)
            )
        assert dict(codes) == expected, rate_limits


def test_cursor_rate_limit_on_the_simulator_clock() -> None:
    clock = MovableClock(NOW)
    body = {"startDate": ms(DAY), "endDate": ms(DAY), "pageSize": 1}
    with make_client(clock, cursor_rate_limit_per_minute=3) as c:
        statuses = [
            c.post(
                "/teams/daily-usage-data", json=body, headers=basic(TOOL_KEYS["cursor"])
            ).status_code
            for _ in range(4)
        ]
        assert statuses == [200, 200, 200, 429]
        limited = c.post("/teams/daily-usage-data", json=body, headers=basic(TOOL_KEYS["cursor"]))
        assert limited.status_code == 429 and limited.headers["Retry-After"] == "60"
        clock.at = NOW + timedelta(seconds=45)
        again = c.post("/teams/daily-usage-data", json=body, headers=basic(TOOL_KEYS["cursor"]))
        assert again.headers["Retry-After"] == "15"
        clock.at = NOW + timedelta(seconds=61)
        assert (
            c.post(
                "/teams/daily-usage-data", json=body, headers=basic(TOOL_KEYS["cursor"])
            ).status_code
            == 200
        )
    with make_client() as c:  # the default is 20 a minute
        codes = Counter(
            c.post(
                "/teams/daily-usage-data", json=body, headers=basic(TOOL_KEYS["cursor"])
            ).status_code
            for _ in range(22)
        )
        assert codes == {200: 20, 429: 2}


def _copilot_links(client: httpx.Client, day: str) -> httpx.Response:
    headers = {
        "Authorization": f"Bearer {TOOL_KEYS['github_copilot']}",
        "X-GitHub-Api-Version": "2022-11-28",
    }
    url = f"/orgs/{GITHUB_ORG}/copilot/metrics/reports/users-1-day"
    return client.get(url, params={"day": day}, headers=headers)


def test_copilot_links_download_once_each_and_expire() -> None:
    clock = MovableClock(NOW)
    with make_client(clock) as c:
        answer = _copilot_links(c, COPILOT_DAY.isoformat()).json()
        assert answer["report_day"] == COPILOT_DAY.isoformat()
        links = answer["download_links"]
        assert len(links) >= 2 and all(
            link.startswith("http://sim/_downloads/copilot/") for link in links
        )
        records = [json.loads(line) for link in links for line in c.get(link).text.splitlines()]
        logins = [r["user_login"] for r in records]
        assert len(logins) == len(set(logins))
        assert set(logins) == {
            e.github_login for e in get_org(SEED).active_engineers("github_copilot", COPILOT_DAY)
        }
        assert all("email" not in r and isinstance(r["user_id"], int) for r in records)
        clock.at = NOW + timedelta(hours=1, seconds=1)
        assert c.get(links[0]).status_code == 410
        assert c.get(links[0].replace(".ndjson", "x.ndjson")).status_code == 404
        assert (
            _copilot_links(c, COPILOT_DAY.isoformat()).status_code == 200
        )  # fresh links work again
        wrong_org = c.get(
            "/orgs/other-org/copilot/metrics/reports/users-1-day",
            params={"day": COPILOT_DAY.isoformat()},
            headers={"Authorization": f"Bearer {TOOL_KEYS['github_copilot']}"},
        )
        assert wrong_org.status_code == 404


def test_amp_openai_and_chat_walks_match_ground_truth(client: httpx.Client) -> None:
    org = get_org(SEED)
    # Amp: one window, users by id, email only for some.
    headers = {"Authorization": f"Bearer {amp_token(client)}"}
    body = client.get(
        "/api/v2/workspace/analytics/daily-usage",
        params={"endDate": "2025-10-08", "lookbackDays": 3},
        headers=headers,
    ).json()
    day_users = next(d["users"] for d in body["data"] if d["date"] == "2025-10-08")
    assert {u["user"]["id"] for u in day_users} == {
        e.amp_user_id for e in org.active_engineers("amp", DAY)
    }
    month = [u for d in range(1, 31) for u in amp.day_users(SEED, date(2025, 9, d))]
    assert {"email" in u["user"] for u in month} == {True, False}

    # OpenAI: 20 daily buckets walked 7 at a time, each day once.
    bearer = {"Authorization": f"Bearer {TOOL_KEYS['openai']}"}
    start = int(ms(date(2025, 9, 19)) / 1000)
    params: dict[str, Any] = {
        "start_time": start,
        "end_time": start + 20 * 86_400,
        "bucket_width": "1d",
        "group_by[]": ["user_id", "model"],
    }
    buckets: list[dict[str, Any]] = []
    while True:
        page = client.get(
            "/v1/organization/usage/completions", params=params, headers=bearer
        ).json()
        buckets += page["data"]
        if not page["has_more"]:
            break
        params["page"] = page["next_page"]
    assert [b["start_time"] for b in buckets] == [start + i * 86_400 for i in range(20)]
    oct8 = next(b for b in buckets if b["start_time"] == int(ms(DAY) / 1000))
    users = {r["user_id"] for r in oct8["results"]}
    assert users - {None} == {e.openai_user_id for e in org.active_engineers("openai", DAY)}
    assert None in users  # service keys belong to no user
    assert all(r["project_id"] is None and r["model"] for r in oct8["results"])

    # OpenAI's users list, walked with `after`.
    listed: list[str] = []
    params = {"limit": 17}
    while True:
        page = client.get("/v1/organization/users", params=params, headers=bearer).json()
        listed += [u["id"] for u in page["data"]]
        if not page["has_more"]:
            break
        params["after"] = page["last_id"]
    assert len(listed) == len(set(listed)) == len(openai.list_users(SEED, TODAY))

    # Chat assistant: offset/limit to the end.
    bearer = {"Authorization": f"Bearer {TOOL_KEYS['chat_assistant']}"}
    items: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = client.get(
            "/api/v1/usage/sessions",
            params={"date": "2025-10-08", "offset": offset, "limit": 40},
            headers=bearer,
        ).json()
        items += page["items"]
        offset += 40
        if offset >= page["total"]:
            break
    ids = [i["session_id"] for i in items]
    assert len(ids) == len(set(ids)) == len(chat_assistant.day_sessions(SEED, DAY))
    assert any("input_tokens" in i for i in items) and any("input_tokens" not in i for i in items)
    slack = {i["slack_user_id"] for i in items}
    assert slack == {e.slack_user_id for e in org.active_engineers("chat_assistant", DAY)}


def test_some_identities_are_unresolvable_on_purpose(client: httpx.Client) -> None:
    people = client.get(ai_tools.DIRECTORY_PATH, params={"limit": 1000}).json()["items"]
    logins = {p["github_login"] for p in people}
    openai_ids = {p["openai_user_id"] for p in people}
    org = get_org(SEED)
    days = [date(2025, 9, d) for d in range(1, 31)]
    copilot_logins = {r["user_login"] for d in days for r in github_copilot.day_records(SEED, d)}
    openai_users = {r["user_id"] for d in days for r in openai.day_results(SEED, d)} - {None}
    listed = {u["id"] for u in openai.list_users(SEED, TODAY)}
    assert copilot_logins - logins  # some logins are nowhere in the directory
    assert openai_users - listed - openai_ids
    hidden = [e for e in org.engineers if not org.identity_resolvable("github_copilot", e)]
    assert hidden and all(e.github_login not in logins for e in hidden)


def test_nothing_is_served_after_the_clock(client: httpx.Client) -> None:
    today, tomorrow = TODAY.isoformat(), (TODAY + timedelta(days=1)).isoformat()
    # Aggregate reports end at yesterday.
    for day in (today, tomorrow):
        cc = client.get(
            "/v1/organizations/usage_report/claude_code",
            params={"starting_at": day},
            headers={"x-api-key": TOOL_KEYS["claude_code"], "anthropic-version": "2023-06-01"},
        )
        assert cc.json()["data"] == []
        assert _copilot_links(client, day).status_code == 404
    # Nor before the reports' first day.
    assert _copilot_links(client, "2025-10-09").status_code == 404
    body = {"startDate": ms(TODAY - timedelta(days=1)), "endDate": ms(TODAY + timedelta(days=5))}
    rows = client.post(
        "/teams/daily-usage-data", json=body, headers=basic(TOOL_KEYS["cursor"])
    ).json()["data"]
    assert rows and {r["date"] for r in rows} == {ms(TODAY - timedelta(days=1))}
    window = client.get(
        "/api/v2/workspace/analytics/daily-usage",
        params={"endDate": tomorrow, "lookbackDays": 3},
        headers={"Authorization": f"Bearer {amp_token(client)}"},
    ).json()
    assert [d["date"] for d in window["data"]] == [(TODAY - timedelta(days=1)).isoformat()]
    start = int(ms(TODAY) / 1000)
    oa = client.get(
        "/v1/organization/usage/completions",
        params={"start_time": start, "end_time": start + 3 * 86_400},
        headers={"Authorization": f"Bearer {TOOL_KEYS['openai']}"},
    ).json()
    assert [b["results"] for b in oa["data"]] == [[]] and not oa["has_more"]
    # Event logs show today up to now only.
    gw = client.get(
        "/spend/logs/v2",
        params={
            "start_date": f"{today} 00:00:00",
            "end_date": f"{tomorrow} 23:59:59",
            "page_size": 100,
        },
        headers={"Authorization": f"Bearer {TOOL_KEYS['llm_gateway']}"},
    ).json()
    full_day = llm_gateway.day_rows(SEED, TODAY)
    assert 0 < gw["total"] < len(full_day)
    assert all(datetime.fromisoformat(r["endTime"]) <= NOW for r in gw["data"])
    chat = client.get(
        "/api/v1/usage/sessions",
        params={"date": today},
        headers={"Authorization": f"Bearer {TOOL_KEYS['chat_assistant']}"},
    ).json()
    assert 0 < chat["total"] < len(chat_assistant.day_sessions(SEED, TODAY))


def test_responses_are_deterministic_and_order_independent() -> None:
    def grab(c: httpx.Client, day: str) -> bytes:
        return c.get(
            "/v1/organizations/usage_report/claude_code",
            params={"starting_at": day, "limit": 1000},
            headers={"x-api-key": TOOL_KEYS["claude_code"], "anthropic-version": "2023-06-01"},
        ).content

    with make_client() as a, make_client() as b, make_client(seed=SEED + 1) as other:
        first = (grab(a, "2025-10-06"), grab(a, "2025-10-07"))
        # Days are computed afresh and in the other order: same bytes.
        claude_code.day_rows.cache_clear()
        second = (grab(b, "2025-10-07"), grab(b, "2025-10-06"))
        assert first == second[::-1]
        assert grab(other, "2025-10-06") != first[0]
        gateway = {"Authorization": f"Bearer {TOOL_KEYS['llm_gateway']}"}
        params = {"start_date": "2025-10-01 00:00:00", "end_date": "2025-10-01 23:59:59"}
        assert (
            a.get("/spend/logs/v2", params=params, headers=gateway).content
            == b.get("/spend/logs/v2", params=params, headers=gateway).content
        )


def test_population_shape() -> None:
    org = get_org(SEED)
    assert len(org.engineers) >= 300 and len({e.email for e in org.engineers}) == len(org.engineers)
    assert len({e.github_login for e in org.engineers}) == len(org.engineers)
    joiners = [e for e in org.engineers if e.joined_on >= date(2025, 1, 1)]
    leavers = [e for e in org.engineers if e.left_on]
    assert joiners and leavers
    for e in leavers[:10]:
        after = e.left_on + timedelta(days=1)
        assert all(e not in org.active_engineers(t.name, after) for t in TOOLS)
    # Adoption ramps up through 2025, and weekends/holidays are quiet.
    counts = [len(org.active_engineers("cursor", date(2025, m, 15))) for m in (1, 4, 10)]
    assert counts[0] < counts[1] < counts[2]
    weekday = len(org.active_engineers("claude_code", date(2025, 10, 8)))
    assert len(org.active_engineers("claude_code", date(2025, 10, 11))) < weekday / 3
    assert is_holiday(date(2025, 12, 25)) and is_holiday(date(2025, 11, 27))
    assert len(org.active_engineers("claude_code", date(2025, 12, 25))) < weekday / 3


def test_loopback_http_serves_tools_and_absolute_links() -> None:
    router = Router()
    ai_tools.register(router, SimulatorOptions(seed=SEED, clock=lambda: NOW))
    server = serve(router)
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        with httpx.Client(base_url=base, timeout=10) as c:
            response = _copilot_links(c, COPILOT_DAY.isoformat())
            assert response.status_code == 200
            links = response.json()["download_links"]
            assert all(link.startswith(base + "/_downloads/") for link in links)
            assert sum(len(c.get(link).text.splitlines()) for link in links) == len(
                github_copilot.day_records(SEED, COPILOT_DAY)
            )
            assert _call("cursor", c, TOOL_KEYS["cursor"]).status_code == 200
    finally:
        server.shutdown()
        server.server_close()
