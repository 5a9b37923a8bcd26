"""The Incident.io simulator over real HTTP semantics (in-process WSGI and one loopback test)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx
import pytest

from ops_metrics import registry
from ops_metrics.simulators import credentials, incident_io
from ops_metrics.simulators.app import SimulatorOptions, serve
from ops_metrics.simulators.http import Router
from ops_metrics.simulators.incident_io.catalog import SEVERITY_BY_ID
from ops_metrics.simulators.incident_io.universe import _build

NOW = datetime(2026, 3, 15, 12, 0, tzinfo=UTC)
SEED = 4242


class MovableClock:
    """A clock a test moves by hand: no sleeping, no wall time."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def make(clock: MovableClock | None = None, **extra: object) -> tuple[Router, SimulatorOptions]:
    options = SimulatorOptions(seed=SEED, clock=clock or MovableClock(NOW), extra=dict(extra))
    router = Router()
    incident_io.register(router, options)
    return router, options


def client(router: Router, workspace: str | None = "companya") -> httpx.Client:
    headers = (
        {"Authorization": f"Bearer {credentials.INCIDENT_IO_KEYS[workspace]}"} if workspace else {}
    )
    return httpx.Client(
        transport=httpx.WSGITransport(app=router), base_url="http://sim", headers=headers
    )


def fetch_all(http: httpx.Client, params: dict[str, object] | list[tuple[str, str]]) -> list[dict]:
    items: list[dict] = []
    after: str | None = None
    while True:
        query = list(params.items()) if isinstance(params, dict) else list(params)
        if after:
            query.append(("after", after))
        response = http.get("/v2/incidents", params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        items += body["incidents"]
        after = body["pagination_meta"].get("after")
        if not after:
            return items


def parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts)


def test_missing_or_unknown_key_is_401_with_documented_body() -> None:
    http = client(make()[0], None)
    response = http.get("/v2/incidents")
    assert response.status_code == 401
    body = response.json()
    assert body["type"] == "authentication_error" and body["status"] == 401 and body["request_id"]
    assert body["errors"][0]["code"] == "missing_authorization_material"
    response = http.get("/v2/incidents", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert set(response.json()) == {"type", "status", "request_id", "errors"}
    assert response.json()["errors"][0]["message"]


def test_pagination_returns_each_incident_once_and_equals_ground_truth() -> None:
    router, options = make()
    http = client(router, "companyc")
    first = http.get("/v2/incidents").json()
    assert len(first["incidents"]) == 25 and first["pagination_meta"]["page_size"] == 25
    items = fetch_all(http, {"page_size": 100})
    truth = incident_io.incident_universe("companyc", options).visible(NOW)
    assert len(truth) > 500  # many pages
    assert [i["id"] for i in items] == [t["id"] for t in truth]
    assert len({i["id"] for i in items}) == len(items)
    assert items == truth
    assert first["pagination_meta"]["total_record_count"] == len(truth)
    # Order: created_at desc (instants, whatever offset they are written in).
    created = [parse(i["created_at"]) for i in items]
    assert created == sorted(created, reverse=True)


def test_page_size_and_cursor_validation_is_422_naming_the_field() -> None:
    http = client(make()[0])
    for bad in ("251", "abc", "0"):
        response = http.get("/v2/incidents", params={"page_size": bad})
        assert response.status_code == 422, bad
        body = response.json()
        assert body["type"] == "validation_error" and body["status"] == 422
        assert body["errors"][0]["source"] == {"field": "page_size"}
    assert len(http.get("/v2/incidents", params={"page_size": 250}).json()["incidents"]) == 250
    response = http.get("/v2/incidents", params={"after": "01NOTANINCIDENT"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["source"] == {"field": "after"}


def test_updated_at_and_created_at_filters_read_dates_as_the_spec_documents() -> None:
    router, options = make()
    http = client(router)
    truth = incident_io.incident_universe("companya", options).visible(NOW)
    # A date is its midnight UTC: gte takes the whole day on, lte stops at that midnight
    # (the spec: "created_at[lte]=2021-01-02" finds incidents "created before or on
    # 2021-01-02T00:00:00Z").
    since = datetime(2026, 2, 1, tzinfo=UTC)
    got = fetch_all(http, {"updated_at[gte]": "2026-02-01", "page_size": 250})
    expected = [t["id"] for t in truth if parse(t["updated_at"]) >= since]
    assert [g["id"] for g in got] == expected and expected
    until = datetime(2025, 6, 30, tzinfo=UTC)
    got = fetch_all(http, {"updated_at[lte]": "2025-06-30", "page_size": 250})
    assert [g["id"] for g in got] == [t["id"] for t in truth if parse(t["updated_at"]) <= until]
    # Timestamps are not documented: only their date part is read (with any offset), so an
    # hour's window asked as timestamps comes back as the whole day from midnight.
    hour = fetch_all(http, {"updated_at[gte]": "2026-02-01T11:00:00+01:00", "page_size": 250})
    assert [g["id"] for g in hour] == expected
    got = fetch_all(http, {"created_at[date_range]": "2025-03-01~2025-03-31"})
    march = [t["id"] for t in truth if parse(t["created_at"]).astimezone(UTC).month == 3
             and parse(t["created_at"]).year == 2025]  # fmt: skip
    assert [g["id"] for g in got] == march and march
    for param, value in (
        ("updated_at[gte]", "yesterday"),
        ("created_at[date_range]", "2025-01-01"),
    ):
        response = http.get("/v2/incidents", params={param: value})
        assert response.status_code == 422
        assert response.json()["errors"][0]["source"] == {"field": param}


def test_status_category_filter_repeated_or_comma_separated() -> None:
    router, options = make()
    http = client(router)
    truth = incident_io.incident_universe("companya", options).visible(NOW)
    wanted = {"declined", "merged"}
    expected = [t["id"] for t in truth if t["incident_status"]["category"] in wanted]
    repeated = [("status_category[one_of]", "declined"), ("status_category[one_of]", "merged")]
    assert [g["id"] for g in fetch_all(http, repeated)] == expected
    comma = {"status_category[one_of]": "declined,merged"}
    assert [g["id"] for g in fetch_all(http, comma)] == expected and expected
    bad = http.get("/v2/incidents", params={"status_category[one_of]": "exploded"})
    assert bad.status_code == 422


def test_default_mode_filter_hides_test_and_tutorial_incidents() -> None:
    router, options = make()
    http = client(router)
    default = fetch_all(http, {"page_size": 250})
    assert {i["mode"] for i in default} == {"standard", "retrospective"}
    tests = fetch_all(http, {"mode[one_of]": "test"})
    assert tests and {i["mode"] for i in tests} == {"test"}
    every = [("mode[one_of]", m) for m in ("standard", "retrospective", "test", "tutorial")]
    everything = fetch_all(http, [*every, ("page_size", "250")])
    assert {i["mode"] for i in everything} == {"standard", "retrospective", "test", "tutorial"}
    universe = incident_io.incident_universe("companya", options)
    assert len(everything) == len(universe.visible_incidents(NOW, modes=incident_io.catalog.MODES))


def test_time_aware_state_and_nothing_after_now() -> None:
    clock = MovableClock(NOW)
    router, options = make(clock)
    http = client(router)
    universe = incident_io.incident_universe("companya", options)
    # An incident with a post-incident flow: seen mid-way, then after closing.
    now_ms = incident_io.to_ms(NOW)
    inc = next(
        i for i in universe.incidents
        if "documented" in i.timestamps and i.mode == "standard" and i.timestamps["closed"][0] < now_ms
    )  # fmt: skip
    clock.at = datetime.fromtimestamp((inc.timestamps["documented"][0] - 1000) / 1000, UTC)
    early = http.get(f"/v2/incidents/{inc.id}").json()["incident"]
    clock.at = NOW
    late = http.get(f"/v2/incidents/{inc.id}").json()["incident"]
    assert early["incident_status"]["category"] == "learning"
    assert late["incident_status"]["category"] == "closed"
    assert parse(early["updated_at"]) < parse(late["updated_at"]) <= NOW
    closed_name = universe.setup.timestamp_name("closed")
    values = {
        t["incident_timestamp"]["name"]: t["value"] for t in early["incident_timestamp_values"]
    }
    assert values[closed_name] is None
    # Nothing created after now is listed, nor fetchable.
    clock.at = datetime(2025, 6, 1, tzinfo=UTC)
    listed = fetch_all(http, {"page_size": 250})
    assert listed and max(parse(i["created_at"]) for i in listed) <= clock.at
    assert max(parse(i["updated_at"]) for i in listed) <= clock.at
    assert http.get(f"/v2/incidents/{inc.id}").status_code == 404
    # Every timestamp value shown is known by now.
    for item in listed:
        for ts in item["incident_timestamp_values"]:
            assert ts["value"] is None or parse(ts["value"]["value"]) <= clock.at


def test_same_seed_same_data_other_seed_other_data() -> None:
    a = _build.__wrapped__("companyb", SEED, 300).visible(NOW)
    b = _build.__wrapped__("companyb", SEED, 300).visible(NOW)
    c = _build.__wrapped__("companyb", SEED + 1, 300).visible(NOW)
    assert a == b
    assert [x["id"] for x in a] != [x["id"] for x in c]
    other_ws = _build.__wrapped__("companya", SEED, 300).visible(NOW)
    assert {x["id"] for x in a}.isdisjoint(x["id"] for x in other_ws)


@pytest.mark.parametrize("ws", registry.WORKSPACES, ids=lambda w: w.name)
def test_timestamp_names_follow_the_registry(ws: registry.Workspace) -> None:
    router, _ = make()
    items = client(router, ws.name).get("/v2/incidents", params={"page_size": 50}).json()
    names = {
        t["incident_timestamp"]["name"] for t in items["incidents"][0]["incident_timestamp_values"]
    }
    assert {ws.detected_timestamp, ws.resolved_timestamp, ws.closed_timestamp} <= names
    assert (ws.fixed_timestamp in names) if ws.fixed_timestamp else "Fixed at" not in names
    for item in items["incidents"]:
        lead = next(
            r for r in item["incident_role_assignments"] if r["role"]["role_type"] == "lead"
        )
        if "assignee" in lead:
            assert lead["assignee"]["email"].endswith(f"@{ws.name}.example")


def test_realistic_shapes_retrospective_offsets_and_missing_resolution() -> None:
    _, options = make()
    universe = incident_io.incident_universe("companya", options)
    items = universe.visible(NOW)
    setup = universe.setup
    names = {role: setup.timestamp_name(role) for role in ("detected", "resolved", "closed")}

    def value(item: dict, role: str) -> datetime | None:
        v = next(t["value"] for t in item["incident_timestamp_values"]
                 if t["incident_timestamp"]["name"] == names[role])  # fmt: skip
        return parse(v["value"]) if v else None

    retro = [i for i in items if i["mode"] == "retrospective"]
    assert retro and all(value(i, "detected") < parse(i["created_at"]) for i in retro)
    assert any(value(i, "resolved") is None and value(i, "closed") for i in items)
    assert {i["severity"]["id"] for i in items if "severity" in i} == set(SEVERITY_BY_ID)
    assert any("severity" not in i for i in items)
    stamps = [
        t["value"]["value"] for i in items for t in i["incident_timestamp_values"] if t["value"]
    ]
    assert any(re.search(r"[+-]\d\d:\d\d$", s) for s in stamps) and any(
        s.endswith("Z") for s in stamps
    )
    services = [v["value_catalog_entry"] for i in items for e in i["custom_field_entries"]
                if e["custom_field"]["name"] == "Affected services" for v in e["values"]]  # fmt: skip
    assert services and set(services[0]) >= {"id", "name", "external_id"}


def test_rate_limit_429_then_recovers_when_the_clock_moves() -> None:
    clock = MovableClock(NOW)
    router, _ = make(clock, incident_io_rate_limit_per_minute=3)
    http = client(router)
    for _ in range(3):
        assert http.get("/v2/incidents", params={"page_size": 1}).status_code == 200
    response = http.get("/v2/incidents")
    assert response.status_code == 429
    body = response.json()
    assert body["type"] == "too_many_requests" and body["errors"][0]["code"] == "too_many_requests"
    limit = body["rate_limit"]
    assert limit["limit"] == 3 and limit["remaining"] == 0 and limit["name"]
    assert re.fullmatch(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d UTC", limit["retry_after"])
    retry_at = parsedate_to_datetime(limit["retry_after"].replace("UTC", "GMT"))
    assert retry_at == NOW + timedelta(seconds=60)
    assert int(response.headers["Retry-After"]) == 60
    # Another workspace's key has its own budget.
    assert client(router, "companyb").get("/v2/incidents").status_code == 200
    clock.at = NOW + timedelta(seconds=59)
    assert http.get("/v2/incidents").status_code == 429
    clock.at = NOW + timedelta(seconds=60)
    assert http.get("/v2/incidents").status_code == 200


def test_over_real_loopback_http() -> None:
    router, options = make()
    server = serve(router)
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        headers = {"Authorization": f"Bearer {credentials.INCIDENT_IO_KEYS['companyb']}"}
        with httpx.Client(base_url=base, headers=headers, timeout=10) as http:
            body = http.get("/v2/incidents", params={"page_size": 5}).json()
            truth = incident_io.incident_universe("companyb", options).visible(NOW)[:5]
            assert body["incidents"] == truth
            assert http.get("/v2/incidents", params={"page_size": 300}).status_code == 422
    finally:
        server.shutdown()
        server.server_close()
