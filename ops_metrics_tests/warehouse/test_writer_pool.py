"""DuckDB takes one writer process per file. Ingestion steps are in no pool (they fetch in
parallel); the writer lock (warehouse/writer_lock.py) keeps their stage-and-merges, and the dbt
build, to one at a time. Only the dbt build stays in the `warehouse_writer` pool."""

import itertools
from pathlib import Path

import dagster as dg
import pytest

from ops_metrics.definitions import defs
from ops_metrics.settings import WAREHOUSE_POOL
from ops_metrics_tests.warehouse.pool_location import writers_job


def test_only_the_dbt_build_is_in_the_pool():
    graph = defs.resolve_asset_graph()
    writers = [
        k
        for k in graph.get_all_asset_keys()
        if graph.get(k).is_materializable and k != dg.AssetKey("dashboards")
    ]
    ingestion = [k for k in writers if k.path[0] in ("incident_io", "ai_tools")]
    dbt_models = [k for k in writers if k not in ingestion]
    assert ingestion and dbt_models
    # A pool slot lasts the whole step, fetch included: ingestion takes the writer lock instead.
    for key in ingestion:
        assert defs.resolve_assets_def(key).op.pool is None, key
    # Two dbt builds would share the project's target/ directory.
    for key in dbt_models:
        assert defs.resolve_assets_def(key).op.pool == WAREHOUSE_POOL, key
    # The dashboards only read; holding the slot would serialise it behind every load.
    dashboards = defs.resolve_assets_def(dg.AssetKey("dashboards"))
    assert dashboards.op.pool is None


@pytest.mark.slow
def test_writers_ready_at_once_still_write_one_at_a_time(tmp_path: Path, monkeypatch):
    """Three workspace steps in one multiprocess run, all ready at once and in no pool: their
    writer-lock spans (taken .. released, from each step's log) never overlap."""
    monkeypatch.setenv("OPS_METRICS_DUCKDB_PATH", str(tmp_path / "warehouse.duckdb"))
    overrides = {"concurrency": {"pools": {"default_limit": 1}}}
    with dg.instance_for_test(overrides=overrides, temp_dir=str(tmp_path)) as instance:
        result = dg.execute_job(
            dg.reconstructable(writers_job),
            instance=instance,
            tags={"dagster/partition": "2026-03-02-10:00"},
        )
        assert result.success
        spans: dict[str, dict[str, float]] = {}
        for record in instance.get_records_for_run(result.run_id).records:
            event = record.event_log_entry
            message = event.user_message or ""
            for kind in ("taken", "released"):
                if f"warehouse writer lock {kind}" in message:
                    spans.setdefault(event.step_key or "", {})[kind] = event.timestamp
    intervals = sorted((s["taken"], s["released"]) for s in spans.values())
    assert len(intervals) == 3, spans
    for (_, end), (start, _) in itertools.pairwise(intervals):
        assert start >= end  # the next writer takes the file only after the previous let go
