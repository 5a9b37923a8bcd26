"""The load log: every successful load of a partition window leaves one row in
raw.ingestion_loads (the dashboards' coverage comes from it); a failed load leaves none."""

from datetime import datetime

import dagster as dg

from ops_metrics.ai_tools.assets import tool_assets
from ops_metrics.incident_io.assets import incident_assets
from ops_metrics.sources import SourcesResource
from ops_metrics.warehouse.table import LOAD_LOG

QUIET = {"loggers": {"console": {"config": {"log_level": "ERROR"}}}}
RANGE_START = "dagster/asset_partition_range_start"
RANGE_END = "dagster/asset_partition_range_end"


def _log(warehouse) -> list[tuple]:
    return warehouse.query(
        f"select source, family, window_start, window_end, rows_staged, _run_id "
        f"from {LOAD_LOG.qualified} order by source, window_start"
    )


def test_a_backfill_logs_its_whole_window_once_per_source(resources, instance, warehouse):
    result = dg.materialize(
        incident_assets,
        resources=resources,
        instance=instance,
        tags={RANGE_START: "2026-03-10-00:00", RANGE_END: "2026-03-12-05:00"},
        run_config=QUIET,
    )
    assert result.success
    rows = _log(warehouse)
    assert [(r[0], r[1], r[2], r[3]) for r in rows] == [
        (
            f"incident_io/{ws}/incidents",
            "incident_io",
            datetime(2026, 3, 10, 0, 0),
            datetime(2026, 3, 12, 6, 0),
        )
        for ws in ("companya", "companyb", "companyc")
    ]
    staged = {
        m.materialization.asset_key.to_user_string(): m.materialization.metadata["rows_staged"]
        for m in result.get_asset_materialization_events()
    }
    assert {r[0]: r[4] for r in rows} == {k: v.value for k, v in staged.items()}
    assert {r[5] for r in rows} == {result.run_id}


def test_a_reload_of_the_same_window_is_one_row_and_a_new_window_another(
    resources, instance, warehouse
):
    amp = [a for a in tool_assets if "amp" in a.key.path]
    for key in ("2026-03-10", "2026-03-10", "2026-03-12"):
        result = dg.materialize(
            amp,
            resources=resources,
            instance=instance,
            partition_key=key,
            run_config=QUIET,
        )
        assert result.success
    assert [(r[0], r[2], r[3]) for r in _log(warehouse)] == [
        ("ai_tools/amp/daily_usage", datetime(2026, 3, 10), datetime(2026, 3, 11)),
        ("ai_tools/amp/daily_usage", datetime(2026, 3, 12), datetime(2026, 3, 13)),
    ]


def test_a_failed_load_logs_nothing(resources, instance, warehouse, monkeypatch):
    # Live mode without the workspace's key: the asset fails before anything is merged.
    monkeypatch.delenv("INCIDENT_IO_COMPANYA_API_KEY", raising=False)
    live = {**resources, "sources": SourcesResource(mode="live")}
    companya = [a for a in incident_assets if "companya" in a.key.path]
    result = dg.materialize(
        companya,
        resources=live,
        instance=instance,
        partition_key="2026-03-10-00:00",
        run_config=QUIET,
        raise_on_error=False,
    )
    assert not result.success
    tables = warehouse.query(
        "select count(*) from information_schema.tables "
        f"where table_schema = '{LOAD_LOG.schema}' and table_name = '{LOAD_LOG.name}'"
    )
    assert tables == [(0,)] or _log(warehouse) == []
