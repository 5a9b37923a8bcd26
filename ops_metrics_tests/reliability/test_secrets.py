"""API keys never leave the environment: a live run with distinctive keys against the simulator,
through a 401, retries and a success, leaves no trace of them in Dagster storage, logs,
exception texts or the warehouse, even when the server echoes the key it was sent."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import dagster as dg
import pytest
from dagster_shared.serdes import serialize_value

from ops_metrics.incident_io.assets import incident_assets
from ops_metrics.registry import WORKSPACES
from ops_metrics.simulators.app import SimulatorOptions, build_app, serve
from ops_metrics.simulators.clock import fixed_clock
from ops_metrics.simulators.credentials import INCIDENT_IO_KEYS
from ops_metrics.simulators.faults import FaultPlan
from ops_metrics.simulators.http import Handler, Request, Response
from ops_metrics.sources import SourcesResource
from ops_metrics.warehouse.io_manager import StageAndMergeIOManager
from ops_metrics_tests.reliability._support import NOW, materialize

# companya and companyc hold keys the gateway below accepts; companyb's is wrong (the 401 path).
KEYS = {
    "companya": "LEAKCHECK-a-5f1e9b2c7d84",
    "companyb": "LEAKCHECK-b-wrong-0c4a19e3",
    "companyc": "LEAKCHECK-c-7e2d66b0a1f5",
}


def key_gateway(request: Request, inner: Handler) -> Response:
    """A test-side proxy in front of the simulator: swaps the distinctive keys for the simulator's
    own, and on a 401 echoes the key it was sent, as some vendors do."""
    auth = request.header("authorization") or ""
    sent = auth.removeprefix("Bearer ")
    mapped = {KEYS[w]: INCIDENT_IO_KEYS[w] for w in ("companya", "companyc")}
    if sent in mapped:
        request.headers["authorization"] = f"Bearer {mapped[sent]}"
        return inner(request)
    response = inner(request)
    if response.status == 401:
        return Response.json({"error": f"Invalid API key: {sent}"}, 401)
    return response


def everything_stored(instance: dg.DagsterInstance, root: Path) -> str:
    texts = []
    for record in instance.get_run_records():
        texts.append(serialize_value(record.dagster_run))
        texts.extend(serialize_value(e) for e in instance.all_logs(record.dagster_run.run_id))
    for path in root.rglob("*"):
        if path.is_file():
            texts.append(path.read_bytes().decode("utf-8", errors="replace"))
    return "\n".join(texts)


def everything_in_the_warehouse(warehouse) -> str:
    tables = warehouse.query("select table_schema, table_name from information_schema.tables")
    return "\n".join(
        json.dumps(warehouse.query(f"select * from {schema}.{name}"), default=str)
        for schema, name in tables
    )


def test_live_keys_never_reach_storage_logs_errors_or_the_warehouse(
    warehouse, tmp_path, monkeypatch, caplog: pytest.LogCaptureFixture, capfd
) -> None:
    # Faults are drawn per request, so the seed is one whose draws hit this run's requests
    # (the retry path below must be taken).
    app = build_app(SimulatorOptions(clock=fixed_clock(NOW), faults=FaultPlan(rate=0.5, seed=9)))
    app.middleware.insert(0, key_gateway)
    server = serve(app, port=0)
    caplog.set_level(logging.DEBUG)
    root = tmp_path / "dagster_home"
    root.mkdir()
    try:
        for ws in WORKSPACES:
            monkeypatch.setenv(ws.api_key_env, KEYS[ws.name])
            monkeypatch.setenv(ws.base_url_env, f"http://127.0.0.1:{server.server_port}")
        resources = {
            "warehouse_io_manager": StageAndMergeIOManager(warehouse=warehouse),
            "sources": SourcesResource(
                mode="live", retry_base_delay_seconds=0.0, timeout_seconds=1.0
            ),
        }
        with dg.instance_for_test(temp_dir=str(root)) as instance:
            result = materialize(
                incident_assets, resources, instance, "2026-03-02-00:00", "2026-03-03-23:00"
            )
            stored = everything_stored(instance, root)
    finally:
        server.shutdown()
    assert not result.success
    [failure] = [e for e in result.all_events if e.is_step_failure]
    error = failure.step_failure_data.error.to_string()
    assert "401" in error and "check the API key" in error and "[redacted]" in error
    loaded = {e.asset_key.path[1] for e in result.get_asset_materialization_events()}
    assert loaded == {"companya", "companyc"}
    retries = [
        e.materialization.metadata["api_retries"].value
        for e in result.get_asset_materialization_events()
    ]
    assert sum(retries) > 0, "the retry path must have been taken"
    out, err = capfd.readouterr()
    haystacks = {
        "dagster storage": stored,
        "python logs": caplog.text,
        "stdout/stderr": out + err,
        "exception": error,
        "warehouse": everything_in_the_warehouse(warehouse),
    }
    for where, text in haystacks.items():
        for key in KEYS.values():
            assert key not in text, f"{key} leaked into {where}"
