"""Fast checks of how the dashboards asset sits in the code location."""

from datetime import UTC, datetime

import dagster as dg

from ops_metrics import settings
from ops_metrics.dashboards.data import MARTS
from ops_metrics.definitions import defs
from ops_metrics.pipeline import PipelineSteps


def test_dashboards_follow_the_marts_and_stay_out_of_the_writer_pool() -> None:
    graph = defs.resolve_asset_graph()
    node = graph.get(dg.AssetKey("dashboards"))
    assert {k.to_user_string() for k in node.parent_keys} == {f"marts/{m}" for m in MARTS}
    assert all(graph.has(k) for k in node.parent_keys), "every mart it reads is a dbt asset"
    assert node.automation_condition is not None
    assert settings.WAREHOUSE_POOL not in (node.pools or set())


def test_the_demo_ends_by_printing_the_dashboards_path() -> None:
    steps = PipelineSteps.from_definitions(now=datetime(2026, 3, 20, tzinfo=UTC), days=1)
    index = (settings.home() / "dashboards" / "index.html").resolve().as_uri()
    assert any(index in line for line in steps.closing_lines())
