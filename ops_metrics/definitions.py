"""The one `defs` of the ops_metrics code location.

Kept lean on purpose: every run (and every step in multiprocess execution) imports this module,
so backends that are slow to import (Snowflake) load only when selected.
"""

from __future__ import annotations

import dagster as dg

from ops_metrics import settings
from ops_metrics.ai_tools.assets import tool_assets
from ops_metrics.ai_tools.schedules import build_ai_tools_job, build_ai_tools_schedule
from ops_metrics.alerts import run_failure_sensor
from ops_metrics.dashboards.assets import dashboards
from ops_metrics.dbt import definitions as dbt_definitions
from ops_metrics.dbt.assets import dbt_ai_models_selection, dbt_incident_models_selection
from ops_metrics.execution import one_step_in_process_executor
from ops_metrics.incident_io.assets import incident_assets
from ops_metrics.incident_io.schedules import build_incident_job, build_incident_schedule
from ops_metrics.jobs import downstream_of_sources, models_job, source_ingest_jobs
from ops_metrics.sources import SourcesResource
from ops_metrics.warehouse.base import WarehouseResource
from ops_metrics.warehouse.duckdb import DuckDBWarehouse
from ops_metrics.warehouse.io_manager import StageAndMergeIOManager


def warehouse_resource() -> WarehouseResource:
    if settings.target() == "snowflake":
        from ops_metrics.warehouse.snowflake import snowflake_warehouse_from_env

        return snowflake_warehouse_from_env()
    return DuckDBWarehouse(
        path=str(settings.duckdb_path()), merge_memory_limit=settings.duckdb_memory_limit()
    )


def resources() -> dict[str, object]:
    warehouse = warehouse_resource()
    return {
        "warehouse": warehouse,
        "warehouse_io_manager": StageAndMergeIOManager(warehouse=warehouse),
        "sources": SourcesResource(mode=settings.sources_mode()),
    }


# The scheduled jobs carry their downstream dbt models, so a scheduled hour ends with fresh marts.
incident_job = build_incident_job(downstream=dbt_incident_models_selection())
ai_tools_job = build_ai_tools_job(downstream=dbt_ai_models_selection())

# The jobs a person (or `ops-metrics demo`) launches: one per source, then the models and
# dashboards. Named, so the runs list says what each run loaded.
ingest_jobs = source_ingest_jobs()
build_job = models_job(
    downstream_of_sources([dg.AssetKey(a.key.path) for a in [*incident_assets, *tool_assets]])
)

# Declarative automation (dbt models after their upstream lands) runs only while this sensor is on.
automation_sensor = dg.AutomationConditionSensorDefinition(
    "automation_sensor",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
)

defs = dg.Definitions.merge(
    dg.Definitions(
        assets=[*incident_assets, *tool_assets, dashboards],
        jobs=[incident_job, ai_tools_job, *ingest_jobs, build_job],
        schedules=[build_incident_schedule(incident_job), build_ai_tools_schedule(ai_tools_job)],
        sensors=[automation_sensor, run_failure_sensor],
        resources=resources(),
        # Every job without its own executor, the implicit asset job of the UI and `dagster asset
        # materialize` included: a run of one step runs in-process (one interpreter, not two),
        # runs of several steps in a process per step as before (ops_metrics/execution.py).
        executor=one_step_in_process_executor,
    ),
    # Through the module: Dagster refuses a module with two Definitions at module scope.
    dbt_definitions.defs,
)
