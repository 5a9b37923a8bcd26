"""LiteLLM against its own source (docs/vendors/llm_gateway.md): usage is the caller's
(`end_user`), not the key owner's (`user`); a capped `total` is read completely by narrowing the
window; a shortfall against `total` fails with the number of rows missing."""

from __future__ import annotations

import copy
from datetime import date

import httpx
import pytest

from ops_metrics.ai_tools.tools.llm_gateway import PATH
from ops_metrics.ingestion.envelope import EnvelopeError
from ops_metrics.ingestion.errors import ExtractionError
from ops_metrics.registry import tool
from ops_metrics.simulators.ai_tools import llm_gateway
from ops_metrics.simulators.app import SimulatorOptions, build_app, transport
from ops_metrics.simulators.clock import fixed_clock
from ops_metrics.simulators.credentials import TOOL_KEYS
from ops_metrics_tests.ai_tools._support import DAY, NOW, SEED, SOURCES, pull
from ops_metrics_tests.vendors._examples import (
    answering,
    assert_loads,
    examples,
    read_clean,
)
from ops_metrics_tests.vendors.shapes import mismatches

GATEWAY = tool("llm_gateway")
DOCS = examples("llm_gateway")
EXAMPLE = DOCS["spend_logs_v2"]
EXAMPLE_DAY = date.fromisoformat(EXAMPLE.expect["day"])


def test_adapter_loads_the_documented_rows_by_caller() -> None:
    assert_loads(GATEWAY, EXAMPLE, EXAMPLE)
    # The two engineers shared one team key: one `user`, two people.
    users = {r["user"] for r in EXAMPLE.body["data"][:2]}
    assert len(users) == 1 and not any("@" in u for u in users)


def test_simulator_serves_the_documented_shape() -> None:
    with SOURCES.tool_client(GATEWAY) as client:
        served = client.get(
            PATH,
            params={"start_date": f"{DAY} 00:00:00", "end_date": f"{DAY} 23:59:59"},
            headers={"Authorization": f"Bearer {TOOL_KEYS['llm_gateway']}"},
        ).json()
    assert served["data"]
    assert mismatches(served, EXAMPLE.body) == []


def test_simulated_engineers_share_team_keys_and_are_attributed_by_end_user() -> None:
    logs = [r.row for r in llm_gateway.day_rows(SEED, DAY)]
    people = [r for r in logs if r["end_user"]]
    assert len({r["user"] for r in people}) < len({r["end_user"] for r in people})
    rows, _ = pull(GATEWAY)
    emails = {r.engineer_identifier for r in rows if r.actor_type == "user"}
    assert emails == {r["end_user"] for r in people}


def _client(extra: int) -> httpx.Client:
    app = build_app(
        SimulatorOptions(
            seed=SEED,
            clock=fixed_clock(NOW),
            extra={"llm_gateway_extra_requests_per_day": extra},
        )
    )
    return httpx.Client(
        base_url="http://gateway.local",
        transport=transport(app),
        headers={"Authorization": f"Bearer {TOOL_KEYS['llm_gateway']}"},
    )


def test_a_capped_total_is_read_completely_by_narrowing_the_window() -> None:
    extra = 12_000 - len(llm_gateway.day_rows(SEED, DAY))
    truth = llm_gateway.day_rows(SEED, DAY, extra)
    assert len(truth) == 12_000
    with _client(extra) as client:
        first = client.get(
            PATH,
            params={
                "start_date": f"{DAY} 00:00:00",
                "end_date": f"{DAY} 23:59:59",
                "page_size": 100,
            },
        ).json()
    # What a client that trusts total_pages gets: 10,000 of 12,000.
    assert (first["total"], first["total_is_capped"], first["total_pages"]) == (10_000, True, 100)
    rows = read_clean(GATEWAY, DAY, client=_client(extra))
    assert sum(r.requests for r in rows) == 12_000
    batch = next(r for r in rows if r.engineer_identifier == llm_gateway.BATCH_ACTOR)
    assert batch.requests == extra and batch.actor_type == "api"


def test_a_shortfall_against_total_fails_with_the_rows_missing() -> None:
    short = {**copy.deepcopy(EXAMPLE.body), "total": 5}
    with pytest.raises(ExtractionError, match=r"stated 5 rows .* but served 3: 2 missing"):
        read_clean(GATEWAY, EXAMPLE_DAY, answering("llm_gateway", "GET", PATH, short))


def test_an_unexpected_envelope_names_tool_endpoint_and_key() -> None:
    broken = copy.deepcopy(EXAMPLE.body)
    del broken["total_pages"]
    with pytest.raises(EnvelopeError) as caught:
        read_clean(GATEWAY, EXAMPLE_DAY, answering("llm_gateway", "GET", PATH, broken))
    assert (caught.value.source, caught.value.endpoint, caught.value.key) == (
        "llm_gateway",
        PATH,
        "total_pages",
    )


def test_the_window_asked_is_the_day_in_litellm_time_format() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=EXAMPLE.body)

    client = httpx.Client(base_url="https://gateway.example", transport=httpx.MockTransport(answer))
    read_clean(GATEWAY, EXAMPLE_DAY, client=client)
    params = seen[0].url.params
    assert (params["start_date"], params["end_date"]) == (
        "2025-10-08 00:00:00",
        "2025-10-09 00:00:00",
    )
