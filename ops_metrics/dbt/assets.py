"""All dbt models as one Dagster multi-asset; dbt tests run as its asset checks."""
# No `from __future__ import annotations`: Dagster inspects the real `context` annotation.

import json
import shutil
from collections.abc import Iterator
from typing import Any

import dagster as dg
from dagster_dbt import DbtCliResource, build_dbt_asset_selection, dbt_assets
from pydantic import Field, field_validator

from ops_metrics import settings
from ops_metrics.dbt.project import ensure_manifest, export_dbt_env, ops_metrics_dbt_project
from ops_metrics.dbt.translator import OpsMetricsDbtTranslator
from ops_metrics.registry import Tool, Workspace
from ops_metrics.warehouse.writer_lock import dbt_writer_lock

# `build` (not `run`) so each model's data tests run right after it, as asset checks. Unit tests
# check SQL logic against fixed fixtures, which only a deploy can change: dbt advises running them
# in development and CI (the test suite does), not on every scheduled run.
BUILD_ARGS: tuple[str, ...] = ("build", "--exclude-resource-type", "unit_test")

# dbt selections of the scheduled jobs' downstream models: each family's registry dbt tag (set
# in dbt_project.yml, which `ops-metrics dbt-codegen --check` holds to the registry).
INCIDENT_MODELS = f"tag:{Workspace.cadence.dbt_tag}"
AI_MODELS = f"tag:{Tool.cadence.dbt_tag}"


class DbtBuildConfig(dg.Config):
    """Launchpad options for a dbt run."""

    full_refresh: bool = Field(
        default=False,
        description=(
            "Rebuild the incremental marts from all raw data (`dbt build --full-refresh`) "
            "instead of merging what was loaded since the last run; data tests then check every row."
        ),
    )
    whole_table_tests: bool = Field(
        default=False,
        description=(
            "Run every data test on whole tables (the daily `dbt_whole_table_tests_daily` job "
            "does). Otherwise tests on incremental models read only the rows this run built, so "
            "the hourly run's cost follows the new data, not the history."
        ),
    )

    def args(self) -> list[str]:
        """`dbt build` with this run's options."""
        args = [*BUILD_ARGS]
        if self.full_refresh:
            args.append("--full-refresh")
        if self.whole_table_tests:
            # macros/tests_scope.sql; a full refresh tests every row anyway.
            args += ["--vars", json.dumps({"data_tests_scope": "all"})]
        return args


@dbt_assets(
    manifest=ensure_manifest(),
    project=ops_metrics_dbt_project,
    dagster_dbt_translator=OpsMetricsDbtTranslator(),
    # Still in the pool (limit 1): two dbt builds of one project would share its target/
    # directory (manifest, compiled SQL, run results). The DuckDB file itself is guarded by the
    # writer lock below, which ingestion merges take too.
    pool=settings.WAREHOUSE_POOL,
)
def ops_metrics_dbt_assets(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, config: DbtBuildConfig
) -> Iterator[Any]:
    export_dbt_env()
    # dbt-duckdb holds the file for the whole build: the writer lock for as long.
    with dbt_writer_lock(f"dbt build (run {context.run_id})", context.log.info, dbt.target):
        yield from dbt.cli(config.args(), context=context).stream()


class DbtNotInstalled(RuntimeError):
    """The dbt executable is not on PATH, and a dbt model was asked to run."""


class MissingDbtCliResource(DbtCliResource):
    """Stands in for DbtCliResource when `dbt` is not on PATH. dagster-dbt refuses to build its
    resource then, which failed the whole code location: not one ingestion asset could load.
    This one loads, and only running a dbt model fails, naming the missing executable."""

    @field_validator("dbt_executable")
    @classmethod
    def validate_dbt_executable(cls, dbt_executable: str) -> str:
        return dbt_executable  # checked when a dbt model runs, in cli()

    def cli(self, args: Any, **kwargs: Any) -> Any:
        raise DbtNotInstalled(
            f"the dbt executable {self.dbt_executable!r} is not on PATH, so the dbt models cannot "
            "run (ingestion assets are unaffected): install dbt-core with its adapter "
            "(dbt-duckdb, dbt-snowflake) in this environment, or put `dbt` on PATH"
        )


def dbt_resource() -> DbtCliResource:
    if shutil.which("dbt") is None:
        return MissingDbtCliResource(
            project_dir=ops_metrics_dbt_project, target=settings.dbt_target()
        )
    return DbtCliResource(project_dir=ops_metrics_dbt_project, target=settings.dbt_target())


def dbt_incident_models_selection() -> dg.AssetSelection:
    """dbt models fed by Incident.io (tag `ops`), for the hourly incident job."""
    return build_dbt_asset_selection([ops_metrics_dbt_assets], dbt_select=INCIDENT_MODELS)


def dbt_ai_models_selection() -> dg.AssetSelection:
    """dbt models fed by the AI tools (tag `ai_telemetry`), for the daily 14:30 UTC job."""
    return build_dbt_asset_selection([ops_metrics_dbt_assets], dbt_select=AI_MODELS)
