"""DuckDB takes one writer process per file: the `warehouse_writer` pool keeps every writer
(ingestion assets and the dbt models alike) to one step at a time."""

import itertools
from pathlib import Path

import dagster as dg
import pytest

from ops_metrics.definitions import defs
from ops_metrics.settings import WAREHOUSE_POOL
from ops_metrics_tests.warehouse.pool_location import writers_job


def test_every_warehouse_writer_is_in_the_pool():
    graph = defs.resolve_asset_graph()
    writers = [
        k
        for k in graph.get_all_asset_keys()
        if graph.get(k).is_materializable and k != dg.AssetKey("dashboards")
    ]
    for key in writers:
        assert defs.resolve_assets_def(key).op.pool == WAREHOUSE_POOL, key
    # The dashboards only read; holding the slot would serialise it behind every load.
    dashboards = defs.resolve_assets_def(dg.AssetKey("dashboards"))
    assert dashboards.op.pool is None


@pytest.mark.slow
def test_writers_ready_at_once_still_run_one_at_a_time(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("OPS_METRICS_DUCKDB_PATH", str(tmp_path / "warehouse.duckdb"))
    overrides = {"concurrency": {"pools": {"default_limit": 1}}}
    with dg.instance_for_test(overrides=overrides, temp_dir=str(tmp_path)) as instance:
        result = dg.execute_job(
            dg.reconstructable(writers_job),
            instance=instance,
            tags={"dagster/partition": "2026-03-02-10:00"},
        )
        assert result.success
        spans = {}
        for record in instance.get_records_for_run(result.run_id).records:
            event = record.event_log_entry
            if event.dagster_event and event.dagster_event.step_key:
                kind = event.dagster_event.event_type_value
                if kind in ("STEP_START", "STEP_SUCCESS"):
                    spans.setdefault(event.dagster_event.step_key, {})[kind] = event.timestamp
    intervals = sorted((s["STEP_START"], s["STEP_SUCCESS"]) for s in spans.values())
    assert len(intervals) == 3
    for (_, end), (start, _) in itertools.pairwise(intervals):
        assert start >= end  # the next writer starts only after the previous one finished
