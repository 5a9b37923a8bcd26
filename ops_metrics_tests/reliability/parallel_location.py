"""A code location for the slow-source test: the production incident job (every workspace, the
source tag) over the real workspace assets, run by the multiprocess executor as in production,
in live mode against whatever each workspace's *_BASE_URL names. The warehouse is the DuckDB
file at OPS_METRICS_DUCKDB_PATH."""

import os

import dagster as dg

from ops_metrics.incident_io.assets import incident_assets
from ops_metrics.incident_io.schedules import build_incident_job
from ops_metrics.sources import SourcesResource
from ops_metrics.warehouse.duckdb import DuckDBWarehouse
from ops_metrics.warehouse.io_manager import StageAndMergeIOManager


def incident_job() -> dg.JobDefinition:
    warehouse = DuckDBWarehouse(path=os.environ["OPS_METRICS_DUCKDB_PATH"])
    defs = dg.Definitions(
        assets=incident_assets,
        jobs=[build_incident_job()],
        resources={
            "warehouse_io_manager": StageAndMergeIOManager(warehouse=warehouse),
            "sources": SourcesResource(mode="live", retry_base_delay_seconds=0.0),
        },
    )
    return defs.resolve_job_def("incident_io_hourly")
