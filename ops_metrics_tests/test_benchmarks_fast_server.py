"""The benchmark's fast server: pages as the real API pages them, the same bytes over HTTP and in
memory, and the product's own extractor reading every incident exactly once. Also the profile
breakdown's sorting of py-spy stacks. No timing is asserted."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from benchmarks.fast_server import (
    API_KEY,
    MONTH_END,
    MONTH_START,
    PAGE_SIZE,
    Pages,
    PageTransport,
    build_pages,
    serve,
)
from benchmarks.profile_breakdown import (
    DAGSTER,
    DAGSTER_EVENTS,
    HTTP,
    JSON_PARSE,
    MERGE,
    ROWS,
    STAGING,
    STARTUP,
    VALIDATION,
    WAITING,
    _stage_lines,
    breakdown,
    categorise,
)
from ops_metrics.incident_io.extractor import IncidentExtractor
from ops_metrics.incident_io.models import Incident
from ops_metrics.ingestion.extractor import Window
from ops_metrics.ingestion.transformer import DataTransformer

INCIDENTS = 2 * PAGE_SIZE + 17  # three pages, the last one short
AUTH = {"Authorization": f"Bearer {API_KEY}"}


@pytest.fixture(scope="module")
def pages() -> Pages:
    return build_pages(INCIDENTS)


@pytest.fixture(scope="module")
def base_url(pages: Pages) -> Iterator[str]:
    server = serve(pages)
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def _all_pages(client: httpx.Client) -> list[dict]:
    bodies, params = [], {"page_size": PAGE_SIZE}
    while True:
        response = client.get("/v2/incidents", params=params)
        assert response.status_code == 200, response.text
        bodies.append(response.json())
        after = bodies[-1]["pagination_meta"].get("after")
        if after is None:
            return bodies
        params["after"] = after


def test_pages_follow_the_after_cursor_over_http_and_in_memory(pages: Pages, base_url: str) -> None:
    with httpx.Client(base_url=base_url, headers=AUTH) as http:
        served = _all_pages(http)
    with httpx.Client(
        base_url="http://memory", headers=AUTH, transport=PageTransport(pages)
    ) as mem:
        assert _all_pages(mem) == served
    assert [len(b["incidents"]) for b in served] == [PAGE_SIZE, PAGE_SIZE, 17]
    assert "after" not in served[-1]["pagination_meta"]  # omitted on the last page, as the API does
    ids = [i["id"] for b in served for i in b["incidents"]]
    assert len(set(ids)) == INCIDENTS
    for body in served[:-1]:
        assert body["pagination_meta"]["after"] == body["incidents"][-1]["id"]
    updated = [datetime.fromisoformat(i["updated_at"]) for b in served for i in b["incidents"]]
    assert all(MONTH_START <= u < MONTH_END for u in updated)
    created = [datetime.fromisoformat(i["created_at"]) for b in served for i in b["incidents"]]
    assert created == sorted(created, reverse=True)  # newest first, the API's order


def test_pages_are_real_shaped_incidents(pages: Pages) -> None:
    body = json.loads(pages.bodies[0])
    transformer = DataTransformer("incident_io/companya", Incident)
    for record in body["incidents"]:
        assert transformer.validate(record) is not None
    assert not transformer.finish().has_drift


def test_the_product_extractor_reads_every_incident_once(base_url: str) -> None:
    client = httpx.Client(base_url=base_url, headers=AUTH)
    extractor = IncidentExtractor("incident_io/companya", client, log=logging.getLogger("test"))
    with client:
        window = Window(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC))
        ids = [r["id"] for batch in extractor.batches(window, 100) for r in batch]
    assert len(ids) == len(set(ids)) == INCIDENTS


@pytest.mark.parametrize(
    ("headers", "params", "status"),
    [
        ({}, {"page_size": PAGE_SIZE}, 401),
        (AUTH, {"page_size": 25}, 422),  # pages were rendered at 250: refuse, never mis-serve
        (AUTH, {"page_size": PAGE_SIZE, "after": "01NOSUCHINCIDENT"}, 422),
    ],
)
def test_refusals(base_url: str, headers: dict, params: dict, status: int) -> None:
    response = httpx.get(f"{base_url}/v2/incidents", params=params, headers=headers)
    assert response.status_code == status
    assert response.json()["errors"][0]["message"]


def _frame(func: str, file: str, line: int = 1) -> str:
    return f"{func} ({file}:{line})"


def test_profile_stacks_sort_into_ingestion_stages() -> None:
    main = [_frame("<module>", "dagster/__main__.py"), _frame("execute", "dagster/_core/x.py")]
    staging_line = _stage_lines()[0] + 1
    cases = {
        JSON_PARSE: [_frame("json", "httpx/_models.py"), _frame("raw_decode", "json/decoder.py")],
        HTTP: [_frame("paginate", "ops_metrics/ingestion/api_extractor.py"), _frame("_recv", "h11/_connection.py")],
        ROWS: [_frame("incident_row", "ops_metrics/incident_io/rows.py"), _frame("dumps", "json/__init__.py"), _frame("encode", "json/encoder.py")],
        STAGING: [_frame("DuckDBWarehouse.merge", "ops_metrics/warehouse/base.py", staging_line)],
        MERGE: [_frame("DuckDBWarehouse.merge", "ops_metrics/warehouse/base.py", 1)],
        DAGSTER: [_frame("merge", "ops_metrics/warehouse/base.py", staging_line), _frame("info", "dagster/_core/log_manager.py")],
        DAGSTER_EVENTS: [_frame("SqliteEventLogStorage.store_event", "dagster/_core/storage/sqlite.py")],
        WAITING: [_frame("prefetched.<locals>.put", "ops_metrics/ingestion/prefetch.py"), _frame("Condition.wait", "threading.py")],
        STARTUP: [_frame("_find_and_load", "<frozen importlib._bootstrap>"), _frame("<module>", "pydantic/main.py")],
    }  # fmt: skip
    for expected, leaf in cases.items():
        assert categorise(main + leaf) == expected, leaf
    # Issue 19: parse and payload text in pydantic-core, below json_fast's Python frames.
    fast = {
        JSON_PARSE: [_frame("_parse", "ops_metrics/ingestion/api_extractor.py"), _frame("loads", "ops_metrics/ingestion/json_fast.py")],
        VALIDATION: [_frame("DataTransformer.validate", "ops_metrics/ingestion/transformer.py"), _frame("record_json", "ops_metrics/ingestion/values.py"), _frame("compact", "ops_metrics/ingestion/json_fast.py")],
    }  # fmt: skip
    for expected, leaf in fast.items():
        assert categorise(main + leaf) == expected, leaf
    cli = 'process 1:"python -m dagster asset materialize";'
    step = 'process 1:"python -m dagster";process 2:"python -c a; b";'  # ";" inside a command
    stacks = "\n".join([cli + ";".join(main + cases[ROWS]) + " 250", step + ";".join(main) + " 50"])
    result = breakdown(stacks)
    assert result["samples"] == 300
    assert result["seconds"][ROWS] == 2.5 and result["seconds"][DAGSTER] == 0.5
