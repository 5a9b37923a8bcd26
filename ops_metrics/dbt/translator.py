"""How dbt resources become Dagster assets: source keys from the registry, groups by layer,
freshness policies on marts and declarative automation on models."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtProject

from ops_metrics import registry

# Raw table name -> ingestion asset key. Derived from the registry, so lineage from
# incident_io/<workspace>/incidents and ai_tools/<tool>/daily_usage cannot drift from ingestion.
INGESTION_KEYS: dict[str, dg.AssetKey] = {
    **{ws.raw_table: dg.AssetKey(ws.asset_key) for ws in registry.WORKSPACES},
    **{tool.raw_table: dg.AssetKey(tool.asset_key) for tool in registry.TOOLS},
}

# The load log every ingestion asset appends to (through the stage-and-merge IO manager): a dbt
# source, so coverage is visible to dbt; in Dagster an external asset, since no single asset
# owns it. The coverage models also depend on every ingestion asset, so they rebuild after loads.
LOAD_LOG_TABLE = "ingestion_loads"
LOAD_LOG_ASSET = dg.AssetSpec(
    ["raw", LOAD_LOG_TABLE],
    description=(
        "Load log: one row per successful load of a source's partition window, written by the "
        "stage-and-merge IO manager after each merge. The dbt coverage marts "
        "(fct_ingestion__source_coverage, fct_ingestion__weekly_coverage) read it."
    ),
    group_name="ingestion",
    kinds={"table"},
)

# Each family's marts carry its registry freshness promise, keyed by its dbt tag (hourly first).
FRESHNESS_BY_DOMAIN: dict[str, dg.FreshnessPolicy] = {
    cadence.dbt_tag: dg.FreshnessPolicy.time_window(
        fail_window=cadence.mart_freshness[1], warn_window=cadence.mart_freshness[0]
    )
    for cadence in registry.CADENCES.values()
}

# Rebuild a model when its parents update, but never start a second dbt run while one is in
# progress (concurrent dbt runs collide on temp tables; DuckDB has one writer anyway).
# eager() also waits until no dependency is missing. The raw ingestion assets are partitioned
# back to 2025, so some partition of them is always missing and the models would never build:
# judge missing-ness on the dbt parents only (a model still waits for a sibling never built).
MODEL_AUTOMATION = (
    dg.AutomationCondition.eager().replace(
        "any_deps_missing",
        dg.AutomationCondition.any_deps_missing().ignore(
            dg.AssetSelection.assets(*INGESTION_KEYS.values(), LOAD_LOG_ASSET.key)
        ),
    )
    & ~dg.AutomationCondition.in_progress()
)


class OpsMetricsDbtTranslator(DagsterDbtTranslator):
    def __init__(self) -> None:
        super().__init__(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            table = dbt_resource_props.get("identifier") or dbt_resource_props["name"]
            if table == LOAD_LOG_TABLE:
                return LOAD_LOG_ASSET.key
            if table not in INGESTION_KEYS:
                # Fail at load time: a source nobody ingests would silently break lineage.
                raise dg.DagsterInvalidDefinitionError(
                    f"dbt source {dbt_resource_props['unique_id']} reads raw.{table}, which no "
                    "entry of ops_metrics.registry produces"
                )
            return INGESTION_KEYS[table]
        return super().get_asset_key(dbt_resource_props)

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        # fqn is [project, layer, ...]: staging / intermediate / marts.
        fqn = dbt_resource_props.get("fqn") or []
        if dbt_resource_props["resource_type"] == "model" and len(fqn) > 2:
            return f"dbt_{fqn[1]}"
        if dbt_resource_props["resource_type"] == "seed":
            # Reference data kept in git (SLO targets, planned windows), not Dagster's "default".
            return "dbt_seeds"
        return super().get_group_name(dbt_resource_props)

    def get_automation_condition(
        self, dbt_resource_props: Mapping[str, Any]
    ) -> dg.AutomationCondition | None:
        if dbt_resource_props["resource_type"] == "model":
            return MODEL_AUTOMATION
        return None

    def get_asset_spec(
        self, manifest: Mapping[str, Any], unique_id: str, project: DbtProject | None
    ) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        policy = mart_freshness_policy(props)
        return spec.replace_attributes(freshness_policy=policy) if policy else spec


def mart_freshness_policy(dbt_resource_props: Mapping[str, Any]) -> dg.FreshnessPolicy | None:
    """Marts carry the freshness promise of their domain (tagged in dbt_project.yml)."""
    fqn = dbt_resource_props.get("fqn") or []
    if dbt_resource_props["resource_type"] != "model" or len(fqn) < 2 or fqn[1] != "marts":
        return None
    # A mart of both domains (the ingestion coverage marts) keeps the stricter, hourly promise:
    # FRESHNESS_BY_DOMAIN lists it first.
    tags = set(dbt_resource_props.get("tags", []))
    for tag, policy in FRESHNESS_BY_DOMAIN.items():
        if tag in tags:
            return policy
    return None
