"""Cursor against its published Admin API examples (docs/vendors/cursor.md): the adapter loads
them with the right identities, measured tokens and cost, and the simulator serves their shape."""

from __future__ import annotations

import json
from datetime import date

import httpx
import pytest

from ops_metrics.ai_tools.tools.cursor import DAILY_PATH, EVENTS_PATH, _day_bounds
from ops_metrics.ingestion.envelope import EnvelopeError
from ops_metrics.registry import tool
from ops_metrics.simulators.credentials import TOOL_KEYS
from ops_metrics_tests.ai_tools._support import DAY, SOURCES
from ops_metrics_tests.vendors._examples import (
    answering,
    assert_loads,
    examples,
    read_clean,
)
from ops_metrics_tests.vendors.docs_server import Fixture
from ops_metrics_tests.vendors.shapes import mismatches

CURSOR = tool("cursor")
DOCS = examples("cursor")


@pytest.mark.parametrize(
    ("name", "other"),
    [
        ("daily_usage_data", "filtered_usage_events"),
        ("daily_usage_data_later_docs", "filtered_usage_events"),
        ("filtered_usage_events", "daily_usage_data"),
    ],
)
def test_adapter_loads_the_documented_examples(name: str, other: str) -> None:
    example = DOCS[name]
    assert_loads(CURSOR, example, example, DOCS[other])


def test_the_documented_record_has_no_user_id_day_or_pagination() -> None:
    """What the adapter once required is not in the published example (it loaded nothing)."""
    body = DOCS["daily_usage_data"].body
    assert set(body) == {"data", "period"}
    assert all("userId" not in r and "day" not in r for r in body["data"])


def _served(path: str, day: date) -> dict:
    with SOURCES.tool_client(CURSOR) as client:
        answer = client.post(
            path,
            json={
                **_day_bounds(day),
                **({"page": 1, "pageSize": 50} if path == EVENTS_PATH else {}),
            },
            auth=httpx.BasicAuth(TOOL_KEYS["cursor"], ""),
        )
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_simulator_serves_the_documented_daily_usage_shape() -> None:
    served = _served(DAILY_PATH, DAY)
    assert served["data"]
    assert mismatches(served, DOCS["daily_usage_data"].body) == []


def test_simulator_serves_the_documented_usage_events_shape() -> None:
    served = _served(EVENTS_PATH, DAY)
    assert served["usageEvents"] and served["pagination"]["hasNextPage"]
    # Documented optional: request-based calls carry no tokenUsage.
    optional = frozenset({"$.usageEvents[].tokenUsage"})
    assert mismatches(served, DOCS["filtered_usage_events"].body, optional=optional) == []
    # Both kinds of documented event occur: token-based (with tokenUsage) and request-based.
    assert {"tokenUsage" in e for e in served["usageEvents"]} == {True, False}


def _answering(body: object, path: str) -> Fixture:
    return answering("cursor", "POST", path, body)


@pytest.mark.parametrize(
    ("daily", "events", "endpoint", "key"),
    [
        ({"period": {}}, None, DAILY_PATH, "data"),
        ({"data": {}, "period": {}}, None, DAILY_PATH, "data"),
        (
            None,
            {"usageEvents": [{"timestamp": "1", "userEmail": "a@b.c"}]},
            EVENTS_PATH,
            "pagination.hasNextPage",
        ),
    ],
)
def test_an_unexpected_envelope_names_tool_endpoint_and_key(
    daily: object, events: object, endpoint: str, key: str
) -> None:
    served = [
        _answering(daily, DAILY_PATH) if daily is not None else DOCS["daily_usage_data"],
        _answering(events, EVENTS_PATH) if events is not None else DOCS["filtered_usage_events"],
    ]
    with pytest.raises(EnvelopeError) as caught:
        read_clean(CURSOR, date(2024, 3, 18), *served)
    assert (caught.value.source, caught.value.endpoint, caught.value.key) == (
        "cursor",
        endpoint,
        key,
    )


def test_fewer_events_than_stated_fail_with_the_count_missing() -> None:
    body = dict(DOCS["filtered_usage_events"].body)
    body["totalUsageEventsCount"] = 5
    with pytest.raises(Exception, match="stated 5 events but served 3: 2 missing"):
        read_clean(
            CURSOR, date(2025, 6, 26), DOCS["daily_usage_data"], _answering(body, EVENTS_PATH)
        )


def test_the_later_documented_paging_is_followed_when_an_answer_carries_it() -> None:
    later = DOCS["daily_usage_data_later_docs"].body
    first = later["data"][0]
    second = {**first, "userId": 67890, "email": "admin@company.com", "acceptedLinesAdded": 10}
    asked: list[object] = []

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == EVENTS_PATH:
            return httpx.Response(200, json=DOCS["filtered_usage_events"].body)
        body = json.loads(request.content)
        asked.append(body.get("page"))
        page = body.get("page", 1)
        pagination = {"page": page, "pageSize": 1, "totalUsers": 2, "totalPages": 2}
        return httpx.Response(
            200,
            json={
                **later,
                "data": [first if page == 1 else second],
                "pagination": {**pagination, "hasNextPage": page == 1},
            },
        )

    client = httpx.Client(base_url="https://api.cursor.test", transport=httpx.MockTransport(answer))
    rows = read_clean(CURSOR, date(2024, 3, 18), client=client)
    assert asked == [None, 2]  # no page on the first request: paging only as the answer says
    got = {r.engineer_identifier: r.tokens_total for r in rows}
    assert got == {"developer@company.com": 15 * 1102, "admin@company.com": 15 * 10}
