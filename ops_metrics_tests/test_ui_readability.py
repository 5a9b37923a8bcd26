"""The Dagster UI at a glance: nodes that share a last key part ("daily_usage" seven times,
"incidents" three times) still say which source they are, nothing sits in the "default" group,
and the one warning expected on real data says so."""

from collections import defaultdict

import dagster as dg

from ops_metrics.definitions import defs
from ops_metrics.registry import TOOLS, WORKSPACES


def test_ingestion_nodes_say_which_source_they_are() -> None:
    graph = defs.resolve_asset_graph()
    sources = [(ws.name, ws.asset_key) for ws in WORKSPACES] + [
        (tool.name, tool.asset_key) for tool in TOOLS
    ]
    openings: dict[str, set[str]] = defaultdict(set)
    for name, key in sources:
        node = graph.get(dg.AssetKey(key))
        description = node.description or ""
        # The graph shows the description's first words under the node's name.
        assert name in description.split(":")[0], (key, description)
        assert node.owners, key
        assert len(node.kinds) >= 2, (key, node.kinds)
        openings[key[-1]].add(description[:40])
    assert {k: len(v) for k, v in openings.items()} == {
        "incidents": len(WORKSPACES),
        "daily_usage": len(TOOLS),
    }


def test_no_asset_is_left_in_the_default_group() -> None:
    graph = defs.resolve_asset_graph()
    groups = {
        key.path[-1]: graph.get(key).group_name
        for key in graph.get_all_asset_keys()
        if graph.get(key).is_materializable
    }
    assert "default" not in set(groups.values()), sorted(
        k for k, g in groups.items() if g == "default"
    )
    assert groups["slo_definitions"] == groups["slo_excluded_windows"] == "dbt_seeds"


def test_the_expected_warning_says_it_is_expected() -> None:
    checks = {
        spec.key.name: spec
        for assets_def in defs.assets or []
        if isinstance(assets_def, dg.AssetsDefinition)
        for spec in assets_def.check_specs
    }
    negative = checks["assert_negative_incident_durations_counted"]
    assert not negative.blocking
    assert "Expected to warn on real data" in (negative.description or "")


def test_the_load_log_is_a_described_node_feeding_the_coverage_models() -> None:
    graph = defs.resolve_asset_graph()
    log = dg.AssetKey(["raw", "ingestion_loads"])
    assert "Load log" in (graph.get(log).description or "")
    staging = dg.AssetKey(["staging", "stg_ingestion__loads"])
    parents = graph.get(staging).parent_keys
    assert log in parents
    # Every ingestion asset is a parent too, so the coverage models rebuild after any load.
    assert {dg.AssetKey(ws.asset_key) for ws in WORKSPACES} <= parents
    assert {dg.AssetKey(t.asset_key) for t in TOOLS} <= parents
