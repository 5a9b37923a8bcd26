"""A slow source never blocks another source's load, under the deployed instance's concurrency.

The production incident job runs every workspace's step in its own process (the multiprocess
executor), on an instance with deploy/dagster.production.yaml's concurrency settings (pools
limited to one step). companya's server drips; companyb and companyc are served by the
simulator. Before the writer lock, every ingestion step was in the `warehouse_writer` pool, so
the other workspaces' steps queued behind companya's fetch until its retry budget ran out; now
they fetch alongside it, take the writer lock only to merge, and finish while companya is still
waiting. companya then ends by itself with its one-line error.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
import yaml

from ops_metrics.pipeline import error_line
from ops_metrics.registry import WORKSPACES, workspace
from ops_metrics.settings import PROJECT_ROOT
from ops_metrics.simulators.app import SimulatorOptions, build_app, serve
from ops_metrics.simulators.clock import fixed_clock
from ops_metrics.simulators.credentials import INCIDENT_IO_KEYS
from ops_metrics.warehouse.duckdb import DuckDBWarehouse
from ops_metrics_tests.reliability._support import NOW, raw_tables
from ops_metrics_tests.reliability.hostile_server import HostileServer
from ops_metrics_tests.reliability.parallel_location import incident_job

PARTITION = "2026-03-02-00:00"
SLOW = workspace("companya")
OTHERS = [ws for ws in WORKSPACES if ws.name != SLOW.name]


def production_concurrency() -> dict[str, Any]:
    config = yaml.safe_load((PROJECT_ROOT / "deploy" / "dagster.production.yaml").read_text())
    return {"concurrency": {"pools": config["concurrency"]["pools"]}}


def step_events(instance: dg.DagsterInstance, run_id: str) -> dict[str, dict[str, Any]]:
    """Per step: when it started, succeeded or failed, its failure, and its writer-lock span."""
    steps: dict[str, dict[str, Any]] = {}
    for record in instance.get_records_for_run(run_id).records:
        event = record.event_log_entry
        step = steps.setdefault(event.step_key or "", {})
        message = event.user_message or ""
        for kind in ("taken", "released"):
            if f"warehouse writer lock {kind}" in message:
                step[f"lock_{kind}"] = event.timestamp
        if event.dagster_event is None:
            continue
        kind = event.dagster_event.event_type_value
        if kind in ("STEP_START", "STEP_SUCCESS", "STEP_FAILURE"):
            step[kind] = event.timestamp
        if kind == "STEP_FAILURE":
            step["error"] = error_line(event.dagster_event.step_failure_data.error)
    return steps


def step_of(ws: Any) -> str:
    return "__".join(ws.asset_key)


@pytest.mark.slow
def test_a_dripping_workspace_ends_by_itself_while_the_others_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("OPS_METRICS_DUCKDB_PATH", str(db))
    # The defaults' shape at a smaller scale: 10 s attempts, 40 s for all of a request's retries.
    monkeypatch.setenv("OPS_METRICS_HTTP_DEADLINE_SECONDS", "10")
    monkeypatch.setenv("OPS_METRICS_RETRY_BUDGET_SECONDS", "40")
    for ws in WORKSPACES:
        monkeypatch.setenv(ws.api_key_env, INCIDENT_IO_KEYS[ws.name])
    simulator = serve(build_app(SimulatorOptions(clock=fixed_clock(NOW))), port=0)
    try:
        for ws in OTHERS:
            monkeypatch.setenv(ws.base_url_env, f"http://127.0.0.1:{simulator.server_port}")
        with (
            HostileServer("drip", interval=0.5) as dripping,
            dg.instance_for_test(
                overrides=production_concurrency(), temp_dir=str(tmp_path)
            ) as instance,
        ):
            monkeypatch.setenv(SLOW.base_url_env, dripping.url)
            started = time.monotonic()
            result = dg.execute_job(
                dg.reconstructable(incident_job),
                instance=instance,
                tags={"dagster/partition": PARTITION},
                raise_on_error=False,
            )
            took = time.monotonic() - started
            assert dripping.dripping.is_set(), "companya never reached its server"
            steps = step_events(instance, result.run_id)
    finally:
        simulator.shutdown()

    slow = steps[step_of(SLOW)]
    assert not result.success
    assert slow["error"].startswith("incident_io/companya: GET /v2/incidents gave up after")
    assert (
        "the 40 s retry budget (OPS_METRICS_RETRY_BUDGET_SECONDS) spent; last: ReadTimeout"
        in (slow["error"])
    )
    assert slow["STEP_FAILURE"] - slow["STEP_START"] < 120
    assert took < 120, f"the run took {took:.0f} s"
    for ws in OTHERS:
        other = steps[step_of(ws)]
        assert "STEP_SUCCESS" in other, (ws.name, other)
        # Ran alongside the dripping step (a pool of one would have kept them apart), and
        # finished while it was still waiting on its server.
        assert other["STEP_START"] < slow["STEP_FAILURE"]
        assert slow["STEP_START"] < other["STEP_SUCCESS"] < slow["STEP_FAILURE"]
    # The two merges took the writer lock one after the other; companya never took it.
    spans = sorted(
        (s["lock_taken"], s["lock_released"]) for s in steps.values() if "lock_taken" in s
    )
    assert len(spans) == len(OTHERS)
    assert spans[0][1] <= spans[1][0]
    assert "lock_taken" not in slow

    warehouse = DuckDBWarehouse(path=str(db))
    tables = raw_tables(warehouse)
    assert SLOW.raw_table not in tables
    for ws in OTHERS:
        assert warehouse.query(f"select count(*) from raw.{ws.raw_table}")[0][0] > 0, ws.name
