"""All dbt models as one Dagster multi-asset; dbt tests run as its asset checks."""
# No `from __future__ import annotations`: Dagster inspects the real `context` annotation.

from collections.abc import Iterator
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, build_dbt_asset_selection, dbt_assets

from ops_metrics import settings
from ops_metrics.dbt.project import ensure_manifest, export_dbt_env, ops_metrics_dbt_project
from ops_metrics.dbt.translator import OpsMetricsDbtTranslator


@dbt_assets(
    manifest=ensure_manifest(),
    project=ops_metrics_dbt_project,
    dagster_dbt_translator=OpsMetricsDbtTranslator(),
    # Same pool as every warehouse writer: DuckDB takes one writer process per file.
    pool=settings.WAREHOUSE_POOL,
)
def ops_metrics_dbt_assets(context: dg.AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
    # `build` (not `run`) so each model's tests run right after it, as asset checks.
    export_dbt_env()
    yield from dbt.cli(["build"], context=context).stream()


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=ops_metrics_dbt_project, target=settings.dbt_target())


def dbt_incident_models_selection() -> dg.AssetSelection:
    """dbt models fed by Incident.io (tag `ops`), for the hourly incident job."""
    return build_dbt_asset_selection([ops_metrics_dbt_assets], dbt_select="tag:ops")


def dbt_ai_models_selection() -> dg.AssetSelection:
    """dbt models fed by the AI tools (tag `ai_telemetry`), for the daily 14:30 UTC job."""
    return build_dbt_asset_selection([ops_metrics_dbt_assets], dbt_select="tag:ai_telemetry")
