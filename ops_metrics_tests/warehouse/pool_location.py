"""A code location for the writer-lock test: the real workspace assets in a multiprocess job, so
the writer lock, not execution order, is what keeps their warehouse writes apart."""

import os

import dagster as dg

from ops_metrics.incident_io.assets import incident_assets
from ops_metrics.sources import SourcesResource
from ops_metrics.warehouse.duckdb import DuckDBWarehouse
from ops_metrics.warehouse.io_manager import StageAndMergeIOManager

FROZEN_AT = "2026-03-20T12:00:00+00:00"


def writers_job() -> dg.JobDefinition:
    warehouse = DuckDBWarehouse(path=os.environ["OPS_METRICS_DUCKDB_PATH"])
    defs = dg.Definitions(
        assets=incident_assets,
        jobs=[
            dg.define_asset_job(
                "parallel_writers",
                selection=dg.AssetSelection.assets(*incident_assets),
                executor_def=dg.multiprocess_executor.configured({"max_concurrent": 3}),
            )
        ],
        resources={
            "warehouse_io_manager": StageAndMergeIOManager(warehouse=warehouse),
            "sources": SourcesResource(simulator_frozen_at=FROZEN_AT),
        },
    )
    return defs.resolve_job_def("parallel_writers")
