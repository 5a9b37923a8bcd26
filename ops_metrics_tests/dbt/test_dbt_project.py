"""Fast checks of the dbt project's wiring: registry consistency and Dagster lineage."""

from __future__ import annotations

import re

import dagster as dg
import yaml

from ops_metrics import registry, settings
from ops_metrics.dbt.definitions import defs
from ops_metrics.dbt.translator import FRESHNESS_BY_DOMAIN

MODELS = settings.DBT_PROJECT_DIR / "models"


def _dbt_vars() -> dict:
    return yaml.safe_load((settings.DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"]


def test_dbt_instance_lists_match_registry() -> None:
    dbt_vars = _dbt_vars()
    assert dbt_vars["incident_io_workspaces"] == [ws.name for ws in registry.WORKSPACES]
    assert dbt_vars["ai_tools"] == [tool.name for tool in registry.TOOLS]


def test_staging_models_document_each_workspace_quirk() -> None:
    for ws in registry.WORKSPACES:
        sql = (
            MODELS / "staging/incident_io" / f"stg_incident_io__{ws.name}__incidents.sql"
        ).read_text()
        assert f"detected_timestamp='{ws.detected_timestamp}'" in sql
        fixed = f"'{ws.fixed_timestamp}'" if ws.fixed_timestamp else "none"
        assert f"fixed_timestamp={fixed}" in sql
    for tool in registry.TOOLS:
        assert (
            MODELS / "staging/ai_tools" / f"stg_ai_tools__{tool.name}__daily_usage.sql"
        ).exists()


def test_every_ingestion_asset_feeds_its_staging_model_and_the_marts() -> None:
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    sources = [
        (ws.asset_key, f"stg_incident_io__{ws.name}__incidents", "fct_ops__incidents")
        for ws in registry.WORKSPACES
    ]
    sources += [
        (
            t.asset_key,
            f"stg_ai_tools__{t.name}__daily_usage",
            "fct_ai_telemetry__weekly_eng_ai_tokens",
        )
        for t in registry.TOOLS
    ]
    for asset_key, staging, mart in sources:
        key = dg.AssetKey(asset_key)
        assert key.to_user_string() in keys
        children = {child.path[-1] for child in graph.get(key).child_keys}
        # And the load log's staging model, so the coverage models rebuild after every load.
        assert children == {staging, "stg_ingestion__loads"}, f"{key} feeds {children}"
        downstream = {k.path[-1] for k in dg.AssetSelection.assets(key).downstream().resolve(graph)}
        assert mart in downstream
    # No dbt source is left under a default [source_name, table] key.
    assert not any(k.startswith(("incident_io__", "ai_tools__")) for k in keys)


def test_layers_groups_freshness_and_automation() -> None:
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        layer = key.path[0]
        if layer not in ("staging", "intermediate", "marts"):
            continue
        assert node.group_name == f"dbt_{layer}"
        assert node.automation_condition is not None
        if layer == "marts":
            # Ingestion coverage marts serve both domains and keep the hourly (ops) promise.
            domain = "ai_telemetry" if re.search(r"_ai_telemetry__", key.path[-1]) else "ops"
            assert node.freshness_policy == FRESHNESS_BY_DOMAIN[domain]
        else:
            assert node.freshness_policy is None
