"""Hostile sources at the transport: a live-mode run of an Incident.io workspace against a hostile
loopback server (hostile_server.py). Each case asserts what the user sees (one line naming the
cause) and what the warehouse holds (nothing from the failed partition, nothing moved forward).

Deadlines and budgets are set small on the resource so the suite is fast; what they bound is
measured, never waited for.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from ops_metrics.incident_io.assets import incident_assets
from ops_metrics.pipeline import error_line
from ops_metrics.registry import workspace
from ops_metrics.settings import PROJECT_ROOT, ConfigurationError
from ops_metrics.simulators.app import SimulatorOptions, build_app, serve
from ops_metrics.simulators.clock import fixed_clock
from ops_metrics.simulators.credentials import INCIDENT_IO_KEYS
from ops_metrics.sources import SourcesResource
from ops_metrics.warehouse.duckdb import DuckDBWarehouse
from ops_metrics.warehouse.io_manager import StageAndMergeIOManager
from ops_metrics_tests.conftest import FROZEN_AT
from ops_metrics_tests.reliability._support import NOW, materialize, raw_tables
from ops_metrics_tests.reliability.hostile_server import HostileServer

WS = workspace("companya")
[ASSET] = [a for a in incident_assets if a.key.path == WS.asset_key]
# Loaded first from the simulator: the day before the hostile partition.
BEFORE = ("2026-03-01-00:00", "2026-03-01-23:00")
NEXT = "2026-03-02-00:00"
# Small bounds, so each case takes seconds: what they bound is the point, not their size.
KNOBS: dict[str, Any] = {
    "request_deadline_seconds": 1.0,
    "retry_budget_seconds": 3.0,
    "retry_base_delay_seconds": 0.0,
    "max_body_bytes": 256 * 1024,
    "max_decoded_bytes": 1024 * 1024,
    "page_budget_per_day": 24 * 4,  # a partition's 1 h 15 min window: 5 pages
}


def live(monkeypatch: pytest.MonkeyPatch, url: str, key: str = INCIDENT_IO_KEYS["companya"]):
    monkeypatch.setenv(WS.api_key_env, key)
    monkeypatch.setenv(WS.base_url_env, url)


def run(
    warehouse: DuckDBWarehouse,
    instance: dg.DagsterInstance,
    first: str = NEXT,
    last: str | None = None,
    **knobs: Any,
):
    resources = {
        "warehouse_io_manager": StageAndMergeIOManager(warehouse=warehouse),
        "sources": SourcesResource(mode="live", **{**KNOBS, **knobs}),
    }
    return materialize([ASSET], resources, instance, first, last)


def failure_line(result: dg.ExecuteInProcessResult) -> str:
    """What the user reads (the demo prints it, pipeline.error_line): the innermost error
    under Dagster's wrapper, which must be our one line."""
    [failure] = [e for e in result.all_events if e.is_step_failure]
    error = failure.step_failure_data.error
    while error.cls_name.startswith("Dagster"):
        error = error.cause
    assert "\n" not in error.message.strip(), error.message
    return error_line(failure.step_failure_data.error)


def rows(warehouse: DuckDBWarehouse) -> list[tuple[Any, ...]]:
    if WS.raw_table not in raw_tables(warehouse):
        return []
    return warehouse.query(f"select id, updated_at, _run_id from raw.{WS.raw_table} order by 1")


@pytest.fixture
def loaded(warehouse, instance, monkeypatch) -> list[tuple[Any, ...]]:
    """The day before NEXT, loaded from the simulator on a loopback port: a watermark and rows
    that a hostile NEXT must leave exactly as they are."""
    server = serve(build_app(SimulatorOptions(clock=fixed_clock(NOW))), port=0)
    try:
        live(monkeypatch, f"http://127.0.0.1:{server.server_port}")
        assert run(warehouse, instance, *BEFORE).success
    finally:
        server.shutdown()
    before = rows(warehouse)
    assert before, "the simulator's day must hold incidents"
    return before


def assert_nothing_moved(instance: dg.DagsterInstance, warehouse, before, result) -> None:
    assert not result.get_asset_materialization_events()
    latest = instance.get_latest_materialization_event(dg.AssetKey(WS.asset_key))
    assert latest is not None and latest.run_id != result.run_id, "the watermark moved"
    assert rows(warehouse) == before


@pytest.mark.parametrize("behaviour", ["drip", "slowloris"])
def test_a_trickling_answer_ends_at_the_deadline(
    behaviour, warehouse, instance, monkeypatch, loaded
) -> None:
    """A body (drip) or a status line (slowloris) one byte at a time: each attempt ends at the
    total deadline, though no single read ever waits as long as the read timeout."""
    with HostileServer(behaviour, interval=0.05) as server:
        live(monkeypatch, server.url)
        started = time.monotonic()
        result = run(warehouse, instance, retry_max_attempts=2, retry_budget_seconds=60.0)
        took = time.monotonic() - started
    assert failure_line(result) == (
        "incident_io/companya: GET /v2/incidents failed after 2 attempts: "
        "ReadTimeout: no complete answer within 1 s (the per-request deadline)"
    )
    assert len(server.requests) == 2
    # Each attempt is held for the deadline (1 s), not the 30 s read timeout: measured at the
    # server, so Dagster's own overhead on a busy machine does not blur it.
    [gap] = server.gaps()
    assert 0.9 <= gap < 5, f"an attempt was held {gap:.1f} s"
    assert took < 60, f"took {took:.1f} s"
    assert_nothing_moved(instance, warehouse, loaded, result)


def test_retries_of_a_hanging_source_end_within_the_retry_budget(
    warehouse, instance, monkeypatch, loaded
) -> None:
    with HostileServer("drip", interval=0.05) as server:
        live(monkeypatch, server.url)
        started = time.monotonic()
        result = run(warehouse, instance, retry_max_attempts=100)
        took = time.monotonic() - started
    line = failure_line(result)
    assert line.startswith("incident_io/companya: GET /v2/incidents gave up after ")
    assert (
        "the 3 s retry budget (OPS_METRICS_RETRY_BUDGET_SECONDS) spent; last: ReadTimeout" in line
    )
    assert 2 <= len(server.requests) <= 4, "1 s attempts within a 3 s budget"
    assert all(0.9 <= gap < 5 for gap in server.gaps()), server.gaps()
    assert took < 60, f"a 3 s budget took {took:.1f} s"
    assert_nothing_moved(instance, warehouse, loaded, result)


def test_a_gzip_bomb_is_stopped_at_the_decoded_cap(warehouse, instance, monkeypatch, loaded):
    # 64 MiB of spaces gzip to ~64 KiB: under the wire cap, far over the decoded one.
    with HostileServer("gzip_bomb", bomb_bytes=64 * 1024 * 1024) as server:
        live(monkeypatch, server.url)
        result = run(warehouse, instance)
    line = failure_line(result)
    assert line == (
        "incident_io/companya: GET /v2/incidents: answer decompresses to over the 1 MiB cap on a "
        "decoded body (OPS_METRICS_HTTP_MAX_DECODED_BYTES)"
    )
    assert len(server.requests) == 1, "a body too large is not asked for again"
    assert_nothing_moved(instance, warehouse, loaded, result)


def test_a_body_over_the_wire_cap_is_stopped_while_reading(warehouse, instance, monkeypatch):
    with HostileServer("big", bomb_bytes=4 * 1024 * 1024) as server:
        live(monkeypatch, server.url)
        result = run(warehouse, instance)
    assert failure_line(result) == (
        "incident_io/companya: GET /v2/incidents: answer is over the 262144 bytes cap on a body "
        "(OPS_METRICS_HTTP_MAX_BODY_BYTES)"
    )
    assert rows(warehouse) == []


def test_a_redirect_is_an_error_never_followed_never_data(
    warehouse, instance, monkeypatch, loaded
) -> None:
    # The redirect points at another origin that records whatever reaches it: nothing may.
    elsewhere = HostileServer("endless")
    with elsewhere, HostileServer("redirect", location=f"{elsewhere.url}/steal?x=1") as server:
        live(monkeypatch, server.url)
        result = run(warehouse, instance)
    assert failure_line(result) == (
        f"incident_io/companya: GET /v2/incidents answered 302, redirected to {elsewhere.url}; "
        "redirects are not followed"
    )
    assert elsewhere.requests == [], "the redirect was followed"
    assert len(server.requests) == 1
    assert_nothing_moved(instance, warehouse, loaded, result)


def test_an_endless_cursor_stops_at_the_page_budget(warehouse, instance, monkeypatch, loaded):
    with HostileServer("endless") as server:
        live(monkeypatch, server.url)
        result = run(warehouse, instance)
    assert failure_line(result) == (
        "incident_io/companya: GET /v2/incidents still had a next page after 5 pages, the page "
        "budget for this window (OPS_METRICS_PAGE_BUDGET_PER_DAY); the API's cursor does not end"
    )
    assert len(server.requests) == 5
    assert_nothing_moved(instance, warehouse, loaded, result)


def test_pages_each_just_inside_the_deadline_stop_at_the_fetch_budget(
    warehouse, instance, monkeypatch, loaded
) -> None:
    """Every page answered in 0.6 s, inside the 1 s deadline, and a cursor that never ends: with
    the page budget out of reach, only the partition's fetch budget (2.5 s here) ends the run,
    where pages x deadline would have held it for as long as the server liked."""
    with HostileServer("slow_pages", interval=0.6) as server:
        live(monkeypatch, server.url)
        result = run(warehouse, instance, page_budget_per_day=24 * 10_000, fetch_budget_seconds=2.5)
    line = failure_line(result)
    match = re.fullmatch(
        r"incident_io/companya: GET /v2/incidents stopped after (\d+) requests: the fetch spent "
        r"the 2\.5 s fetch budget of a partition \(OPS_METRICS_FETCH_BUDGET_SECONDS\); the "
        r"source answers too slowly",
        line,
    )
    assert match, line
    # Several full pages were read (not the deadline or the page budget ending it), and the
    # last request began inside the budget: nothing was asked for once it was spent.
    assert int(match[1]) == len(server.requests) >= 3
    assert server.requests[-1]["at"] - server.requests[0]["at"] < 2.5
    assert_nothing_moved(instance, warehouse, loaded, result)


def test_the_fetch_budget_scales_with_the_partitions_of_a_run(monkeypatch) -> None:
    monkeypatch.delenv("OPS_METRICS_FETCH_BUDGET_SECONDS", raising=False)
    assert SourcesResource().fetch_budget().seconds == 100
    monkeypatch.setenv("OPS_METRICS_FETCH_BUDGET_SECONDS", "30")
    budget = SourcesResource().fetch_budget(24)
    assert budget.seconds == 720
    assert budget.describe() == (
        "the 720 s fetch budget of its 24 partitions (30 s each, OPS_METRICS_FETCH_BUDGET_SECONDS)"
    )
    monkeypatch.setenv("OPS_METRICS_FETCH_BUDGET_SECONDS", "0")
    with pytest.raises(ConfigurationError, match="OPS_METRICS_FETCH_BUDGET_SECONDS must be a"):
        SourcesResource().fetch_budget()


@pytest.mark.slow
def test_a_dripping_source_ends_by_itself_while_another_workspace_loads(tmp_path: Path) -> None:
    """Two processes on one DuckDB file: companya's run drips (its own process, the defaults'
    shape at a smaller scale) while companyb's loads and merges. The fetch holds no warehouse
    lock, so companyb finishes while companya is still waiting; companya then ends by itself
    when its retry budget is spent (10 s attempts, 40 s in all), well inside two minutes."""
    db = tmp_path / "warehouse.duckdb"
    with HostileServer("drip", interval=0.5) as server:
        env = {
            **os.environ,
            WS.api_key_env: INCIDENT_IO_KEYS["companya"],
            WS.base_url_env: server.url,
            "OPS_METRICS_HTTP_DEADLINE_SECONDS": "10",
            "OPS_METRICS_RETRY_BUDGET_SECONDS": "40",
            "PYTHONWARNINGS": "ignore",
        }
        started = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, "-m", "ops_metrics_tests.reliability._run_live", str(db), NEXT],
            cwd=PROJECT_ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            assert server.dripping.wait(timeout=90), "companya never reached the server"
            warehouse = DuckDBWarehouse(path=str(db))
            other = [a for a in incident_assets if a.key.path == workspace("companyb").asset_key]
            with dg.DagsterInstance.ephemeral() as instance:
                result = materialize(
                    other,
                    {
                        "warehouse_io_manager": StageAndMergeIOManager(warehouse=warehouse),
                        "sources": SourcesResource(simulator_frozen_at=FROZEN_AT),
                    },
                    instance,
                    NEXT,
                )
            assert result.success
            assert proc.poll() is None, "companya ended before companyb loaded: no overlap shown"
            assert server.dripping.is_set()
            output, _ = proc.communicate(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
        took = time.monotonic() - started
    assert proc.returncode == 1
    [line] = [x for x in output.splitlines() if x.startswith("RUN FAILURE")]
    assert line.startswith("RUN FAILURE: incident_io/companya: GET /v2/incidents gave up after")
    assert (
        "the 40 s retry budget (OPS_METRICS_RETRY_BUDGET_SECONDS) spent; last: ReadTimeout" in line
    )
    assert took < 120, f"companya's run took {took:.0f} s"
    tables = raw_tables(warehouse)
    assert "incident_io__companyb__incidents" in tables
    assert warehouse.query("select count(*) from raw.incident_io__companyb__incidents")[0][0] > 0
    assert WS.raw_table not in tables
