"""IncidentExtractor against the documented filter form: dates, a window bounded on our side, and
the API's stated total reconciled with what it served."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from typing import Any

import dagster as dg
import httpx
import pytest

from ops_metrics.incident_io.assets import incident_assets
from ops_metrics.incident_io.extractor import (
    IncidentExtractor,
    IncompleteFetchError,
    covering_days,
)
from ops_metrics.ingestion.envelope import EnvelopeError
from ops_metrics.ingestion.extractor import Window
from ops_metrics.ingestion.retry import RetryPolicy
from ops_metrics.registry import INCIDENT_IO_BASE_URL, WORKSPACES
from ops_metrics.simulators.app import SimulatorOptions, build_app, serve
from ops_metrics.simulators.clock import fixed_clock
from ops_metrics.simulators.credentials import INCIDENT_IO_KEYS
from ops_metrics.simulators.http import Handler, Request, Response
from ops_metrics.simulators.incident_io import incident_universe
from ops_metrics.sources import SourcesResource
from ops_metrics.warehouse.io_manager import StageAndMergeIOManager
from ops_metrics_tests.conftest import FROZEN_AT

NOW = datetime.fromisoformat(FROZEN_AT)
# An hour with incidents, in a day with more of them outside the hour.
HOUR = Window(datetime(2026, 3, 19, 11, tzinfo=UTC), datetime(2026, 3, 19, 12, tzinfo=UTC))


def _updated(payload: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(payload["updated_at"].replace("Z", "+00:00")).astimezone(UTC)


def truth(window: Window) -> set[str]:
    universe = incident_universe("companya", SimulatorOptions(clock=fixed_clock(NOW)))
    return {p["id"] for p in universe.visible(NOW) if window.start <= _updated(p) <= window.end}


def simulated_extractor(sent: list[httpx.Request]) -> IncidentExtractor:
    sources = SourcesResource(mode="simulated", simulator_frozen_at=FROZEN_AT)
    client = sources.client(
        "INCIDENT_IO_COMPANYA_BASE_URL",
        INCIDENT_IO_BASE_URL,
        headers={"Authorization": f"Bearer {INCIDENT_IO_KEYS['companya']}"},
    )
    client.event_hooks["request"].append(sent.append)
    return IncidentExtractor("incident_io/companya", client)


def test_an_hour_is_asked_as_the_covering_dates_and_bounded_on_our_side() -> None:
    sent: list[httpx.Request] = []
    extractor = simulated_extractor(sent)
    got = [r["id"] for page in extractor.pages(HOUR) for r in page]
    expected = truth(HOUR)
    assert expected, "the chosen hour must hold incidents"
    assert sorted(got) == sorted(expected)
    # The day's other incidents came with the date filter and were left out, not loaded.
    day = Window(datetime(2026, 3, 19, tzinfo=UTC), datetime(2026, 3, 20, tzinfo=UTC))
    assert extractor.outside_window == len(truth(day) - expected) > 0
    params = sent[0].url.params
    assert params["updated_at[gte]"] == "2026-03-19"
    assert params["updated_at[lte]"] == "2026-03-20"


@pytest.mark.parametrize(
    ("start", "end", "first", "last"),
    [
        # An hour mid-day: that day's midnight to the next one.
        ("2026-03-19T11:00", "2026-03-19T12:00", date(2026, 3, 19), date(2026, 3, 20)),
        # The overlap reaches back into the day before; the end is a midnight already.
        ("2026-03-18T23:45", "2026-03-19T00:00", date(2026, 3, 18), date(2026, 3, 19)),
        # A window given in another offset is the same instants in UTC.
        ("2026-03-19T01:30+02:00", "2026-03-19T02:30+02:00", date(2026, 3, 18), date(2026, 3, 20)),
    ],
)
def test_covering_days(start: str, end: str, first: date, last: date) -> None:
    def at(text: str) -> datetime:
        moment = datetime.fromisoformat(text)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    assert covering_days(Window(at(start), at(end))) == (first, last)


def _incident(n: int, updated: datetime) -> dict[str, Any]:
    return {"id": f"01INC{n:04d}", "updated_at": updated.isoformat().replace("+00:00", "Z")}


def vendor(pages: list[dict[str, Any]]) -> httpx.Client:
    """A stand-in vendor answering `pages` in order, following `after` by position."""

    def handle(request: httpx.Request) -> httpx.Response:
        after = request.url.params.get("after")
        index = int(after) if after else 0
        return httpx.Response(200, json=pages[index])

    return httpx.Client(transport=httpx.MockTransport(handle), base_url="http://vendor")


def paged(incidents: list[dict[str, Any]], size: int, total: int | None) -> list[dict[str, Any]]:
    pages = []
    for n in range(0, max(len(incidents), 1), size):
        meta: dict[str, Any] = {"page_size": size}
        if total is not None:
            meta["total_record_count"] = total
        if n + size < len(incidents):
            meta["after"] = str(len(pages) + 1)
        pages.append({"incidents": incidents[n : n + size], "pagination_meta": meta})
    return pages


def extractor_for(pages: list[dict[str, Any]]) -> IncidentExtractor:
    return IncidentExtractor("incident_io/companya", vendor(pages), RetryPolicy(max_attempts=1))


def test_a_shortfall_against_the_stated_total_fails_with_the_number_missing() -> None:
    incidents = [_incident(n, HOUR.start + timedelta(minutes=n)) for n in range(5)]
    extractor = extractor_for(paged(incidents, 2, total=8))
    with pytest.raises(
        IncompleteFetchError, match=r"total_record_count=8 .* served 5 .*: 3 missing"
    ):
        list(extractor.pages(HOUR))


def test_the_stated_total_counts_incidents_outside_the_window_too() -> None:
    # Three in the hour, two earlier that day: the API's total (5) is met by what it served,
    # though only three are kept.
    inside = [_incident(n, HOUR.start + timedelta(minutes=10 * n)) for n in range(3)]
    outside = [_incident(10 + n, HOUR.start - timedelta(hours=3 + n)) for n in range(2)]
    extractor = extractor_for(paged(inside + outside, 2, total=5))
    kept = [r["id"] for page in extractor.pages(HOUR) for r in page]
    assert kept == [i["id"] for i in inside]
    assert extractor.outside_window == 2


def test_without_a_stated_total_nothing_is_reconciled() -> None:
    incidents = [_incident(n, HOUR.start) for n in range(3)]
    extractor = extractor_for(paged(incidents, 2, total=None))
    assert len([r for page in extractor.pages(HOUR) for r in page]) == 3


def test_an_incident_without_a_readable_updated_at_is_passed_on_for_rejection() -> None:
    broken = {"id": "01BROKEN", "updated_at": "yesterday"}
    extractor = extractor_for(paged([broken], 2, total=1))
    assert [r for page in extractor.pages(HOUR) for r in page] == [broken]


@pytest.mark.parametrize(
    ("body", "key"),
    [
        ({"pagination_meta": {"page_size": 25}}, "incidents"),
        ({"incidents": {"id": "x"}, "pagination_meta": {}}, "incidents"),
        (
            {"incidents": [], "pagination_meta": {"total_record_count": "many"}},
            "total_record_count",
        ),
    ],
)
def test_an_unexpected_envelope_names_the_endpoint_and_key(body: dict, key: str) -> None:
    extractor = extractor_for([body])
    with pytest.raises(EnvelopeError) as raised:
        list(extractor.pages(HOUR))
    message = str(raised.value)
    assert "incident_io/companya" in message and "/v2/incidents" in message and key in message
    assert json.dumps(body) not in message


def test_a_partition_the_api_serves_short_fails_and_loads_nothing(monkeypatch, warehouse) -> None:
    """End to end over HTTP: a gateway in front of the simulator drops one incident from the
    page but leaves the stated total; the partition fails naming how many are missing, and
    nothing of it lands."""

    def drop_one(request: Request, inner: Handler) -> Response:
        response = inner(request)
        body = json.loads(response.body)
        if request.path == "/v2/incidents" and body.get("incidents"):
            body["incidents"] = body["incidents"][1:]
            return Response.json(body)
        return response

    app = build_app(SimulatorOptions(clock=fixed_clock(NOW)))
    app.middleware.insert(0, drop_one)
    server = serve(app, port=0)
    workspace = WORKSPACES[0]
    monkeypatch.setenv(workspace.base_url_env, f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setenv(workspace.api_key_env, INCIDENT_IO_KEYS[workspace.name])
    resources = {
        "warehouse_io_manager": StageAndMergeIOManager(warehouse=warehouse),
        "sources": SourcesResource(mode="live", retry_max_attempts=1),
    }
    asset = [a for a in incident_assets if a.key == dg.AssetKey(workspace.asset_key)]
    try:
        with dg.DagsterInstance.ephemeral() as instance:
            result = dg.materialize(
                asset,
                resources=resources,
                instance=instance,
                partition_key="2026-03-19-11:00",
                raise_on_error=False,
            )
    finally:
        server.shutdown()
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    assert "1 missing" in failure.step_failure_data.error.to_string()
    tables = {
        name for (name,) in warehouse.query("select table_name from information_schema.tables")
    }
    if workspace.raw_table in tables:
        assert warehouse.query(f"select count(*) from raw.{workspace.raw_table}") == [(0,)]
